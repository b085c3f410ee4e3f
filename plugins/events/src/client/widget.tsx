import { apiRaw } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Col, Row, Statistic } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { OPEN_STATUSES } from './kit.tsx';

const count = async (path: string, query: Record<string, string | number> = {}) => {
  const res = await apiRaw(path, { query: { ...query, _start: 0, _end: 1 } });
  return Number(res.headers.get('x-total-count') ?? 0);
};

/** Dashboard widget: the open events in the user's view and how many stages are overdue. */
export default function EventsWidget() {
  const t = useTranslate();
  const [figures, setFigures] = useState<{ open: number; overdue: number } | null>(null);
  useEffect(() => {
    void Promise.all([
      Promise.all(OPEN_STATUSES.map((status) => count('/m/events/events', { status }))).then((n) =>
        n.reduce((a, b) => a + b, 0),
      ),
      count('/m/events/overdue'),
    ]).then(
      ([open, overdue]) => setFigures({ open, overdue }),
      () => setFigures(null),
    );
  }, []);
  return (
    <Row gutter={12} data-testid="events-widget">
      <Col span={12}>
        <Link to="/m/events/tasks">
          <Statistic title={t('events.widget.open')} value={figures?.open ?? '…'} data-testid="widget-open" />
        </Link>
      </Col>
      <Col span={12}>
        <Link to="/m/events/supervision">
          <Statistic
            title={t('events.widget.overdue')}
            value={figures?.overdue ?? '…'}
            valueStyle={{ color: figures?.overdue ? '#cf1322' : undefined }}
            data-testid="widget-overdue"
          />
        </Link>
      </Col>
    </Row>
  );
}
