import { api, apiRaw, tenantToday } from '@civicgrid/admin-kit';
import { useIsPhone } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Alert, Card, Col, DatePicker, Descriptions, Form, Row, Spin, Statistic, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { SupervisionTag } from './inbox.tsx';
import { UnitPicker, UrgencyTag, useErrorText } from './kit.tsx';

// The chart library is its own chunk, fetched after the figures are on screen.
const BarsChart = lazy(() => import('./rates-chart.tsx'));

export interface UnitMetrics {
  orgUnitId: string;
  name: string;
  kind: string;
  reported: number;
  respondedOnTime: number;
  resolvedOnTime: number;
  followedUp: number;
  satisfied: number;
  responseRate: number | null;
  onTimeResolutionRate: number | null;
  satisfactionRate: number | null;
  avgAcceptMinutes: number | null;
  avgResolveMinutes: number | null;
  avgVerifyMinutes: number | null;
  escalations: number;
  cards: number;
}
interface DeptMetrics {
  orgUnitId: string;
  name: string;
  whistles: number;
  reportedOnTime: number;
  late: number;
  replied: number;
}
export interface Overdue {
  eventId: string;
  title: string;
  urgency: string;
  level: string;
  handlerUnitId: string;
  stage: string;
  whistleUnitId: string | null;
  dueAt: string;
  overdueMinutes: number;
  supervision: 'yellow' | 'red' | null;
}

const pct = (r: number | null) => (r == null ? '—' : `${Math.round(r * 1000) / 10}%`);
const RATES = ['responseRate', 'onTimeResolutionRate', 'satisfactionRate'] as const;
const COLORS = ['#1677ff', '#52c41a', '#faad14'];

/**
 * 三率: response, on-time resolution and satisfaction for a unit and period, the units directly under
 * it side by side (ECharts), average stage times, escalations and cards, whistles per department, and
 * the overdue list.
 */
export default function RatesPage() {
  const t = useTranslate();
  const phone = useIsPhone();
  const errorText = useErrorText();
  const [unit, setUnit] = useState<string>();
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => {
    const today = dayjs(tenantToday());
    return [today.startOf('month'), today.endOf('month')];
  });
  const [data, setData] = useState<{ units: UnitMetrics[]; departments: DeptMetrics[] } | null>(null);
  const [overdue, setOverdue] = useState<{ rows: Overdue[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onRoots = useCallback((roots: Array<{ id: string }>) => {
    setUnit((u) => u ?? roots[0]?.id);
  }, []);
  useEffect(() => {
    if (!unit) return;
    setData(null);
    void api<{ units: UnitMetrics[]; departments: DeptMetrics[] }>('/m/events/metrics', {
      query: {
        orgUnitId: unit,
        from: range[0].startOf('day').toISOString(),
        to: range[1].add(1, 'day').startOf('day').toISOString(),
      },
    }).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (err) => setError(errorText(err)),
    );
  }, [unit, range, errorText]);
  useEffect(() => {
    void apiRaw('/m/events/overdue', { query: { _start: 0, _end: 20, _sort: 'dueAt', _order: 'asc' } }).then(
      async (res) =>
        setOverdue({ rows: await res.json(), total: Number(res.headers.get('x-total-count') ?? 0) }),
      () => setOverdue({ rows: [], total: 0 }),
    );
  }, []);

  const top = data?.units[0];
  const below = useMemo(() => data?.units.slice(1) ?? [], [data]);
  const rateSeries = useMemo(
    () =>
      RATES.map((r, i) => ({
        name: t(`events.rates.${r}`),
        values: below.map((u) => u[r]),
        color: COLORS[i]!,
      })),
    [below, t],
  );
  const deptSeries = useMemo(
    () => [
      {
        name: t('events.rates.whistles'),
        values: (data?.departments ?? []).map((d) => d.whistles),
        color: '#1677ff',
      },
      {
        name: t('events.rates.late'),
        values: (data?.departments ?? []).map((d) => d.late),
        color: '#cf1322',
      },
    ],
    [data, t],
  );
  const minutes = (m: number | null) => (m == null ? '—' : t('events.rates.minutes', { m }));

  return (
    <div data-testid="events-rates">
      <Card size="small" style={{ marginBottom: 12 }}>
        <Form layout={phone ? 'vertical' : 'inline'}>
          <Form.Item label={t('events.rates.unit')} style={{ minWidth: 260 }}>
            <UnitPicker id="rates-unit" value={unit} onChange={setUnit} onRoots={onRoots} />
          </Form.Item>
          <Form.Item label={t('events.rates.period')}>
            <DatePicker.RangePicker
              id="rates-period"
              value={range}
              allowClear={false}
              onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])}
            />
          </Form.Item>
        </Form>
      </Card>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {!data && !error && <Spin />}
      {top && (
        <>
          <Row gutter={[12, 12]} data-testid="rates-figures" data-unit={top.orgUnitId}>
            {RATES.map((r) => (
              <Col xs={24} sm={8} key={r}>
                <Card size="small">
                  <Statistic
                    title={t(`events.rates.${r}`)}
                    value={pct(top[r])}
                    valueStyle={{ fontSize: 26 }}
                    data-testid={`rate-${r}`}
                  />
                </Card>
              </Col>
            ))}
          </Row>
          <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
            <Col xs={24} lg={16}>
              <Card size="small" title={t('events.rates.byUnit', { unit: top.name })}>
                <Suspense fallback={<Spin />}>
                  {below.length > 0 ? (
                    <BarsChart
                      testId="rates-chart"
                      categories={below.map((u) => u.name)}
                      series={rateSeries}
                      percent
                    />
                  ) : (
                    <BarsChart
                      testId="rates-chart"
                      categories={[top.name]}
                      series={RATES.map((r, i) => ({
                        name: t(`events.rates.${r}`),
                        values: [top[r]],
                        color: COLORS[i]!,
                      }))}
                      percent
                    />
                  )}
                </Suspense>
              </Card>
            </Col>
            <Col xs={24} lg={8}>
              <Card size="small" title={t('events.rates.figures')}>
                <Descriptions column={1} size="small">
                  <Descriptions.Item label={t('events.rates.reported')}>{top.reported}</Descriptions.Item>
                  <Descriptions.Item label={t('events.rates.avgAccept')}>
                    {minutes(top.avgAcceptMinutes)}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('events.rates.avgResolve')}>
                    {minutes(top.avgResolveMinutes)}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('events.rates.avgVerify')}>
                    {minutes(top.avgVerifyMinutes)}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('events.rates.escalations')}>
                    <span data-testid="rates-escalations">{top.escalations}</span>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('events.rates.cards')}>{top.cards}</Descriptions.Item>
                </Descriptions>
              </Card>
            </Col>
          </Row>
          <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
            <Col xs={24} lg={12}>
              <Card size="small" title={t('events.rates.departments')}>
                {data.departments.length > 0 ? (
                  <Suspense fallback={<Spin />}>
                    <BarsChart
                      testId="departments-chart"
                      categories={data.departments.map((d) => d.name)}
                      series={deptSeries}
                    />
                  </Suspense>
                ) : (
                  t('events.rates.noWhistles')
                )}
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card size="small" title={t('events.rates.overdue', { n: overdue?.total ?? 0 })}>
                <Table<Overdue>
                  size="small"
                  rowKey={(r) => `${r.eventId}:${r.stage}:${r.whistleUnitId ?? ''}`}
                  dataSource={overdue?.rows ?? []}
                  loading={!overdue}
                  pagination={false}
                  scroll={{ x: true }}
                  locale={{ emptyText: t('events.rates.noOverdue') }}
                  columns={[
                    {
                      title: t('events.field.urgency'),
                      dataIndex: 'urgency',
                      render: (u: string) => <UrgencyTag urgency={u} />,
                    },
                    {
                      title: t('events.field.title'),
                      dataIndex: 'title',
                      render: (v: string, r) => <Link to={`/m/events/events/${r.eventId}`}>{v}</Link>,
                    },
                    {
                      title: t('events.field.stage'),
                      dataIndex: 'stage',
                      render: (s: string) => <Tag>{t(`events.stage.${s}`)}</Tag>,
                    },
                    {
                      title: t('events.field.overdueBy'),
                      dataIndex: 'overdueMinutes',
                      render: (m: number) => <span style={{ color: '#cf1322' }}>{minutes(m)}</span>,
                    },
                    {
                      title: t('events.field.supervision'),
                      dataIndex: 'supervision',
                      render: (c: 'yellow' | 'red' | null) => (c ? <SupervisionTag card={c} /> : null),
                    },
                  ]}
                />
              </Card>
            </Col>
          </Row>
        </>
      )}
    </div>
  );
}
