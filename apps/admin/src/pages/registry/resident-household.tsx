import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, List, Space, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { errorText } from './errors.ts';
import { ResidentPicker } from './pickers.tsx';
import type { ResidentDetail, Rights } from './resident-detail.tsx';

interface Household {
  id: string;
  headId: string | null;
  members: Array<{ id: string; name: string; head: boolean }>;
}

/**
 * The household (户) the resident belongs to: its head and members, each a link to their page. With
 * registry.resident.manage: start a household with her as its head, or add a member to hers.
 */
export function HouseholdCard({
  r,
  rights,
  onChanged,
}: {
  r: ResidentDetail;
  rights: Rights;
  onChanged: () => void;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const [household, setHousehold] = useState<Household | null>(null);
  const [adding, setAdding] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setHousehold(null);
    if (r.householdId) void api<Household>(`/households/${r.householdId}`).then(setHousehold, () => {});
  }, [r.householdId]);

  const act = async (fn: () => Promise<Household>) => {
    setBusy(true);
    try {
      setHousehold(await fn());
      setAdding(null);
      onChanged();
    } catch (err) {
      void message.error(errorText(t, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={t('residents.household')} data-testid="resident-household">
      {!r.householdId ? (
        <Space direction="vertical">
          <span>{t('residents.noHousehold')}</span>
          {rights.manage && (
            <Button
              size="small"
              loading={busy}
              data-testid="household-create"
              onClick={() => act(() => api('/households', { method: 'POST', body: { headId: r.id } }))}
            >
              {t('residents.startHousehold')}
            </Button>
          )}
        </Space>
      ) : (
        <>
          <List
            size="small"
            loading={!household}
            dataSource={household?.members ?? []}
            rowKey="id"
            renderItem={(m) => (
              <List.Item>
                {m.id === r.id ? (
                  <strong>{m.name}</strong>
                ) : (
                  <Link to={`/registry/residents/${m.id}`}>{m.name}</Link>
                )}
                {m.head && <Tag color="blue">{t('residents.head')}</Tag>}
              </List.Item>
            )}
          />
          {rights.manage && household && (
            <Space.Compact style={{ width: '100%', marginTop: 8 }}>
              <ResidentPicker id="household-member" value={adding} onChange={setAdding} />
              <Button
                disabled={!adding}
                loading={busy}
                data-testid="household-add"
                onClick={() =>
                  act(() =>
                    api(`/households/${household.id}/members`, {
                      method: 'POST',
                      body: { residentId: adding },
                    }),
                  )
                }
              >
                {t('residents.addMember')}
              </Button>
            </Space.Compact>
          )}
        </>
      )}
    </Card>
  );
}
