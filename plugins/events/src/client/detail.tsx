import { api } from '@civicgrid/admin-kit';
import { useIsPhone } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  List,
  Row,
  Space,
  Spin,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { EventContext } from '../common/index.ts';
import { ACTIONS, type Action, ActionDialog } from './action-dialog.tsx';
import { SupervisionTag } from './inbox.tsx';
import {
  Countdown,
  type EventItem,
  fmt,
  OPEN_STATUSES,
  StatusTag,
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
interface Loaded {
  ev: EventItem;
  ctx: EventContext;
  timeline: TimelineEntry[];
  whistles: Whistle[];
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
        api<EventContext>(`${base}/context`),
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
