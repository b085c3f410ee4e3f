import { api, may } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Alert, Button, Card, Col, List, Row, Space, Spin, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { PERMISSIONS } from '../common/index.ts';
import { BASE, type SubjectFile, useErrorText, useIsPhone, useMe } from './kit.tsx';
import { DeclareDialog, type House, MoveOutDialog, type Tenant, VisitDialog } from './tenant-forms.tsx';

interface Visit {
  id: string;
  houseId: string;
  address: string;
  visitedOn: string;
  note: string | null;
  present: number;
  undeclared: number;
  movedOut: number;
  recordIds: string[];
}
interface Tenants {
  houses: House[];
  visits: Visit[];
}

function TenantLine({ x, onMoveOut }: { x: Tenant; onMoveOut?: () => void }) {
  const t = useTranslate();
  return (
    <List.Item
      data-testid="ls-tenant"
      data-name={x.name}
      data-verified={x.verifiedOn != null}
      data-source={x.source ?? ''}
      actions={
        onMoveOut
          ? [
              <Button key="out" size="small" onClick={onMoveOut} data-testid="ls-tenant-moveout">
                {t('landlord-scoring.tenants.moveOut')}
              </Button>,
            ]
          : []
      }
    >
      <div>
        <Typography.Text strong>{x.name}</Typography.Text>{' '}
        <Typography.Text type="secondary">
          {t('landlord-scoring.tenants.since', { on: x.movedIn })}
        </Typography.Text>
        <div>
          <Space size={4} wrap>
            {x.declaredOn ? (
              <Tag color="blue">{t('landlord-scoring.tenants.declaredOn', { on: x.declaredOn })}</Tag>
            ) : (
              <Tag color="orange">{t('landlord-scoring.tenants.notDeclared')}</Tag>
            )}
            {x.verifiedOn ? (
              <Tag color={x.source === 'visit' ? 'red' : 'green'}>
                {t(`landlord-scoring.tenants.verified.${x.source}`, { on: x.verifiedOn })}
              </Tag>
            ) : (
              <Tag>{t('landlord-scoring.tenants.notVerified')}</Tag>
            )}
          </Space>
        </div>
      </div>
    </List.Item>
  );
}

/**
 * A landlord's tenants, house by house: who lives there now (the registry), whom she declared, who was
 * verified on a visit; the landlord's declarations (moving in and out) and a grid worker's round, on a
 * phone in one column.
 */
export default function TenantsPage() {
  const t = useTranslate();
  const { id } = useParams();
  const me = useMe();
  const phone = useIsPhone();
  const errorText = useErrorText();
  const [who, setWho] = useState<SubjectFile | null>(null);
  const [data, setData] = useState<Tenants | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'declare' | 'visit' | null>(null);
  const [leaving, setLeaving] = useState<Tenant | null>(null);
  const load = useCallback(async () => {
    try {
      const [f, d] = await Promise.all([
        api<SubjectFile>(`${BASE}/subjects/${id}`),
        api<Tenants>(`${BASE}/subjects/${id}/tenants`),
      ]);
      setWho(f);
      setData(d);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [id, errorText]);
  useEffect(() => {
    void load();
  }, [load]);
  if (error) return <Alert type="error" showIcon message={error} data-testid="ls-tenants-error" />;
  if (!who || !data) return <Spin />;
  const canDeclare = may(me, PERMISSIONS.tenantDeclare);
  const canVerify = may(me, PERMISSIONS.tenantVerify);
  const closed = (done: boolean) => {
    setDialog(null);
    setLeaving(null);
    if (done) void load();
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="ls-tenants" data-id={who.id}>
      <Card
        title={t('landlord-scoring.tenants.title', { name: who.name })}
        extra={
          !phone && <Link to={`${BASE}/subjects/${who.id}`}>{t('landlord-scoring.tenants.backToFile')}</Link>
        }
        styles={{ body: { padding: phone ? 12 : undefined } }}
      >
        {who.kind !== 'landlord' || data.houses.length === 0 ? (
          <Typography.Text type="secondary">{t('landlord-scoring.tenants.noHouses')}</Typography.Text>
        ) : (
          <Space direction={phone ? 'vertical' : 'horizontal'} style={{ width: '100%' }}>
            {canDeclare && (
              <Button block={phone} onClick={() => setDialog('declare')} data-testid="ls-declare">
                {t('landlord-scoring.tenants.declare')}
              </Button>
            )}
            {canVerify && (
              <Button type="primary" block={phone} onClick={() => setDialog('visit')} data-testid="ls-verify">
                {t('landlord-scoring.tenants.verify')}
              </Button>
            )}
          </Space>
        )}
        {phone && (
          <div style={{ marginTop: 12 }}>
            <Link to={`${BASE}/subjects/${who.id}`}>{t('landlord-scoring.tenants.backToFile')}</Link>
          </div>
        )}
      </Card>
      <Row gutter={[12, 12]}>
        {data.houses.map((h) => (
          <Col key={h.houseId} span={phone ? 24 : 12}>
            <Card size="small" title={h.address} data-testid="ls-tenant-house">
              <List
                size="small"
                dataSource={h.tenants}
                locale={{ emptyText: t('landlord-scoring.tenants.empty') }}
                renderItem={(x) => (
                  <TenantLine x={x} onMoveOut={canDeclare ? () => setLeaving(x) : undefined} />
                )}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small" title={t('landlord-scoring.tenants.visits')}>
        <List
          size="small"
          dataSource={data.visits}
          locale={{ emptyText: t('landlord-scoring.none') }}
          renderItem={(v) => (
            <List.Item data-testid="ls-visit" data-undeclared={v.undeclared}>
              <div>
                <Typography.Text>
                  {v.visitedOn} · {v.address}
                </Typography.Text>
                <div>
                  <Typography.Text type="secondary">
                    {t('landlord-scoring.tenants.visitLine', {
                      present: v.present,
                      undeclared: v.undeclared,
                      out: v.movedOut,
                    })}
                  </Typography.Text>
                </div>
                {v.note && <div>{v.note}</div>}
              </div>
            </List.Item>
          )}
        />
      </Card>
      {dialog === 'declare' && (
        <DeclareDialog subjectId={who.id} houses={data.houses} open onClose={closed} />
      )}
      {dialog === 'visit' && <VisitDialog subjectId={who.id} houses={data.houses} open onClose={closed} />}
      <MoveOutDialog subjectId={who.id} tenant={leaving} onClose={closed} />
    </Space>
  );
}
