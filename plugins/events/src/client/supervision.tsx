import { apiRaw } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Alert, Badge, Card, Col, Empty, Row, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { LEVELS } from '../common/index.ts';
import { UrgencyTag, useErrorText } from './kit.tsx';
import type { Overdue } from './rates.tsx';

const GROUPS = ['red', 'yellow', 'none'] as const;
const HEAD: Record<(typeof GROUPS)[number], string> = { red: '#cf1322', yellow: '#d4b106', none: '#8c8c8c' };

/**
 * 督办: the stages past their limit in the caller's view, by card — red, yellow, not carded yet — and
 * within each by the rung of the ladder the event stands on, most overdue first.
 */
export default function SupervisionPage() {
  const t = useTranslate();
  const errorText = useErrorText();
  const [rows, setRows] = useState<Overdue[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void apiRaw('/m/events/overdue', { query: { _start: 0, _end: 500, _sort: 'dueAt', _order: 'asc' } }).then(
      async (res) => setRows(await res.json()),
      (err) => {
        setError(errorText(err));
        setRows([]);
      },
    );
  }, [errorText]);
  if (!rows) return <Spin />;
  const minutes = (m: number) => t('events.rates.minutes', { m });
  return (
    <div data-testid="events-supervision">
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Row gutter={[12, 12]}>
        {GROUPS.map((g) => {
          const mine = rows.filter((r) => (r.supervision ?? 'none') === g);
          return (
            <Col xs={24} lg={8} key={g}>
              <Card
                data-testid={`supervision-${g}`}
                title={
                  <Space>
                    <span
                      style={{
                        display: 'inline-block',
                        width: 12,
                        height: 16,
                        borderRadius: 2,
                        background: HEAD[g],
                      }}
                    />
                    {t(`events.supervision.${g}`)}
                    <Badge count={mine.length} showZero color={HEAD[g]} />
                  </Space>
                }
                size="small"
              >
                {mine.length === 0 && (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('events.supervision.none_')} />
                )}
                {LEVELS.map((level) => {
                  const at = mine.filter((r) => r.level === level);
                  if (at.length === 0) return null;
                  return (
                    <div key={level} data-testid={`supervision-${g}-${level}`} style={{ marginBottom: 12 }}>
                      <Typography.Text type="secondary">
                        {t(`events.level.${level}`)} ({at.length})
                      </Typography.Text>
                      {at.map((r) => (
                        <Card
                          key={`${r.eventId}:${r.stage}:${r.whistleUnitId ?? ''}`}
                          size="small"
                          style={{ marginTop: 6, borderLeft: `4px solid ${HEAD[g]}` }}
                          data-testid="supervision-card"
                        >
                          <Space wrap size={4}>
                            <UrgencyTag urgency={r.urgency} />
                            <Link to={`/m/events/events/${r.eventId}`}>{r.title}</Link>
                          </Space>
                          <div>
                            <Tag>{t(`events.stage.${r.stage}`)}</Tag>
                            <Typography.Text type="danger">
                              {t('events.time.overdue', { t: minutes(r.overdueMinutes) })}
                            </Typography.Text>
                          </div>
                        </Card>
                      ))}
                    </div>
                  );
                })}
              </Card>
            </Col>
          );
        })}
      </Row>
    </div>
  );
}
