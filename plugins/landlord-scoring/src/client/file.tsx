import { api, may, tenantToday } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  List,
  Modal,
  Row,
  Space,
  Spin,
  Statistic,
  Tag,
  Typography,
} from 'antd';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { PERMISSIONS } from '../common/index.ts';
import {
  BASE,
  type FileRecord,
  FlagTag,
  ScoreTag,
  type SubjectFile,
  useErrorText,
  useIsPhone,
  useMe,
  useTitle,
} from './kit.tsx';
import { RecordPhotos } from './photos.tsx';

const ScoreChart = lazy(() => import('./score-chart.tsx'));

/** The running score of the year from its records (void ones left out): the chart's points. */
function timeline(f: SubjectFile): Array<[string, number]> {
  const points: Array<[string, number]> = [[`${f.year}-01-01`, f.base]];
  let deducted = 0;
  let bonus = 0;
  for (const r of f.records) {
    if (r.voided) continue;
    if (r.effect === 'deduction') deducted += r.points;
    else bonus += r.points;
    points.push([r.occurredOn, Math.max(0, Math.min(f.base, f.base - deducted + bonus))]);
  }
  // The last point is the server's own figure (bonus caps and the floor as the settings say).
  const today = tenantToday();
  const end = today.startsWith(String(f.year)) ? today : `${f.year}-12-31`;
  points.push([end, f.score]);
  return points;
}

/** Appealing one record: the reason, sent to the reviewers' queue. */
function AppealDialog({ record, onClose }: { record: FileRecord | null; onClose: (filed: boolean) => void }) {
  const t = useTranslate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async ({ reason }: { reason: string }) => {
    setBusy(true);
    try {
      await api(`${BASE}/records/${record!.id}/appeals`, { method: 'POST', body: { reason } });
      void message.success(t('landlord-scoring.file.appealed'));
      form.resetFields();
      onClose(true);
    } catch (err) {
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={record != null}
      title={t('landlord-scoring.file.appealTitle')}
      onCancel={() => onClose(false)}
      onOk={() => form.submit()}
      confirmLoading={busy}
      destroyOnHidden
    >
      <div data-testid="ls-appeal-dialog">
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item
            name="reason"
            label={t('landlord-scoring.field.reason')}
            rules={[{ required: true, whitespace: true, message: t('landlord-scoring.form.required') }]}
          >
            <Input.TextArea id="ls-appeal-reason" rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </div>
    </Modal>
  );
}

function RecordLine({
  r,
  onAppeal,
  canAddPhotos,
  onChanged,
}: {
  r: FileRecord;
  onAppeal?: () => void;
  canAddPhotos: boolean;
  onChanged: () => void;
}) {
  const t = useTranslate();
  const title = useTitle();
  const sign = r.effect === 'deduction' ? '−' : '+';
  return (
    <List.Item
      data-testid="ls-record"
      data-id={r.id}
      data-voided={r.voided}
      actions={[
        <RecordPhotos
          key="photos"
          recordId={r.id}
          count={r.photos}
          canAdd={canAddPhotos && !r.voided}
          onAdded={onChanged}
        />,
        ...(onAppeal
          ? [
              <Button key="appeal" size="small" onClick={onAppeal} data-testid="ls-appeal">
                {t('landlord-scoring.file.appeal')}
              </Button>,
            ]
          : []),
      ]}
    >
      <div style={{ width: '100%' }}>
        <Space wrap size={4}>
          <Tag color={r.effect === 'deduction' ? 'red' : 'green'}>
            {sign}
            {r.points}
          </Tag>
          <Typography.Text delete={r.voided} data-testid="ls-record-title">
            {title({ titleZh: r.itemTitleZh, titleEn: r.itemTitleEn })}
          </Typography.Text>
          {r.appealState && (
            <Tag data-testid="ls-appeal-state">{t(`landlord-scoring.appealState.${r.appealState}`)}</Tag>
          )}
          {r.visitId && <Tag color="purple">{t('landlord-scoring.file.foundOnVisit')}</Tag>}
        </Space>
        <div>
          <Typography.Text type="secondary">
            {r.occurredOn}
            {r.witness ? ` · ${t('landlord-scoring.field.witness')}: ${r.witness}` : ''}
          </Typography.Text>
        </div>
        {r.note && <div>{r.note}</div>}
        {r.voided && (
          <Typography.Text type="danger" data-testid="ls-void-reason">
            {t('landlord-scoring.file.voided', { reason: r.voidReason ?? '' })}
          </Typography.Text>
        )}
      </div>
    </List.Item>
  );
}

/** One subject's file: score now, the year's records, flags, classes, houses, past years and the timeline. */
export default function FilePage() {
  const t = useTranslate();
  const { id } = useParams();
  const me = useMe();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const [file, setFile] = useState<SubjectFile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [appealing, setAppealing] = useState<FileRecord | null>(null);
  const load = useCallback(async () => {
    try {
      setFile(await api<SubjectFile>(`${BASE}/subjects/${id}`));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [id, errorText]);
  useEffect(() => {
    void load();
  }, [load]);
  const points = useMemo(() => (file ? timeline(file) : []), [file]);
  if (error) return <Alert type="error" showIcon message={error} data-testid="ls-file-error" />;
  if (!file) return <Spin />;
  const canAppeal = may(me, PERMISSIONS.appealCreate);
  const col = phone ? 24 : 12;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="ls-file" data-id={file.id}>
      <Card
        title={
          <Space wrap>
            <span data-testid="ls-file-name">{file.name}</span>
            <Tag>{t(`landlord-scoring.kind.${file.kind}`)}</Tag>
            <FlagTag flag={file.flags?.flag} />
          </Space>
        }
        extra={!phone && <Link to={`${BASE}/subjects`}>{t('landlord-scoring.file.back')}</Link>}
        styles={{ body: { padding: phone ? 12 : undefined } }}
      >
        <Row gutter={[12, 12]}>
          <Col span={phone ? 24 : 8}>
            <Statistic
              title={t('landlord-scoring.file.score')}
              value={file.score}
              suffix={`/ ${file.base}`}
              valueStyle={{ color: file.score <= file.yellowFlagAt ? '#d46b08' : '#389e0d' }}
            />
            <span data-testid="ls-file-score" data-score={file.score} hidden>
              {file.score}
            </span>
          </Col>
          <Col span={phone ? 12 : 8}>
            <Statistic title={t('landlord-scoring.file.deductions')} value={file.deductions} />
          </Col>
          <Col span={phone ? 12 : 8}>
            <Statistic title={t('landlord-scoring.file.bonuses')} value={file.bonuses} />
          </Col>
        </Row>
        <Descriptions size="small" column={phone ? 1 : 2} style={{ marginTop: 12 }}>
          <Descriptions.Item label={t('landlord-scoring.field.registeredOn')}>
            {file.registeredOn}
          </Descriptions.Item>
          <Descriptions.Item
            label={
              file.flags
                ? t('landlord-scoring.file.flags', { period: file.flags.period })
                : t('landlord-scoring.field.flag')
            }
          >
            {file.flags ? (
              <Space size={4} wrap>
                {file.flags.flag ? <FlagTag flag={file.flags.flag} /> : t('landlord-scoring.flag.none')}
                {file.flags.improvementClass && <Tag>{t('landlord-scoring.field.improvementClass')}</Tag>}
                {file.flags.referral && <Tag color="red">{t('landlord-scoring.field.referral')}</Tag>}
              </Space>
            ) : (
              t('landlord-scoring.file.noAssessment')
            )}
          </Descriptions.Item>
        </Descriptions>
        {may(me, PERMISSIONS.recordCreate) && (
          <Button
            type="primary"
            block={phone}
            style={{ marginTop: 12 }}
            onClick={() => navigate(`${BASE}/record?subject=${file.id}`)}
            data-testid="ls-file-record"
          >
            {t('landlord-scoring.file.record')}
          </Button>
        )}
      </Card>
      <Card size="small" title={t('landlord-scoring.file.timeline')}>
        <Suspense fallback={<Spin />}>
          <ScoreChart
            points={points}
            base={file.base}
            yellowAt={file.yellowFlagAt}
            name={t('landlord-scoring.file.score')}
          />
        </Suspense>
      </Card>
      <Card size="small" title={t('landlord-scoring.file.records', { year: file.year })}>
        <List
          dataSource={[...file.records].reverse()}
          locale={{ emptyText: t('landlord-scoring.none') }}
          renderItem={(r) => (
            <RecordLine
              r={r}
              canAddPhotos={may(me, PERMISSIONS.recordCreate)}
              onChanged={() => void load()}
              onAppeal={
                canAppeal && !r.voided && r.appealState !== 'pending' ? () => setAppealing(r) : undefined
              }
            />
          )}
        />
      </Card>
      <Row gutter={[12, 12]}>
        <Col span={col}>
          <Card size="small" title={t('landlord-scoring.file.houses')}>
            <List
              size="small"
              dataSource={file.houses}
              locale={{ emptyText: t('landlord-scoring.none') }}
              renderItem={(h) => (
                <List.Item data-testid="ls-house">
                  <Typography.Text delete={h.until != null}>{h.address}</Typography.Text>{' '}
                  <Typography.Text type="secondary">
                    {h.until
                      ? t('landlord-scoring.file.until', { since: h.since, until: h.until })
                      : t('landlord-scoring.file.since', { since: h.since })}
                  </Typography.Text>
                </List.Item>
              )}
            />
            {file.kind === 'landlord' && (
              <>
                <Typography.Text type="secondary" data-testid="ls-file-tenants">
                  {t('landlord-scoring.file.tenants', {
                    current: file.tenants.current,
                    landlordDeclared: file.tenants.landlordDeclared,
                    declared: file.tenants.declared,
                    self: file.tenants.selfDeclared,
                  })}
                </Typography.Text>
                <Button
                  block
                  style={{ marginTop: 8 }}
                  onClick={() => navigate(`${BASE}/subjects/${file.id}/tenants`)}
                  data-testid="ls-file-tenants-page"
                >
                  {t('landlord-scoring.file.tenantsPage')}
                </Button>
              </>
            )}
          </Card>
        </Col>
        <Col span={col}>
          <Card size="small" title={t('landlord-scoring.file.classes')}>
            <List
              size="small"
              dataSource={file.classes}
              locale={{ emptyText: t('landlord-scoring.none') }}
              renderItem={(c) => (
                <List.Item>
                  {t('landlord-scoring.file.classMonth', { month: c.classMonth })} ·{' '}
                  {c.attendedOn
                    ? t('landlord-scoring.file.attended', { on: c.attendedOn })
                    : t('landlord-scoring.file.notAttended')}
                </List.Item>
              )}
            />
          </Card>
          <Card size="small" title={t('landlord-scoring.file.history')} style={{ marginTop: 12 }}>
            <List
              size="small"
              dataSource={file.history}
              locale={{ emptyText: t('landlord-scoring.none') }}
              renderItem={(h) => (
                <List.Item>
                  {t('landlord-scoring.file.historyRow', {
                    year: h.year,
                    score: h.score,
                    d: h.deductions,
                    b: h.bonuses,
                  })}{' '}
                  <ScoreTag score={h.score} yellowAt={file.yellowFlagAt} />
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
      <AppealDialog
        record={appealing}
        onClose={(filed) => {
          setAppealing(null);
          if (filed) void load();
        }}
      />
    </Space>
  );
}
