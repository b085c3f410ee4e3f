import { api } from '@civicgrid/admin-kit';
import { useErrorText } from '@civicgrid/admin-ui';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { App, Button, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Page, useDate } from '../../components/list.tsx';

export interface Tenant {
  id: string;
  code: string;
  name: string;
  timezone: string;
  locale: string;
  divisionCode: string | null;
  status: 'active' | 'suspended';
  createdAt: string;
}

/** The platform operators' console: every tenant; create one (with its first admin), suspend, resume. */
export default function TenantsPage() {
  const t = useTranslate();
  const date = useDate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm();
  const { tableProps, tableQuery } = useTable<Tenant>({
    resource: 'platform/tenants',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
  });
  const act = async (id: string, verb: 'suspend' | 'resume') => {
    try {
      await api(`/platform/tenants/${id}/${verb}`, { method: 'POST' });
      void message.success(t(`tenants.${verb}d`));
      void tableQuery.refetch();
    } catch (err) {
      void message.error(errorText(err, 'tenants.errors'));
    }
  };
  return (
    <Page
      title={t('menu.platform/tenants')}
      extra={
        <Button type="primary" onClick={() => setCreating(true)} data-testid="tenant-create">
          {t('buttons.create')}
        </Button>
      }
    >
      <Table
        {...tableProps}
        rowKey="id"
        columns={[
          { title: t('tenants.code'), dataIndex: 'code' },
          { title: t('tenants.name'), dataIndex: 'name' },
          { title: t('tenants.divisionCode'), dataIndex: 'divisionCode', render: (v) => v ?? '—' },
          {
            title: t('tenants.status'),
            dataIndex: 'status',
            render: (s: string) => (
              <Tag color={s === 'active' ? 'green' : 'red'}>{t(`tenants.statuses.${s}`)}</Tag>
            ),
          },
          { title: t('common.createdAt'), dataIndex: 'createdAt', render: date },
          {
            title: t('common.actions'),
            key: 'a',
            render: (_, r: Tenant) => (
              <Space>
                <Button
                  size="small"
                  data-testid={`tenant-modules-${r.code}`}
                  onClick={() => navigate(`/platform/tenants/${r.id}/modules`)}
                >
                  {t('platformModules.open')}
                </Button>
                {r.status === 'active' ? (
                  <Popconfirm
                    title={t('tenants.suspendConfirm', { name: r.name })}
                    onConfirm={() => act(r.id, 'suspend')}
                  >
                    <Button size="small" danger>
                      {t('tenants.suspend')}
                    </Button>
                  </Popconfirm>
                ) : (
                  <Button size="small" onClick={() => act(r.id, 'resume')}>
                    {t('tenants.resume')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('tenants.create')}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ locale: 'zh-CN', timezone: 'Asia/Shanghai' }}
          onFinish={async (v: Record<string, string>) => {
            try {
              await api('/platform/tenants', {
                method: 'POST',
                body: {
                  code: v.code,
                  name: v.name,
                  locale: v.locale,
                  timezone: v.timezone,
                  ...(v.divisionCode ? { divisionCode: v.divisionCode } : {}),
                  admin: { username: v.adminUsername, displayName: v.adminName, password: v.adminPassword },
                },
              });
              void message.success(t('tenants.created'));
              setCreating(false);
              void tableQuery.refetch();
            } catch (err) {
              void message.error(errorText(err, 'tenants.errors'));
            }
          }}
        >
          <Form.Item
            name="code"
            label={t('tenants.code')}
            rules={[{ required: true, pattern: /^[a-z][a-z0-9-]{1,31}$/, message: t('tenants.codeRule') }]}
          >
            <Input placeholder="yiwu" />
          </Form.Item>
          <Form.Item
            name="name"
            label={t('tenants.name')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input placeholder="义乌市" />
          </Form.Item>
          <Form.Item
            name="divisionCode"
            label={t('tenants.divisionCode')}
            rules={[{ pattern: /^[0-9]{6}$/, message: t('tenants.divisionRule') }]}
          >
            <Input placeholder="330782" />
          </Form.Item>
          <Form.Item name="timezone" label={t('tenants.timezone')}>
            <Input />
          </Form.Item>
          <Form.Item name="locale" label={t('tenants.locale')}>
            <Select
              options={[
                { value: 'zh-CN', label: t('locale.zh-CN') },
                { value: 'en', label: t('locale.en') },
              ]}
            />
          </Form.Item>
          <Form.Item
            name="adminUsername"
            label={t('tenants.adminUsername')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="adminName"
            label={t('tenants.adminName')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="adminPassword"
            label={t('tenants.adminPassword')}
            rules={[{ required: true, min: 10, message: t('users.passwordRule') }]}
          >
            <Input.Password />
          </Form.Item>
        </Form>
      </Modal>
    </Page>
  );
}
