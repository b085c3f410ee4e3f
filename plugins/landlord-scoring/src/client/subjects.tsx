import { apiRaw, may } from '@civicgrid/admin-kit';
import { ResponsiveList } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Alert, Button, Card, Input, Segmented, Space, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { PERMISSIONS } from '../common/index.ts';
import {
  BASE,
  ExportButton,
  FlagTag,
  ScoreTag,
  type Subject,
  UnitPicker,
  useErrorText,
  useIsPhone,
  useMe,
} from './kit.tsx';

const PAGE = 20;
type KindFilter = 'all' | 'landlord' | 'shop';
type FlagFilter = 'all' | 'yellow' | 'red';

/** The landlords and shops with a file in the user's scope, with this year's score; cards on a phone. */
export default function SubjectsPage() {
  const t = useTranslate();
  const me = useMe();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const [kind, setKind] = useState<KindFilter>('all');
  const [flag, setFlag] = useState<FlagFilter>('all');
  const [unit, setUnit] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<Subject[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const filters = useMemo(
    () => ({
      kind: kind === 'all' ? undefined : kind,
      under: unit,
      flag: flag === 'all' ? undefined : flag,
      q: q.trim() || undefined,
    }),
    [kind, unit, flag, q],
  );
  const load = useCallback(async () => {
    try {
      const res = await apiRaw(`${BASE}/subjects`, {
        query: {
          ...filters,
          _sort: 'name',
          _order: 'asc',
          _start: (page - 1) * PAGE,
          _end: page * PAGE,
        },
      });
      const list = (await res.json()) as Subject[];
      setRows(list);
      setTotal(Number(res.headers.get('x-total-count') ?? list.length));
      setError(null);
    } catch (err) {
      setError(errorText(err));
      setRows([]);
    }
  }, [filters, page, errorText]);
  useEffect(() => {
    void load();
  }, [load]);
  const open = (s: Subject) => navigate(`${BASE}/subjects/${s.id}`);

  return (
    <Card
      title={t('landlord-scoring.subjects.title')}
      data-testid="ls-subjects"
      styles={{ body: { padding: phone ? 8 : undefined } }}
      extra={
        <Space wrap>
          <ExportButton
            path="/subjects/export.xlsx"
            query={filters}
            fileName="landlord-scoring-subjects.xlsx"
          />
          {may(me, PERMISSIONS.recordCreate) && (
            <Button type="primary" onClick={() => navigate(`${BASE}/record`)} data-testid="ls-record-new">
              {t('landlord-scoring.file.record')}
            </Button>
          )}
        </Space>
      }
    >
      <Space wrap style={{ marginBottom: 12, width: '100%' }} direction={phone ? 'vertical' : 'horizontal'}>
        <Segmented<KindFilter>
          value={kind}
          onChange={(k) => {
            setKind(k);
            setPage(1);
          }}
          options={[
            { value: 'all', label: t('landlord-scoring.all') },
            { value: 'landlord', label: t('landlord-scoring.kind.landlord') },
            { value: 'shop', label: t('landlord-scoring.kind.shop') },
          ]}
        />
        <Segmented<FlagFilter>
          value={flag}
          onChange={(f) => {
            setFlag(f);
            setPage(1);
          }}
          options={[
            { value: 'all', label: t('landlord-scoring.flag.any') },
            {
              value: 'yellow',
              label: <span data-testid="ls-flag-yellow">{t('landlord-scoring.flag.yellow')}</span>,
            },
            { value: 'red', label: t('landlord-scoring.flag.red') },
          ]}
        />
        <UnitPicker
          id="ls-unit"
          value={unit}
          onChange={(v) => {
            setUnit(v);
            setPage(1);
          }}
        />
        <Input.Search
          id="ls-search"
          allowClear
          placeholder={t('landlord-scoring.subjects.search')}
          onSearch={(v) => {
            setQ(v);
            setPage(1);
          }}
        />
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <ResponsiveList<Subject>
        rows={rows}
        loading={rows == null}
        paging={{ current: page, pageSize: PAGE, total, onChange: setPage }}
        empty={t('landlord-scoring.subjects.empty')}
        onOpen={open}
        cardTestId="ls-subject-card"
        rowTestId="ls-subject-row"
        card={(s) => ({
          body: (
            <>
              <Space style={{ justifyContent: 'space-between', width: '100%' }}>
                <Typography.Text strong data-testid="ls-subject-name">
                  {s.name}
                </Typography.Text>
                <Space size={4}>
                  <FlagTag flag={s.flag} />
                  <ScoreTag score={s.score} />
                </Space>
              </Space>
              <Typography.Text type="secondary">
                {t(`landlord-scoring.kind.${s.kind}`)} · {s.registeredOn}
              </Typography.Text>
            </>
          ),
        })}
        columns={[
          {
            title: t('landlord-scoring.field.name'),
            dataIndex: 'name',
            render: (v: string, s) => (
              <Link to={`${BASE}/subjects/${s.id}`} data-testid="ls-subject-name">
                {v}
              </Link>
            ),
          },
          {
            title: t('landlord-scoring.field.kind'),
            dataIndex: 'kind',
            render: (k: string) => t(`landlord-scoring.kind.${k}`),
          },
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
          { title: t('landlord-scoring.field.registeredOn'), dataIndex: 'registeredOn' },
        ]}
      />
    </Card>
  );
}
