import { api, may, session } from '@civicgrid/admin-kit';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, Form, Input, Modal, Table, TreeSelect } from 'antd';
import { useEffect, useState } from 'react';
import { PERMISSIONS } from '../common/index.ts';

interface Notice {
  id: string;
  orgUnitId: string;
  title: string;
  body: string;
  createdAt: string;
}

/** The units a notice may be posted on: the user's granted units (a plugin page keeps to the API). */
function useGrantedUnits() {
  const [units, setUnits] = useState<Array<{ value: string; title: string }>>([]);
  useEffect(() => {
    void session
      .load()
      .then((me) =>
        setUnits([
          ...new Map(
            me.grants.map((g) => [g.orgUnitId, { value: g.orgUnitId, title: g.orgUnitName }]),
          ).values(),
        ]),
      );
  }, []);
  return units;
}

export default function NoticesPage() {
  const t = useTranslate();
  const { message } = App.useApp();
  const units = useGrantedUnits();
  const [posting, setPosting] = useState(false);
  const [form] = Form.useForm();
  const { tableProps, tableQuery } = useTable<Notice>({
    resource: 'm/bulletin/notices',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: 'createdAt', order: 'desc' }] },
  });
  return (
    <Card
      title={t('bulletin.notices.label')}
      data-testid="bulletin-notices"
      extra={
        may(session.me, PERMISSIONS.post) && (
          <Button type="primary" onClick={() => setPosting(true)}>
            {t('bulletin.notices.post')}
          </Button>
        )
      }
    >
      <Table
        {...tableProps}
        rowKey="id"
        locale={{ emptyText: t('bulletin.notices.none') }}
        columns={[
          { title: t('bulletin.notices.title'), dataIndex: 'title' },
          { title: t('bulletin.notices.body'), dataIndex: 'body' },
          {
            title: t('bulletin.notices.createdAt'),
            dataIndex: 'createdAt',
            render: (v: string) => new Date(v).toLocaleString(),
          },
        ]}
      />
      <Modal
        open={posting}
        title={t('bulletin.notices.post')}
        onCancel={() => setPosting(false)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          onFinish={async (v: { orgUnitId: string; title: string; body?: string }) => {
            try {
              await api('/m/bulletin/notices', { method: 'POST', body: v });
              void message.success(t('bulletin.notices.posted'));
              setPosting(false);
              void tableQuery.refetch();
            } catch (err) {
              void message.error((err as Error).message);
            }
          }}
        >
          <Form.Item name="orgUnitId" label={t('bulletin.notices.unit')} rules={[{ required: true }]}>
            <TreeSelect treeData={units} />
          </Form.Item>
          <Form.Item name="title" label={t('bulletin.notices.title')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="body" label={t('bulletin.notices.body')}>
            <Input.TextArea rows={4} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
