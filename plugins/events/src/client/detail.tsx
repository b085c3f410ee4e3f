import { api } from '@civicgrid/admin-kit';
import { useIsPhone } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  List,
  Modal,
  Radio,
  Row,
  Select,
  Space,
  Spin,
  Tag,
  Timeline,
  TreeSelect,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { SATISFACTIONS } from '../common/index.ts';
import { SupervisionTag } from './inbox.tsx';
import {
  Countdown,
  type Duplicate,
  type EventItem,
  fmt,
  OPEN_STATUSES,
  StatusTag,
  UnitPicker,
  UrgencyTag,
  useErrorText,
} from './kit.tsx';
import { EventPhotos } from './photos.tsx';

interface TimelineEntry {
  id: string;
  at: string;
  actorName: string;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  fromLevel: string | null;
  toLevel: string | null;
  note: string;
}
interface Whistle {
  id: string;
  kind: string;
  orgUnitId: string;
  part: string;
  calledAt: string;
  dueAt: string;
  reportedAt: string | null;
  reply: string | null;
  repliedAt: string | null;
  late: boolean;
}
interface Context {
  location: { id: string; name: string };
  handler: { id: string; name: string };
  category: { name: string; domain: string };
  createdByName: string | null;
  units: Record<string, string>;
  actions: string[];
  reportIn: string[];
  pendingExtension: { id: string; minutes: number; reason: string } | null;
}
interface Loaded {
  ev: EventItem;
  ctx: Context;
  timeline: TimelineEntry[];
  whistles: Whistle[];
}

/** The order the buttons stand in. */
const ACTIONS = [
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
type Action = (typeof ACTIONS)[number] | 'report-in' | 'reply';

/** Where each dialog posts and what it sends. */
function request(a: Action, ev: EventItem, ctx: Context, v: Record<string, unknown>, whistleId?: string) {
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

function ActionDialog({
  action,
  data,
  whistleId,
  onClose,
  onDone,
}: {
  action: Action;
  data: Loaded;
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

/** One event: its fields, place, status and deadlines, the timeline, the whistles and what she may do now. */
export default function EventDetailPage() {
  const { id } = useParams<{ id: string }>();
  const t = useTranslate();
  const phone = useIsPhone();
  const errorText = useErrorText();
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ action: Action; whistleId?: string } | null>(null);
  const load = useCallback(async () => {
    try {
      const base = `/m/events/events/${id}`;
      const [ev, ctx, timeline, whistles] = await Promise.all([
        api<EventItem>(base),
        api<Context>(`${base}/context`),
        api<TimelineEntry[]>(`${base}/timeline`),
        api<Whistle[]>(`${base}/whistles`),
      ]);
      setData({ ev, ctx, timeline, whistles });
    } catch (err) {
      setError(errorText(err));
    }
  }, [id, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  if (error) return <Alert type="error" showIcon message={error} data-testid="event-error" />;
  if (!data) return <Spin />;
  const { ev, ctx, timeline, whistles } = data;
  const tag = t('locale.tag');
  const open = (OPEN_STATUSES as readonly string[]).includes(ev.status);
  const due = ev.status === 'reported' || ev.status === 'escalated' ? ev.acceptDueAt : ev.resolveDueAt;
  const unit = (uid: string) => ctx.units[uid] ?? uid;
  const actions = ACTIONS.filter((a) => ctx.actions.includes(a));

  return (
    <Space direction="vertical" style={{ width: '100%' }} size={12} data-testid="event-detail">
      <Card
        title={
          <Space wrap>
            <UrgencyTag urgency={ev.urgency} />
            <span data-testid="event-detail-title">{ev.title}</span>
          </Space>
        }
        extra={!phone && <StatusTag status={ev.status} />}
        styles={{ body: { padding: phone ? 12 : undefined } }}
      >
        {actions.length > 0 && (
          <Space wrap style={{ marginBottom: 12 }} data-testid="event-actions">
            {actions.map((a) => (
              <Button
                key={a}
                type={a === actions[0] ? 'primary' : 'default'}
                danger={a === 'return'}
                data-testid={`event-action-${a}`}
                onClick={() => setDialog({ action: a })}
              >
                {t(`events.action.${a}`)}
              </Button>
            ))}
          </Space>
        )}
        <Descriptions column={phone ? 1 : 2} size="small" bordered={!phone}>
          <Descriptions.Item label={t('events.field.status')}>
            <Space wrap>
              <StatusTag status={ev.status} />
              {ev.supervision && <SupervisionTag card={ev.supervision} />}
              {ev.reopenCount > 0 && <Tag>{t('events.detail.reopened', { n: ev.reopenCount })}</Tag>}
            </Space>
          </Descriptions.Item>
          <Descriptions.Item label={t('events.field.level')}>
            {t(`events.level.${ev.level}`)} · {ctx.handler.name}
          </Descriptions.Item>
          {open && (
            <Descriptions.Item label={t('events.field.nextDue')}>
              <Space wrap>
                <Countdown due={due} />
                <Typography.Text type="secondary">{fmt(due, tag)}</Typography.Text>
              </Space>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('events.field.category')}>
            {ctx.category.domain} / {ctx.category.name}
          </Descriptions.Item>
          <Descriptions.Item label={t('events.field.channel')}>
            {t(`events.channel.${ev.channel}`)}
          </Descriptions.Item>
          <Descriptions.Item label={t('events.field.location')}>
            <span data-testid="event-location">{ctx.location.name}</span>
            {ev.lat != null && ev.lng != null && (
              <Typography.Text type="secondary">
                {' '}
                ({ev.lat.toFixed(5)}, {ev.lng.toFixed(5)})
              </Typography.Text>
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('events.field.reporter')}>
            {ev.reporterId ? t('events.detail.registeredPerson') : t('events.detail.noPerson')}
            {ctx.createdByName && (
              <Typography.Text type="secondary">
                {' '}
                · {t('events.detail.recordedBy', { name: ctx.createdByName })}
              </Typography.Text>
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('events.field.createdAt')}>{fmt(ev.createdAt, tag)}</Descriptions.Item>
          {ev.externalRef && (
            <Descriptions.Item label={t('events.field.externalRef')}>{ev.externalRef}</Descriptions.Item>
          )}
          {ev.returnReason && (
            <Descriptions.Item label={t('events.field.returnReason')}>{ev.returnReason}</Descriptions.Item>
          )}
          {ev.mergedInto && (
            <Descriptions.Item label={t('events.field.mergedInto')}>
              <Link to={`/m/events/events/${ev.mergedInto}`}>{t('events.detail.openSurvivor')}</Link>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('events.field.description')} span={phone ? 1 : 2}>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>
              {ev.description || '—'}
            </Typography.Paragraph>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <EventPhotos eventId={ev.id} canAdd={ctx.actions.length > 0 || ctx.reportIn.length > 0} />
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={12}>
          <Card title={t('events.detail.whistles')} size="small" data-testid="event-whistles">
            {whistles.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('events.detail.noWhistles')} />
            ) : (
              <List
                dataSource={whistles}
                renderItem={(w) => {
                  const mine = ctx.reportIn.includes(w.id);
                  return (
                    <List.Item data-testid="whistle" data-id={w.id} style={{ display: 'block' }}>
                      <Space wrap>
                        <Typography.Text strong>{unit(w.orgUnitId)}</Typography.Text>
                        <Tag>{t(`events.whistleKind.${w.kind}`)}</Tag>
                        {w.reportedAt ? (
                          <Tag color={w.late ? 'red' : 'green'} data-testid="whistle-reported">
                            {t(w.late ? 'events.detail.reportedLate' : 'events.detail.reportedOnTime')}
                          </Tag>
                        ) : (
                          <Countdown due={w.dueAt} />
                        )}
                      </Space>
                      {w.part && <div>{t('events.detail.part', { part: w.part })}</div>}
                      <Typography.Text type="secondary" style={{ display: 'block' }}>
                        {t('events.detail.calledAt', { at: fmt(w.calledAt, tag) })}
                        {w.reportedAt &&
                          ` · ${t('events.detail.reportedAt', { at: fmt(w.reportedAt, tag) })}`}
                      </Typography.Text>
                      {w.reply && (
                        <div data-testid="whistle-reply">
                          {t('events.detail.reply')}: {w.reply} ({fmt(w.repliedAt, tag)})
                        </div>
                      )}
                      {mine && !w.reportedAt && (
                        <Button
                          type="primary"
                          size="small"
                          data-testid="whistle-report-in"
                          onClick={() => setDialog({ action: 'report-in', whistleId: w.id })}
                        >
                          {t('events.action.report-in')}
                        </Button>
                      )}
                      {mine && w.reportedAt && !w.repliedAt && (
                        <Button
                          size="small"
                          data-testid="whistle-reply-button"
                          onClick={() => setDialog({ action: 'reply', whistleId: w.id })}
                        >
                          {t('events.action.reply')}
                        </Button>
                      )}
                    </List.Item>
                  );
                }}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('events.detail.timeline')} size="small" data-testid="event-timeline">
            <Timeline
              items={timeline.map((e) => ({
                color: e.action === 'overdue' ? 'red' : e.action === 'escalate' ? 'orange' : 'blue',
                children: (
                  <div data-testid="timeline-entry" data-action={e.action}>
                    <Typography.Text strong>
                      {t(`events.timeline.${e.action}`, undefined, e.action)}
                    </Typography.Text>{' '}
                    <Typography.Text type="secondary">
                      {e.actorName} · {fmt(e.at, tag)}
                    </Typography.Text>
                    {(e.fromStatus || e.toStatus) && e.fromStatus !== e.toStatus && (
                      <div>
                        {e.fromStatus ? t(`events.status.${e.fromStatus}`) : '—'} →{' '}
                        {e.toStatus ? t(`events.status.${e.toStatus}`) : '—'}
                      </div>
                    )}
                    {e.toLevel && e.fromLevel !== e.toLevel && (
                      <div>
                        {e.fromLevel ? t(`events.level.${e.fromLevel}`) : '—'} →{' '}
                        {t(`events.level.${e.toLevel}`)}
                      </div>
                    )}
                    {e.note && <div style={{ whiteSpace: 'pre-wrap' }}>{e.note}</div>}
                  </div>
                ),
              }))}
            />
          </Card>
        </Col>
      </Row>
      {dialog && (
        <ActionDialog
          action={dialog.action}
          whistleId={dialog.whistleId}
          data={data}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            void load();
          }}
        />
      )}
    </Space>
  );
}
