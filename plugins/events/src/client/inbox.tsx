import { apiRaw, may } from '@civicgrid/admin-kit';
import { ResponsiveList, useIsPhone, useMe } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Alert, Button, Card, Segmented, Space, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { PERMISSIONS } from '../common/index.ts';
import { Countdown, type EventItem, StatusTag, UrgencyTag, useErrorText } from './kit.tsx';

type Mode = 'mine' | 'all';
const PAGE = 20;

/**
 * "My tasks": the open events standing on a unit where the caller handles them, most urgent first and
 * then by the next deadline, each with its live countdown. Department staff (`calledIn`) see the
 * events whistled to their department instead.
 */
export function Inbox({ calledIn = false }: { calledIn?: boolean }) {
  const t = useTranslate();
  const me = useMe();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const [mode, setMode] = useState<Mode>(calledIn ? 'all' : 'mine');
  const [rows, setRows] = useState<EventItem[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const load = useCallback(async () => {
    try {
      const res = await apiRaw('/m/events/events', {
        query: {
          mine: mode === 'mine' ? true : undefined,
          _sort: mode === 'all' ? 'createdAt' : 'urgency',
          _order: mode === 'all' ? 'desc' : 'asc',
          _start: (page - 1) * PAGE,
          _end: page * PAGE,
        },
      });
      const list = (await res.json()) as EventItem[];
      setRows(list);
      setTotal(Number(res.headers.get('x-total-count') ?? list.length));
      setError(null);
    } catch (err) {
      setError(errorText(err));
      setRows([]);
    }
  }, [mode, page, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const open = (e: EventItem) => navigate(`/m/events/events/${e.id}`);
  const title = calledIn ? t('events.calledIn.title') : t('events.inbox.title');
  return (
    <Card
      title={title}
      data-testid={calledIn ? 'events-called-in' : 'events-inbox'}
      extra={
        !calledIn &&
        may(me, PERMISSIONS.create) && (
          <Button type="primary" onClick={() => navigate('/m/events/new')} data-testid="events-report">
            {t('events.intake.title')}
          </Button>
        )
      }
      styles={{ body: { padding: phone ? 8 : undefined } }}
    >
      {!calledIn && (
        <Segmented<Mode>
          style={{ marginBottom: 12 }}
          value={mode}
          onChange={(m) => {
            setMode(m);
            setPage(1);
          }}
          options={[
            { value: 'mine', label: t('events.inbox.mine') },
            { value: 'all', label: t('events.inbox.all') },
          ]}
        />
      )}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <ResponsiveList<EventItem>
        rows={rows}
        loading={rows == null}
        paging={{ current: page, pageSize: PAGE, total, onChange: setPage }}
        empty={t('events.inbox.none')}
        cardTestId="event-card"
        rowTestId="event-row"
        onOpen={open}
        card={(e) => ({
          body: (
            <>
              <Space size={4} wrap style={{ marginBottom: 4 }}>
                <UrgencyTag urgency={e.urgency} />
                <StatusTag status={e.status} />
                {e.supervision && <SupervisionTag card={e.supervision} />}
              </Space>
              <Typography.Text strong style={{ display: 'block' }} data-testid="event-title">
                {e.title}
              </Typography.Text>
              <Space style={{ justifyContent: 'space-between', width: '100%' }}>
                <Typography.Text type="secondary">{t(`events.level.${e.level}`)}</Typography.Text>
                <Countdown due={e.nextDueAt} />
              </Space>
            </>
          ),
        })}
        columns={[
          {
            title: t('events.field.urgency'),
            dataIndex: 'urgency',
            render: (u: string) => <UrgencyTag urgency={u} />,
          },
          {
            title: t('events.field.title'),
            dataIndex: 'title',
            render: (v: string, e) => (
              <Link to={`/m/events/events/${e.id}`} data-testid="event-title">
                {v}
              </Link>
            ),
          },
          {
            title: t('events.field.status'),
            dataIndex: 'status',
            render: (s: string) => <StatusTag status={s} />,
          },
          {
            title: t('events.field.level'),
            dataIndex: 'level',
            render: (l: string) => t(`events.level.${l}`),
          },
          {
            title: t('events.field.supervision'),
            dataIndex: 'supervision',
            render: (c: 'yellow' | 'red' | null) => (c ? <SupervisionTag card={c} /> : null),
          },
          {
            title: t('events.field.nextDue'),
            dataIndex: 'nextDueAt',
            render: (d: string | null) => <Countdown due={d} />,
          },
        ]}
      />
    </Card>
  );
}

export function SupervisionTag({ card }: { card: 'yellow' | 'red' }) {
  const t = useTranslate();
  return (
    <span
      data-testid="supervision-tag"
      style={{
        display: 'inline-block',
        padding: '0 6px',
        borderRadius: 3,
        fontSize: 12,
        background: card === 'red' ? '#cf1322' : '#fadb14',
        color: card === 'red' ? '#fff' : '#000',
      }}
    >
      {t(`events.card.${card}`)}
    </span>
  );
}

export default function InboxPage() {
  return <Inbox />;
}
