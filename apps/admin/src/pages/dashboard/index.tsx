import { api, may, visiblePlugins } from '@civicgrid/admin-kit';
import { useMe } from '@civicgrid/admin-ui';
import { useGetLocale, useTranslate } from '@refinedev/core';
import { Card, Col, Row, Spin, Statistic } from 'antd';
import { type ComponentType, lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { clientPlugins } from '../../plugins.ts';

// The chart library is its own chunk, fetched after the counts are on screen.
const KindChart = lazy(() => import('./chart.tsx'));

const KINDS = ['street', 'community', 'grid', 'compound', 'building'] as const;

interface Counts {
  units: Record<string, number>;
  users: number | null;
  residents: number | null;
  houses: number | null;
  shops: number | null;
}

const widgets = new Map<string, ComponentType>();

/** Home: counts for the user's scope (units by level, staff, people, places) and the modules' widgets. */
export default function Dashboard() {
  const t = useTranslate();
  const locale = useGetLocale()() === 'en' ? 'en' : 'zh-CN';
  const me = useMe();
  const [counts, setCounts] = useState<Record<string, number> | null>(null);
  useEffect(() => {
    if (!me) return;
    // One call: every figure for the user's scope, each under its own read permission (null = not hers).
    void api<Counts>('/dashboard/counts').then(
      (c) => {
        const flat: Record<string, number> = {};
        for (const k of KINDS) flat[k] = c.units[k] ?? 0;
        for (const k of ['users', 'residents', 'houses', 'shops'] as const) if (c[k] != null) flat[k] = c[k];
        setCounts(flat);
      },
      () => setCounts({}),
    );
  }, [me]);

  const stat = (k: string) => {
    const c = counts?.[k];
    return (
      <Col xs={12} sm={8} lg={6} key={k}>
        <Card size="small">
          <Statistic title={t(`dashboard.${k}`)} value={c ?? '…'} valueStyle={{ fontSize: 22 }} />
        </Card>
      </Col>
    );
  };
  // Memoised: the chart redraws when the counts or the language change, not on every render.
  // biome-ignore lint/correctness/useExhaustiveDependencies: t() reads the current language, so the locale is a real input
  const kindData = useMemo(
    () => (counts ? KINDS.map((k) => ({ name: t(`dashboard.${k}`), value: counts[k] ?? 0 })) : []),
    [counts, t, locale],
  );
  const pluginWidgets = visiblePlugins(clientPlugins, me).flatMap((p) =>
    (p.widgets ?? []).filter((w) => may(me, w.permission)).map((w) => ({ ...w, plugin: p.id })),
  );

  return (
    <div data-testid="dashboard">
      <Row gutter={[12, 12]}>
        {counts ? (
          [...KINDS, 'users', 'residents', 'houses', 'shops'].filter((k) => k in counts).map(stat)
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
