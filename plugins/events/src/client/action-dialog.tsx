/**
 * The dialogs behind an event's action buttons: what each asks for and where it posts. The detail
 * page decides which buttons she sees (the server's `actions`) and opens one at a time.
 */
import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Alert, App, Form, Input, InputNumber, Modal, Radio, Select, TreeSelect, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { type EventContext, SATISFACTIONS } from '../common/index.ts';
import { type Duplicate, type EventItem, fmt, UnitPicker, useErrorText } from './kit.tsx';

/** The order the buttons stand in. */
export const ACTIONS = [
  'accept',
  'handle',
  'resolve',
  'whistle',
  'escalate',
  'return',
  'follow-up',
  'close',
  'extend',
  'decide',
  'merge',
] as const;
export type Action = (typeof ACTIONS)[number] | 'report-in' | 'reply';

/** Where each dialog posts and what it sends. */
function request(
  a: Action,
  ev: EventItem,
  ctx: EventContext,
  v: Record<string, unknown>,
  whistleId?: string,
) {
  const base = `/m/events/events/${ev.id}`;
  switch (a) {
    case 'follow-up':
      return { path: `${base}/follow-ups`, body: v };
    case 'extend':
      return { path: `${base}/extensions`, body: v };
    case 'decide':
      return { path: `${base}/extensions/${ctx.pendingExtension?.id}/decision`, body: v };
    case 'whistle':
      return {
        path: `${base}/whistles`,
        body: {
          units: [...((v.units as string[]) ?? []), ...((v.others as string[]) ?? [])].map((orgUnitId) => ({
            orgUnitId,
            ...(v.part ? { part: v.part } : {}),
          })),
          ...(v.note ? { note: v.note } : {}),
        },
      };
    case 'report-in':
      return { path: `/m/events/whistles/${whistleId}/report-in`, body: {} };
    case 'reply':
      return { path: `/m/events/whistles/${whistleId}/reply`, body: v };
    default:
      return { path: `${base}/${a}`, body: v };
  }
}

/** The department units a whistle may call in, under their district or street: a small tree. */
function DepartmentPicker(props: { value?: string[]; onChange?: (v: string[]) => void; id?: string }) {
  const [depts, setDepts] = useState<Array<{ id: string; name: string; parentName: string }>>([]);
  useEffect(() => {
    void api<typeof depts>('/m/events/departments').then(setDepts, () => setDepts([]));
  }, []);
  const parents = [...new Set(depts.map((d) => d.parentName))];
  return (
    <TreeSelect
      id={props.id}
      data-testid="department-picker"
      treeCheckable
      showSearch
      treeNodeFilterProp="title"
      treeDefaultExpandAll
      value={props.value}
      onChange={props.onChange}
      style={{ width: '100%' }}
      treeData={parents.map((p) => ({
        value: `parent:${p}`,
        title: p,
        checkable: false,
        selectable: false,
        children: depts.filter((d) => d.parentName === p).map((d) => ({ value: d.id, title: d.name })),
      }))}
    />
  );
}

export function ActionDialog({
  action,
  data,
  whistleId,
  onClose,
  onDone,
}: {
  action: Action;
  data: { ev: EventItem; ctx: EventContext };
  whistleId?: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [dups, setDups] = useState<Duplicate[]>([]);
  useEffect(() => {
    if (action === 'merge')
      void api<Duplicate[]>(`/m/events/events/${data.ev.id}/duplicates`).then(setDups, () => setDups([]));
  }, [action, data.ev.id]);
  const id = (f: string) => `event-${action}-${f}`;
  const text = (name: string, required: boolean, rows = 3) => (
    <Form.Item
      name={name}
      label={t(`events.dialog.${name}`)}
      rules={required ? [{ required: true, whitespace: true, message: t('events.dialog.required') }] : []}
    >
      <Input.TextArea id={id(name)} rows={rows} maxLength={2000} />
    </Form.Item>
  );
  const fields = () => {
    switch (action) {
      case 'accept':
      case 'resolve':
      case 'close':
        return text('note', false);
      case 'handle':
        return text('note', true);
      case 'return':
      case 'escalate':
        return text('reason', true);
      case 'follow-up':
        return (
          <>
            <Form.Item
              name="satisfaction"
              label={t('events.dialog.satisfaction')}
              rules={[{ required: true }]}
            >
              <Radio.Group id={id('satisfaction')}>
                {SATISFACTIONS.map((s) => (
                  <Radio key={s} value={s} data-testid={`satisfaction-${s}`}>
                    {t(`events.satisfaction.${s}`)}
                  </Radio>
                ))}
              </Radio.Group>
            </Form.Item>
            {text('comment', false)}
          </>
        );
      case 'extend':
        return (
          <>
            <Form.Item name="minutes" label={t('events.dialog.minutes')} rules={[{ required: true }]}>
              <InputNumber id={id('minutes')} min={1} max={43200} style={{ width: '100%' }} />
            </Form.Item>
            {text('reason', true)}
          </>
        );
      case 'decide':
        return (
          <>
            {data.ctx.pendingExtension && (
              <Alert
                style={{ marginBottom: 12 }}
                message={t('events.dialog.pending', {
                  minutes: data.ctx.pendingExtension.minutes,
                  reason: data.ctx.pendingExtension.reason,
                })}
              />
            )}
            <Form.Item name="decision" label={t('events.dialog.decision')} rules={[{ required: true }]}>
              <Radio.Group id={id('decision')}>
                <Radio value="approved">{t('events.dialog.approve')}</Radio>
                <Radio value="denied">{t('events.dialog.deny')}</Radio>
              </Radio.Group>
            </Form.Item>
            {text('note', false)}
          </>
        );
      case 'merge':
        return (
          <>
            <Form.Item name="into" label={t('events.dialog.into')} rules={[{ required: true }]}>
              <Select
                id={id('into')}
                placeholder={dups.length ? undefined : t('events.dialog.noDuplicates')}
                options={dups.map((d) => ({
                  value: d.id,
                  label: `${d.title} · ${fmt(d.createdAt, t('locale.tag'))}`,
                }))}
              />
            </Form.Item>
            {text('note', false)}
          </>
        );
      case 'whistle': {
        // The street whistles to departments; the joint meeting may also convene units of its own tree.
        const convene = data.ev.level === 'joint-meeting';
        const oneOf = {
          validator: () =>
            (form.getFieldValue('units')?.length ?? 0) + (form.getFieldValue('others')?.length ?? 0) > 0
              ? Promise.resolve()
              : Promise.reject(new Error(t('events.dialog.pickUnits'))),
        };
        return (
          <>
            <Form.Item
              name="units"
              label={t('events.dialog.units')}
              rules={[oneOf]}
              dependencies={['others']}
            >
              <DepartmentPicker id={id('units')} />
            </Form.Item>
            {convene && (
              <Form.Item name="others" label={t('events.dialog.others')}>
                <UnitPicker id={id('others')} multiple />
              </Form.Item>
            )}
            {text('part', false, 2)}
            {text('note', false)}
          </>
        );
      }
      case 'reply':
        return text('reply', true);
      default:
        return <Typography.Text>{t('events.dialog.confirm')}</Typography.Text>;
    }
  };
  return (
    <Modal
      open
      title={t(`events.action.${action}`)}
      onCancel={onClose}
      onOk={() => form.submit()}
      okButtonProps={{ loading: busy, 'data-testid': 'dialog-ok' } as never}
      okText={t('events.dialog.ok')}
      cancelText={t('events.dialog.cancel')}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        data-testid={`dialog-${action}`}
        onFinish={async (v: Record<string, unknown>) => {
          const clean = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== ''));
          const { path, body } = request(action, data.ev, data.ctx, clean, whistleId);
          setBusy(true);
          try {
            await api(path, { method: 'POST', body });
            void message.success(t('events.dialog.done'));
            onDone();
          } catch (err) {
            void message.error({ content: errorText(err), className: 'event-action-error' });
          } finally {
            setBusy(false);
          }
        }}
      >
        {fields()}
      </Form>
    </Modal>
  );
}
