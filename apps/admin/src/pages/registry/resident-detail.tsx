import { api, may } from '@civicgrid/admin-kit';
import { type OrgUnit, useMe } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Button, Col, Result, Row, Space, Spin } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { errorText } from './errors.ts';
import { HouseholdCard } from './resident-household.tsx';
import { IdentityCard } from './resident-identity.tsx';
import { ResidencesCard } from './resident-residences.tsx';
import { TagsCard } from './resident-tags.tsx';
import { VisitsCard } from './resident-visits.tsx';
import type { Resident } from './residents.tsx';
import { RegistryPage, useRecord } from './shared.tsx';

export interface ResidentDetail extends Resident {
  residences: Array<{
    id: string;
    houseId: string | null;
    orgUnitId: string;
    movedIn: string;
    movedOut: string | null;
  }>;
  tags: Array<{ id: string; key: string; name: string; since: string }>;
}

/** What the user may do on this resident, judged on the unit she lives in (the server decides again). */
export interface Rights {
  manage: boolean;
  pii: boolean;
  visit: boolean;
}

/**
 * One resident: personal data (masked; "show" opens a value, audited), where she has lived (move in,
 * move out), her household, focus groups and visits. Each part is a card: two columns on a wide
 * screen, one on a phone.
 */
export default function ResidentDetailPage() {
  const t = useTranslate();
  const { id } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const [r, setR] = useState<ResidentDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setR(await api<ResidentDetail>(`/residents/${id}`));
    } catch (err) {
      setError(errorText(t, err));
    }
  }, [id, t]);
  useEffect(() => {
    void load();
  }, [load]);
  const unit = useRecord<OrgUnit>(r ? `/org-units/${r.orgUnitId}` : null);
  if (error) return <Result status="warning" title={error} data-testid="resident-error" />;
  if (!r)
    return (
      <div style={{ padding: 48, textAlign: 'center' }}>
        <Spin />
      </div>
    );
  const on = unit?.ancestorIds;
  const rights: Rights = {
    manage: may(me, 'registry.resident.manage', on),
    pii: may(me, 'registry.pii.read', on),
    visit: may(me, 'registry.visit.create', on),
  };
  const half = { xs: 24, lg: 12 };
  return (
    <RegistryPage
      title={<span data-testid="resident-title">{r.name}</span>}
      testId="resident-detail"
      actions={
        <Space wrap>
          <Button onClick={() => navigate('/registry/residents')}>{t('registry.backToList')}</Button>
          {rights.manage && (
            <Button
              type="primary"
              onClick={() => navigate(`/registry/residents/${r.id}/edit`)}
              data-testid="resident-edit"
            >
              {t('buttons.edit')}
            </Button>
          )}
        </Space>
      }
    >
      <Row gutter={[16, 16]}>
        <Col {...half}>
          <IdentityCard r={r} rights={rights} unitName={unit?.name} />
        </Col>
        <Col {...half}>
          <ResidencesCard r={r} rights={rights} onChanged={setR} />
        </Col>
        <Col {...half}>
          <HouseholdCard r={r} rights={rights} onChanged={load} />
        </Col>
        <Col {...half}>
          <TagsCard r={r} rights={rights} onChanged={load} />
        </Col>
        <Col span={24}>
          <VisitsCard r={r} rights={rights} />
        </Col>
      </Row>
    </RegistryPage>
  );
}
