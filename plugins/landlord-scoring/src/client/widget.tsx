import { apiRaw } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Col, Row, Statistic } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { BASE } from './kit.tsx';

const count = async (path: string, query: Record<string, string | number> = {}) => {
  const res = await apiRaw(path, { query: { ...query, _start: 0, _end: 1 } });
  return Number(res.headers.get('x-total-count') ?? 0);
};

/** Dashboard widget: the files in the user's view and the appeals waiting for a review. */
export default function ScoringWidget() {
  const t = useTranslate();
  const [figures, setFigures] = useState<{ subjects: number; pending: number } | null>(null);
  useEffect(() => {
    void Promise.all([count(`${BASE}/subjects`), count(`${BASE}/appeals`, { state: 'pending' })]).then(
      ([subjects, pending]) => setFigures({ subjects, pending }),
      () => setFigures(null),
    );
  }, []);
  return (
    <Row gutter={12} data-testid="ls-widget">
      <Col span={12}>
        <Link to={`${BASE}/subjects`}>
          <Statistic title={t('landlord-scoring.widget.subjects')} value={figures?.subjects ?? '…'} />
        </Link>
      </Col>
      <Col span={12}>
        <Link to={`${BASE}/appeals`}>
          <Statistic
            title={t('landlord-scoring.widget.pending')}
            value={figures?.pending ?? '…'}
            valueStyle={{ color: figures?.pending ? '#d46b08' : undefined }}
            data-testid="ls-widget-pending"
          />
        </Link>
      </Col>
    </Row>
  );
}
