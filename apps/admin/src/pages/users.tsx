import { api, may } from '@civicgrid/admin-kit';
import { OrgUnitPicker, useMe } from '@civicgrid/admin-ui';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { App, Button, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Page, useDate } from '../components/list.tsx';

interface User {
  id: string;
  orgUnitId: string;
  username: string;
  displayName: string;
  phone: string | null;
  status: 'active' | 'disabled';
  locked: boolean;
  createdAt: string;
}
export interface Role {
  id: string;
  key: string;
  name: string;
  description: string | null;
  permissions: string[];
  system: boolean;
}

export const useRoles = () => {
  const [roles, setRoles] = useState<Role[]>([]);
  useEffect(() => {
    void api<Role[]>('/roles', { query: { _end: 500 } }).then(setRoles, () => setRoles([]));
  }, []);
  return roles;
};

/** Gives a user a role on a unit picked from the tree (POST /grants). */
export function GrantModal({
  user,
  onClose,
}: {
  user: { id: string; displayName: string } | null;
  onClose: () => void;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const roles = useRoles();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      open={user != null}
      title={t('grants.giveTo', { name: user?.displayName ?? '' })}
      onCancel={onClose}
      okText={t('grants.give')}
      confirmLoading={busy}
      destroyOnHidden
      onOk={() => form.submit()}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        onFinish={async (v: { roleId: string; orgUnitId: string }) => {
          setBusy(true);
          try {
            await api('/grants', { method: 'POST', body: { userId: user!.id, ...v } });
            void message.success(t('grants.given'));
            onClose();
          } catch (err) {
            void message.error((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item
          name="roleId"
          label={t('grants.role')}
          rules={[{ required: true, message: t('common.required') }]}
        >
          <Select
            id="grant-role"
            data-testid="grant-role"
            showSearch
            optionFilterProp="label"
            options={roles.map((r) => ({ value: r.id, label: r.name }))}
          />
        </Form.Item>
        <Form.Item
          name="orgUnitId"
          label={t('grants.unit')}
          rules={[{ required: true, message: t('common.required') }]}
        >
          <OrgUnitPicker id="grant-unit" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Users in the caller's scope: create, disable/enable, reset password, grant a role. */
export default function UsersPage() {
  const t = useTranslate();
  const date = useDate();
  const me = useMe();
  const { message, modal } = App.useApp();
  const [q, setQ] = useState('');
  const { tableProps, tableQuery } = useTable<User>({
    resource: 'users',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: 'createdAt', order: 'desc' }] },
    filters: { permanent: q ? [{ field: 'q', operator: 'eq', value: q }] : [] },
  });
  const [creating, setCreating] = useState(false);
  const [granting, setGranting] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [createForm] = Form.useForm();
  const [resetForm] = Form.useForm();
  const canEdit = may(me, 'core.user.update');

  const setStatus = async (u: User, status: User['status']) => {
    try {
      await api(`/users/${u.id}`, { method: 'PATCH', body: { status } });
      void message.success(t(status === 'disabled' ? 'users.disabledOk' : 'users.enabledOk'));
      void tableQuery.refetch();
    } catch (err) {
      void message.error((err as Error).message);
    }
  };

  return (
    <Page
      title={t('menu.users')}
      extra={
        <Space wrap>
          <Input.Search placeholder={t('users.search')} allowClear onSearch={setQ} style={{ width: 200 }} />
          {may(me, 'core.user.create') && (
            <Button type="primary" onClick={() => setCreating(true)} data-testid="user-create">
              {t('buttons.create')}
            </Button>
          )}
        </Space>
      }
    >
      <Table
        {...tableProps}
        rowKey="id"
        size="middle"
        columns={[
          { title: t('users.username'), dataIndex: 'username', sorter: true },
          { title: t('users.displayName'), dataIndex: 'displayName', sorter: true },
          { title: t('users.phone'), dataIndex: 'phone', render: (v) => v ?? '—' },
          {
            title: t('users.status'),
            dataIndex: 'status',
            render: (s: string, u: User) => (
              <Space>
                <Tag color={s === 'active' ? 'green' : 'default'}>{t(`users.statuses.${s}`)}</Tag>
                {u.locked && <Tag color="orange">{t('users.locked')}</Tag>}
              </Space>
            ),
          },
          { title: t('common.createdAt'), dataIndex: 'createdAt', sorter: true, render: date },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, u: User) => (
              <Space wrap>
                {may(me, 'core.grant.manage') && (
                  <Button size="small" onClick={() => setGranting(u)} data-testid={`grant-${u.username}`}>
                    {t('grants.give')}
                  </Button>
                )}
                {canEdit && (
                  <Button size="small" onClick={() => setResetting(u)}>
                    {t('users.resetPassword')}
                  </Button>
                )}
                {canEdit &&
                  u.id !== me?.id &&
                  (u.status === 'active' ? (
                    <Button
                      size="small"
                      danger
                      onClick={() =>
                        modal.confirm({
                          title: t('users.disableConfirm', { name: u.displayName }),
                          onOk: () => setStatus(u, 'disabled'),
                        })
                      }
                    >
                      {t('users.disable')}
                    </Button>
                  ) : (
                    <Button size="small" onClick={() => setStatus(u, 'active')}>
                      {t('users.enable')}
                    </Button>
                  ))}
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('users.create')}
        onCancel={() => setCreating(false)}
        onOk={() => createForm.submit()}
        destroyOnHidden
      >
        <Form
          form={createForm}
          layout="vertical"
          preserve={false}
          onFinish={async (v: Record<string, string>) => {
            try {
              await api('/users', { method: 'POST', body: { ...v, phone: v.phone || undefined } });
              void message.success(t('users.created'));
              setCreating(false);
              void tableQuery.refetch();
            } catch (err) {
              void message.error((err as Error).message);
            }
          }}
        >
          <Form.Item
            name="orgUnitId"
            label={t('users.unit')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <OrgUnitPicker id="user-unit" />
          </Form.Item>
          <Form.Item
            name="username"
            label={t('users.username')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input id="user-username" />
          </Form.Item>
          <Form.Item
            name="displayName"
            label={t('users.displayName')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input id="user-displayName" />
          </Form.Item>
          <Form.Item name="phone" label={t('users.phone')}>
            <Input id="user-phone" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('users.password')}
            rules={[{ required: true, min: 10, message: t('users.passwordRule') }]}
          >
            <Input.Password id="user-password" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={resetting != null}
        title={t('users.resetPasswordOf', { name: resetting?.displayName ?? '' })}
        onCancel={() => setResetting(null)}
        onOk={() => resetForm.submit()}
        destroyOnHidden
      >
        <Form
          form={resetForm}
          layout="vertical"
          preserve={false}
          onFinish={async ({ password }: { password: string }) => {
            try {
              await api(`/users/${resetting!.id}/reset-password`, { method: 'POST', body: { password } });
              void message.success(t('users.passwordReset'));
              setResetting(null);
            } catch (err) {
              void message.error((err as Error).message);
            }
          }}
        >
          <Form.Item
            name="password"
            label={t('users.newPassword')}
            rules={[{ required: true, min: 10, message: t('users.passwordRule') }]}
          >
            <Input.Password />
          </Form.Item>
        </Form>
      </Modal>
      <GrantModal user={granting} onClose={() => setGranting(null)} />
    </Page>
  );
}
