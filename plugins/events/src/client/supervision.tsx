import { apiRaw } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Alert, Badge, Card, Col, Empty, Row, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { fmt, StatusTag, UrgencyTag, useErrorText } from './kit.tsx';
import type { Overdue } from './rates.tsx';

interface SupervisionCard {
  id: string;
  eventId: string;
  title: string;
  urgency: string;
  status: string;
  level: string;
  stage: string;
  card: 'yellow' | 'red';
  orgUnitId: string;
  unitName: string;
  unitKind: string;
  whistle: boolean;
  issuedAt: string;
}

const COLOURS = { red: '#cf1322', yellow: '#d4b106', overdue: '#8c8c8c' } as const;
/** The levels held to account, top of the board first. */
const KINDS = ['department', 'street', 'community', 'grid'];

function Head({ colour, title, n }: { colour: string; title: string; n: number }) {
  return (
    <Space>
      <span style={{ display: 'inline-block', width: 12, height: 16, borderRadius: 2, background: colour }} />
      {title}
      <Badge count={n} showZero color={colour} />
    </Space>
  );
}

/**
 * 督办: the red and yellow cards on the open events in the caller's view, grouped by the level of the
 * unit held to account (department, street, community, grid), and beside them the stages overdue right
 * now that no card has answered yet.
 */
export default function SupervisionPage() {
  const t = useTranslate();
  const errorText = useErrorText();
  const tag = t('locale.tag');
  const [cards, setCards] = useState<SupervisionCard[] | null>(null);
  const [overdue, setOverdue] = useState<Overdue[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void apiRaw('/m/events/supervision', {
      query: { open: true, _start: 0, _end: 500, _sort: 'issuedAt', _order: 'desc' },
    }).then(
      async (res) => setCards(await res.json()),
      (err) => {
        setError(errorText(err));
        setCards([]);
      },
    );
    void apiRaw('/m/events/overdue', { query: { _start: 0, _end: 200, _sort: 'dueAt', _order: 'asc' } }).then(
      async (res) => setOverdue(await res.json()),
      () => setOverdue([]),
    );
  }, [errorText]);
  if (!cards) return <Spin />;
  const kinds = [...KINDS, ...new Set(cards.map((c) => c.unitKind).filter((k) => !KINDS.includes(k)))];
  return (
    <div data-testid="events-supervision">
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Row gutter={[12, 12]}>
        {(['red', 'yellow'] as const).map((colour) => {
          const mine = cards.filter((c) => c.card === colour);
          return (
            <Col xs={24} lg={8} key={colour}>
              <Card
                size="small"
                data-testid={`supervision-${colour}`}
                title={
                  <Head colour={COLOURS[colour]} title={t(`events.supervision.${colour}`)} n={mine.length} />
                }
              >
                {mine.length === 0 && (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('events.supervision.none_')} />
                )}
                {kinds.map((kind) => {
                  const at = mine.filter((c) => c.unitKind === kind);
                  if (at.length === 0) return null;
                  return (
                    <div
                      key={kind}
                      data-testid={`supervision-${colour}-${kind}`}
                      style={{ marginBottom: 12 }}
                    >
                      <Typography.Text type="secondary">
                        {t(`events.heldLevel.${kind}`, undefined, kind)} ({at.length})
                      </Typography.Text>
                      {at.map((c) => (
                        <Card
                          key={c.id}
                          size="small"
                          style={{ marginTop: 6, borderLeft: `4px solid ${COLOURS[colour]}` }}
                          data-testid="supervision-card"
                          data-event={c.eventId}
                        >
                          <Space wrap size={4}>
                            <UrgencyTag urgency={c.urgency} />
                            <Link to={`/m/events/events/${c.eventId}`}>{c.title}</Link>
                          </Space>
                          <div>
                            <Typography.Text strong>{c.unitName}</Typography.Text>{' '}
                            <Tag>{t(`events.stage.${c.stage}`)}</Tag>
                            <StatusTag status={c.status} />
                          </div>
                          <Typography.Text type="secondary">
                            {t('events.supervision.issuedAt', { at: fmt(c.issuedAt, tag) })}
                          </Typography.Text>
                        </Card>
                      ))}
                    </div>
                  );
                })}
              </Card>
            </Col>
          );
        })}
        <Col xs={24} lg={8}>
          <Card
            size="small"
            data-testid="supervision-overdue"
            title={
              <Head colour={COLOURS.overdue} title={t('events.supervision.overdueNow')} n={overdue.length} />
            }
          >
            {overdue.length === 0 && (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('events.supervision.none_')} />
            )}
            {overdue.map((r) => (
              <Card
                key={`${r.eventId}:${r.stage}:${r.whistleUnitId ?? ''}`}
                size="small"
                style={{ marginTop: 6 }}
                data-testid="overdue-card"
              >
                <Space wrap size={4}>
                  <UrgencyTag urgency={r.urgency} />
                  <Link to={`/m/events/events/${r.eventId}`}>{r.title}</Link>
                </Space>
                <div>
                  <Tag>{t(`events.stage.${r.stage}`)}</Tag>
                  <Typography.Text type="danger">
                    {t('events.time.overdue', { t: t('events.rates.minutes', { m: r.overdueMinutes }) })}
                  </Typography.Text>
                </div>
              </Card>
            ))}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
