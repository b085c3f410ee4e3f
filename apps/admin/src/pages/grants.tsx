import { api, may } from '@civicgrid/admin-kit';
import { useMe } from '@civicgrid/admin-ui';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { App, Button, Popconfirm, Select, Space, Table } from 'antd';
import { useEffect, useState } from 'react';
import { Page, useDate } from '../components/list.tsx';
import { GrantModal, useRoles } from './users.tsx';

interface Grant {
  id: string;
  userId: string;
  roleId: string;
  roleKey: string;
  orgUnitId: string;
  orgUnitName: string;
  createdAt: string;
}
interface UserLite {
  id: string;
  username: string;
  displayName: string;
}

/** Who holds which role where, in the caller's scope; revoke; grant to a user picked by name. */
export default function GrantsPage() {
  const t = useTranslate();
  const date = useDate();
  const me = useMe();
  const { message } = App.useApp();
  const roles = useRoles();
  const [users, setUsers] = useState<UserLite[]>([]);
  const [userId, setUserId] = useState<string | undefined>();
  const [granting, setGranting] = useState<UserLite | null>(null);
  useEffect(() => {
    void api<UserLite[]>('/users', { query: { _end: 500, _sort: 'username' } }).then(setUsers, () =>
      setUsers([]),
    );
  }, []);
  const { tableProps, tableQuery } = useTable<Grant>({
    resource: 'grants',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    filters: { permanent: userId ? [{ field: 'userId', operator: 'eq', value: userId }] : [] },
  });
  const userName = (id: string) => {
    const u = users.find((x) => x.id === id);
    return u ? `${u.displayName} (${u.username})` : id;
  };
  const selected = users.find((u) => u.id === userId);
  return (
    <Page
      title={t('menu.grants')}
      extra={
        <Space wrap>
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            placeholder={t('grants.filterUser')}
            style={{ width: 220 }}
            value={userId}
            onChange={setUserId}
            options={users.map((u) => ({ value: u.id, label: `${u.displayName} (${u.username})` }))}
          />
          {may(me, 'core.grant.manage') && selected && (
            <Button type="primary" onClick={() => setGranting(selected)}>
              {t('grants.give')}
            </Button>
          )}
        </Space>
      }
    >
      <Table
        {...tableProps}
        rowKey="id"
        columns={[
          { title: t('grants.user'), dataIndex: 'userId', render: userName },
          {
            title: t('grants.role'),
            dataIndex: 'roleId',
            render: (id: string, g: Grant) => roles.find((r) => r.id === id)?.name ?? g.roleKey,
          },
          { title: t('grants.unit'), dataIndex: 'orgUnitName' },
          { title: t('common.createdAt'), dataIndex: 'createdAt', render: date },
          {
            title: t('common.actions'),
            key: 'a',
            render: (_, g: Grant) =>
              may(me, 'core.grant.manage') && (
                <Popconfirm
                  title={t('grants.revokeConfirm')}
                  onConfirm={async () => {
                    try {
                      await api(`/grants/${g.id}`, { method: 'DELETE' });
                      void message.success(t('grants.revoked'));
                      void tableQuery.refetch();
                    } catch (err) {
                      void message.error((err as Error).message);
                    }
                  }}
                >
                  <Button size="small" danger>
                    {t('grants.revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <GrantModal
        user={granting}
        onClose={() => {
          setGranting(null);
          void tableQuery.refetch();
        }}
      />
    </Page>
  );
}
