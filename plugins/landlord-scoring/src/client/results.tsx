import { apiRaw, tenantToday } from '@civicgrid/admin-kit';
import { ResponsiveList } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Alert, Card, DatePicker, Segmented, Space, Spin, Table, Tabs, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { BASE, ExportButton, FlagTag, ScoreTag, useErrorText, useIsPhone } from './kit.tsx';

interface Assessment {
  period: string;
  subjectId: string;
  name: string;
  kind: string;
  orgUnitId: string;
  deductions: number;
  bonuses: number;
  score: number;
  flag: string | null;
  improvementClass: boolean;
  referral: boolean;
}
interface Report {
  period: string;
  orgUnitId: string;
  name: string;
  level: string;
  landlords: number;
  yellowLandlords: number;
  improvementClass: number;
  referrals: number;
  shops: number;
  yellowShops: number;
  redShops: number;
  tenantsVerified: number;
  tenantsSelfDeclared: number;
  selfDeclarationRate: number | null;
}
type FlagFilter = 'all' | 'yellow' | 'red' | 'class';
const PAGE = 50;
const COUNTS = [
  'landlords',
  'yellowLandlords',
  'improvementClass',
  'referrals',
  'shops',
  'yellowShops',
  'redShops',
] as const;

/** A month's assessment rows, filtered into the flag lists (yellow, red, improvement class). */
function Assessments({ period }: { period: string }) {
  const t = useTranslate();
  const errorText = useErrorText();
  const [flag, setFlag] = useState<FlagFilter>('all');
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<Assessment[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const res = await apiRaw(`${BASE}/assessments`, {
        query: {
          period,
          flag: flag === 'yellow' || flag === 'red' ? flag : undefined,
          improvementClass: flag === 'class' ? true : undefined,
          _sort: 'score',
          _order: 'asc',
          _start: (page - 1) * PAGE,
          _end: page * PAGE,
        },
      });
      const list = (await res.json()) as Assessment[];
      setRows(list);
      setTotal(Number(res.headers.get('x-total-count') ?? list.length));
      setError(null);
    } catch (err) {
      setError(errorText(err));
      setRows([]);
    }
  }, [period, flag, page, errorText]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <>
      <Segmented<FlagFilter>
        style={{ marginBottom: 12 }}
        value={flag}
        onChange={(f) => {
          setFlag(f);
          setPage(1);
        }}
        options={[
          { value: 'all', label: t('landlord-scoring.all') },
          { value: 'yellow', label: t('landlord-scoring.flag.yellow') },
          { value: 'red', label: t('landlord-scoring.flag.red') },
          { value: 'class', label: t('landlord-scoring.field.improvementClass') },
        ]}
      />
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <ResponsiveList<Assessment>
        rows={rows}
        loading={rows == null}
        paging={{ current: page, pageSize: PAGE, total, onChange: setPage }}
        empty={t('landlord-scoring.none')}
        rowKey="subjectId"
        cardTestId="ls-assessment"
        rowTestId="ls-assessment"
        tableProps={{ size: 'small' }}
        card={(a) => ({
          body: (
            <>
              <Space wrap size={4}>
                <Link to={`${BASE}/subjects/${a.subjectId}`}>{a.name}</Link>
                <ScoreTag score={a.score} />
                <FlagTag flag={a.flag} />
                {a.improvementClass && <Tag>{t('landlord-scoring.field.improvementClass')}</Tag>}
              </Space>
            </>
          ),
        })}
        columns={[
          {
            title: t('landlord-scoring.field.name'),
            dataIndex: 'name',
            render: (v: string, a) => <Link to={`${BASE}/subjects/${a.subjectId}`}>{v}</Link>,
          },
          {
            title: t('landlord-scoring.field.kind'),
            dataIndex: 'kind',
            render: (k: string) => t(`landlord-scoring.kind.${k}`),
          },
          { title: t('landlord-scoring.field.deductions'), dataIndex: 'deductions' },
          { title: t('landlord-scoring.field.bonuses'), dataIndex: 'bonuses' },
          {
            title: t('landlord-scoring.field.score'),
            dataIndex: 'score',
            render: (v: number) => <ScoreTag score={v} />,
          },
          {
            title: t('landlord-scoring.field.flag'),
            dataIndex: 'flag',
            render: (f: string | null) => <FlagTag flag={f} />,
          },
          {
            title: t('landlord-scoring.field.improvementClass'),
            dataIndex: 'improvementClass',
            render: (v: boolean) => (v ? '✓' : ''),
          },
          {
            title: t('landlord-scoring.field.referral'),
            dataIndex: 'referral',
            render: (v: boolean) => (v ? '✓' : ''),
          },
        ]}
      />
    </>
  );
}

/** The month's report: counts per unit (the city total, streets, communities, grids), a page at a time. */
function Reports({ period }: { period: string }) {
  const t = useTranslate();
  const errorText = useErrorText();
  const [page, setPage] = useState(1);
  const [total, setTotal] = useState(0);
  const [rows, setRows] = useState<Report[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setRows(null);
    void apiRaw(`${BASE}/reports`, { query: { period, _start: (page - 1) * PAGE, _end: page * PAGE } })
      .then(async (res) => {
        const list = (await res.json()) as Report[];
        setRows(list);
        setTotal(Number(res.headers.get('x-total-count') ?? list.length));
        setError(null);
      })
      .catch((err) => {
        setError(errorText(err));
        setRows([]);
      });
  }, [period, page, errorText]);
  return (
    <>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Table<Report>
        rowKey={(r) => `${r.level}:${r.orgUnitId}`}
        size="small"
        scroll={{ x: true }}
        loading={rows == null}
        dataSource={rows ?? []}
        pagination={{ current: page, pageSize: PAGE, total, showSizeChanger: false, onChange: setPage }}
        locale={{ emptyText: t('landlord-scoring.none') }}
        onRow={() => ({ 'data-testid': 'ls-report' }) as never}
        columns={[
          { title: t('landlord-scoring.field.unit'), dataIndex: 'name', fixed: 'left' },
          {
            title: t('landlord-scoring.results.levelTitle'),
            dataIndex: 'level',
            render: (l: string) => t(`landlord-scoring.results.level.${l}`),
          },
          ...COUNTS.map((k) => ({ title: t(`landlord-scoring.results.${k}`), dataIndex: k })),
          {
            title: t('landlord-scoring.results.rate'),
            dataIndex: 'selfDeclarationRate',
            render: (v: number | null) => (v == null ? '—' : `${Math.round(v * 1000) / 10}%`),
          },
        ]}
      />
    </>
  );
}

const TrendChart = lazy(() => import('./trend-chart.tsx'));
const LEVELS = ['total', 'street', 'community', 'grid'];
const share = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;

/**
 * The twelve months up to the chosen one: the yellow-flag landlords' and red-flag shops' shares and the
 * self-declaration rate, summed over the highest level of the reader's rows (the city for the city,
 * her community for a secretary).
 */
function Trends({ month }: { month: Dayjs }) {
  const t = useTranslate();
  const errorText = useErrorText();
  const months = useMemo(
    () => Array.from({ length: 12 }, (_, i) => month.subtract(11 - i, 'month').format('YYYY-MM')),
    [month],
  );
  const [rows, setRows] = useState<Report[][] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setRows(null);
    void Promise.all(
      months.map(async (period) =>
        (await apiRaw(`${BASE}/reports`, { query: { period, _end: 500 } })).json(),
      ),
    ).then(
      (all) => {
        setRows(all as Report[][]);
        setError(null);
      },
      (err) => setError(errorText(err)),
    );
  }, [months, errorText]);
  const series = useMemo(() => {
    if (!rows) return null;
    const sums = rows.map((list) => {
      const top = LEVELS.find((l) => list.some((r) => r.level === l));
      const mine = list.filter((r) => r.level === top);
      const sum = (k: keyof Report) => mine.reduce((n, r) => n + (r[k] as number), 0);
      return mine.length === 0
        ? null
        : {
            yellow: share(sum('yellowLandlords'), sum('landlords')),
            red: share(sum('redShops'), sum('shops')),
            rate: share(sum('tenantsSelfDeclared'), sum('tenantsVerified')),
          };
    });
    return [
      {
        name: t('landlord-scoring.results.yellowShare'),
        values: sums.map((s) => s?.yellow ?? null),
        color: '#faad14',
      },
      {
        name: t('landlord-scoring.results.redShare'),
        values: sums.map((s) => s?.red ?? null),
        color: '#cf1322',
      },
      {
        name: t('landlord-scoring.results.rate'),
        values: sums.map((s) => s?.rate ?? null),
        color: '#1677ff',
      },
    ];
  }, [rows, t]);
  if (error) return <Alert type="error" showIcon message={error} />;
  if (!series) return <Spin />;
  return (
    <Suspense fallback={<Spin />}>
      <TrendChart months={months} series={series} />
    </Suspense>
  );
}

/** Monthly results: the assessed month (last month by default), its flag lists and per-unit counts. */
export default function ResultsPage() {
  const t = useTranslate();
  const phone = useIsPhone();
  const [month, setMonth] = useState<Dayjs>(() => dayjs(tenantToday()).subtract(1, 'month'));
  const period = month.format('YYYY-MM');
  return (
    <Card
      title={t('landlord-scoring.results.title')}
      data-testid="ls-results"
      styles={{ body: { padding: phone ? 8 : undefined } }}
      extra={
        <Space wrap>
          <DatePicker
            id="ls-period"
            picker="month"
            allowClear={false}
            value={month}
            onChange={(d) => d && setMonth(d)}
            disabledDate={(d) => d.isAfter(dayjs(tenantToday()), 'month')}
          />
          <ExportButton
            path="/results/export.xlsx"
            query={{ period }}
            fileName={`landlord-scoring-${period}.xlsx`}
          />
        </Space>
      }
    >
      <Tabs
        items={[
          {
            key: 'assessments',
            label: t('landlord-scoring.results.assessments'),
            children: <Assessments period={period} />,
          },
          {
            key: 'reports',
            label: t('landlord-scoring.results.reports'),
            children: <Reports period={period} />,
          },
          { key: 'trends', label: t('landlord-scoring.results.trends'), children: <Trends month={month} /> },
        ]}
      />
    </Card>
  );
}
