import { useTable } from '@refinedev/antd';
import type { CrudFilter } from '@refinedev/core';
import { useTranslate } from '@refinedev/core';
import { Button, DatePicker, Form, Input, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { Page, useDate } from '../components/list.tsx';
import { UserPicker } from '../components/user-picker.tsx';

interface AuditRow {
  id: string;
  at: string;
  actorKind: string;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  diff: unknown;
  ip: string | null;
}

interface Filter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  range?: [Dayjs, Dayjs] | null;
}

/** The append-only audit log: filter by user (picked by a server-side search), action, target and time. */
export default function AuditLogPage() {
  const t = useTranslate();
  const date = useDate();
  const [f, setF] = useState<Filter>({});
  const filters: CrudFilter[] = [];
  for (const k of ['actorId', 'action', 'targetType', 'targetId'] as const)
    if (f[k]) filters.push({ field: k, operator: 'eq', value: f[k] });
  if (f.range) {
    filters.push({ field: 'from', operator: 'eq', value: f.range[0].startOf('day').toISOString() });
    filters.push({ field: 'to', operator: 'eq', value: f.range[1].endOf('day').toISOString() });
  }
  const { tableProps } = useTable<AuditRow>({
    resource: 'audit-log',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    filters: { permanent: filters },
  });
  return (
    <Page title={t('menu.audit-log')}>
      <Form
        layout="inline"
        data-testid="audit-filter"
        onFinish={(v: Filter) => setF(v)}
        style={{ marginBottom: 16, rowGap: 8 }}
      >
        <Form.Item name="action" label={t('audit.action')}>
          <Input placeholder="user.create" allowClear />
        </Form.Item>
        <Form.Item name="targetType" label={t('audit.targetType')}>
          <Input placeholder="user" allowClear />
        </Form.Item>
        <Form.Item name="actorId" label={t('audit.actor')}>
          <UserPicker id="audit-actor" />
        </Form.Item>
        <Form.Item name="range" label={t('audit.time')}>
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit">
            {t('buttons.filter')}
          </Button>
        </Form.Item>
      </Form>
      <Table
        {...tableProps}
        rowKey="id"
        expandable={{
          expandedRowRender: (r) => <pre style={{ margin: 0 }}>{JSON.stringify(r.diff, null, 2)}</pre>,
        }}
        columns={[
          { title: t('audit.at'), dataIndex: 'at', render: date },
          { title: t('audit.actor'), dataIndex: 'actorName', render: (v, r: AuditRow) => v ?? r.actorKind },
          {
            title: t('audit.action'),
            dataIndex: 'action',
            render: (v) => <Typography.Text code>{v}</Typography.Text>,
          },
          { title: t('audit.targetType'), dataIndex: 'targetType' },
          { title: t('audit.targetId'), dataIndex: 'targetId', render: (v) => v ?? '—' },
          { title: t('audit.ip'), dataIndex: 'ip', render: (v) => v ?? '—' },
        ]}
      />
    </Page>
  );
}
