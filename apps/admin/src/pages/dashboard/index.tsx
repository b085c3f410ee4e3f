import { apiRaw, may, visiblePlugins } from '@civicgrid/admin-kit';
import { useGetLocale, useTranslate } from '@refinedev/core';
import { Card, Col, Row, Spin, Statistic } from 'antd';
import { type ComponentType, lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useMe } from '../../components/org.tsx';
import { clientPlugins } from '../../plugins.ts';

// The chart library is its own chunk, fetched after the counts are on screen.
const KindChart = lazy(() => import('./chart.tsx'));

const KINDS = ['street', 'community', 'grid', 'compound', 'building'] as const;

/** A list's row count in the user's scope from `x-total-count` (the API caps counts at 1,000). */
async function count(path: string, query: Record<string, string> = {}) {
  const res = await apiRaw(path, { query: { ...query, _start: 0, _end: 1 } });
  return {
    n: Number(res.headers.get('x-total-count') ?? 0),
    capped: res.headers.get('x-total-count-capped') === 'true',
  };
}
type Count = Awaited<ReturnType<typeof count>>;

const widgets = new Map<string, ComponentType>();

/** Home: counts for the user's scope (units by level, staff, people, places) and the modules' widgets. */
export default function Dashboard() {
  const t = useTranslate();
  const locale = useGetLocale()() === 'en' ? 'en' : 'zh-CN';
  const me = useMe();
  const [counts, setCounts] = useState<Record<string, Count>>({});
  useEffect(() => {
    if (!me) return;
    const jobs: Array<[string, Promise<Count>]> = [];
    if (may(me, 'core.org-unit.read'))
      for (const k of KINDS) jobs.push([k, count('/org-units', { kind: k })]);
    if (may(me, 'core.user.read')) jobs.push(['users', count('/users')]);
    if (may(me, 'registry.resident.read')) jobs.push(['residents', count('/residents')]);
    if (may(me, 'registry.place.read')) {
      jobs.push(['houses', count('/houses')]);
      jobs.push(['shops', count('/shops')]);
    }
    for (const [k, p] of jobs)
      void p.then(
        (c) => setCounts((s) => ({ ...s, [k]: c })),
        () => undefined,
      );
  }, [me]);

  const stat = (k: string) => {
    const c = counts[k];
    return (
      <Col xs={12} sm={8} lg={6} key={k}>
        <Card size="small">
          <Statistic
            title={t(`dashboard.${k}`)}
            value={c ? c.n : '…'}
            suffix={c?.capped ? '+' : undefined}
            valueStyle={{ fontSize: 22 }}
          />
        </Card>
      </Col>
    );
  };
  // Memoised: the chart redraws when the counts change, not on every render.
  const kindData = useMemo(
    () => KINDS.filter((k) => counts[k]).map((k) => ({ name: t(`dashboard.${k}`), value: counts[k]!.n })),
    [counts, t],
  );
  const pluginWidgets = visiblePlugins(clientPlugins, me).flatMap((p) =>
    (p.widgets ?? []).filter((w) => may(me, w.permission)).map((w) => ({ ...w, plugin: p.id })),
  );

  return (
    <div data-testid="dashboard">
      <Row gutter={[12, 12]}>
        {Object.keys(counts).length ? (
          [...KINDS, 'users', 'residents', 'houses', 'shops'].filter((k) => counts[k]).map(stat)
        ) : (
          <Spin />
        )}
      </Row>
      <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
        <Col xs={24} lg={12}>
          <Card title={t('dashboard.unitsByLevel')} size="small">
            <Suspense fallback={<Spin />}>{kindData.length > 0 && <KindChart data={kindData} />}</Suspense>
          </Card>
        </Col>
        {pluginWidgets.map((w) => {
          let W = widgets.get(`${w.plugin}:${w.key}`);
          if (!W) {
            W = lazy(w.load);
            widgets.set(`${w.plugin}:${w.key}`, W);
          }
          return (
            <Col xs={24} lg={12} key={`${w.plugin}:${w.key}`}>
              <Card title={w.title[locale]} size="small">
                <Suspense fallback={<Spin />}>
                  <W />
                </Suspense>
              </Card>
            </Col>
          );
        })}
      </Row>
    </div>
  );
}
