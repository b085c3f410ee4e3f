import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, DatePicker, Form, Input, List } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useDate } from '../../components/list.tsx';
import { showOnFields } from './errors.ts';
import type { ResidentDetail, Rights } from './resident-detail.tsx';

interface Visit {
  id: string;
  visitedAt: string;
  note: string | null;
  visitorName: string | null;
}

/**
 * The resident's visits (走访), newest first, and — with registry.visit.create where she lives — a
 * form to record one: when (not in the future) and a note.
 */
export function VisitsCard({ r, rights }: { r: ResidentDetail; rights: Rights }) {
  const t = useTranslate();
  const date = useDate();
  const { message } = App.useApp();
  const [visits, setVisits] = useState<Visit[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ visitedAt: Dayjs; note?: string }>();
  const load = useCallback(
    () => void api<Visit[]>(`/residents/${r.id}/visits`).then(setVisits, () => setVisits([])),
    [r.id],
  );
  useEffect(load, [load]);

  const record = async (v: { visitedAt: Dayjs; note?: string }) => {
    setBusy(true);
    try {
      await api(`/residents/${r.id}/visits`, {
        method: 'POST',
        body: { visitedAt: v.visitedAt.toISOString(), ...(v.note?.trim() ? { note: v.note.trim() } : {}) },
      });
      void message.success(t('residents.visitRecorded'));
      form.resetFields();
      load();
    } catch (err) {
      const rest = showOnFields(form, t, err, ['visitedAt', 'note']);
      if (rest) void message.error(rest);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={t('residents.visits')} data-testid="resident-visits">
      {rights.visit && (
        <Form
          form={form}
          layout="vertical"
          onFinish={record}
          // A moment, not a date: now, wherever the device is (the server compares instants).
          initialValues={{ visitedAt: dayjs() }}
          style={{ marginBottom: 12 }}
        >
          <Form.Item
            name="visitedAt"
            label={t('residents.visitedAt')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <DatePicker
              id="visit-at"
              showTime={{ format: 'HH:mm' }}
              format="YYYY-MM-DD HH:mm"
              disabledDate={(d) => d.isAfter(dayjs(), 'day')}
              style={{ width: '100%', maxWidth: 320 }}
            />
          </Form.Item>
          <Form.Item name="note" label={t('residents.visitNote')}>
            <Input.TextArea id="visit-note" maxLength={2000} autoSize={{ minRows: 2, maxRows: 6 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="visit-save">
            {t('residents.recordVisit')}
          </Button>
        </Form>
      )}
      <List
        size="small"
        loading={visits == null}
        dataSource={visits ?? []}
        rowKey="id"
        locale={{ emptyText: t('residents.noVisits') }}
        data-testid="visit-list"
        renderItem={(v) => (
          <List.Item>
            <List.Item.Meta
              title={`${date(v.visitedAt)} · ${v.visitorName ?? '—'}`}
              description={v.note ?? ''}
            />
          </List.Item>
        )}
      />
    </Card>
  );
}
