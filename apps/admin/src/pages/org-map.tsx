import { api } from '@civicgrid/admin-kit';
import type { OrgUnit } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Empty, Spin } from 'antd';
import { MapChart } from 'echarts/charts';
import { TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';

// The grids' own GeoJSON is the map: no tiles, nothing fetched from the internet.
echarts.use([MapChart, TooltipComponent, CanvasRenderer]);

/** The grids under a unit drawn from their boundaries (ECharts' map series on a registered GeoJSON). */
export default function GridMap({ unit }: { unit: OrgUnit }) {
  const t = useTranslate();
  const el = useRef<HTMLDivElement>(null);
  const [grids, setGrids] = useState<OrgUnit[] | null>(null);

  useEffect(() => {
    setGrids(null);
    const query =
      unit.kind === 'grid'
        ? { parentId: unit.id, kind: 'grid', _end: 500 }
        : { under: unit.id, kind: 'grid', _end: 500 };
    void Promise.all([
      api<OrgUnit[]>('/org-units', { query }),
      unit.kind === 'grid' ? Promise.resolve([unit]) : Promise.resolve([]),
    ]).then(([under, self]) => setGrids([...self, ...under].filter((g) => g.boundary != null)));
  }, [unit]);

  useEffect(() => {
    if (!grids?.length || !el.current) return;
    const name = `grids-${unit.id}`;
    echarts.registerMap(name, {
      type: 'FeatureCollection',
      features: grids.map((g) => ({ type: 'Feature', properties: { name: g.name }, geometry: g.boundary })),
    } as never);
    const chart = echarts.init(el.current);
    chart.setOption({
      tooltip: { trigger: 'item', formatter: (p: { name: string }) => p.name },
      series: [
        {
          type: 'map',
          map: name,
          roam: true,
          label: { show: true, fontSize: 11 },
          itemStyle: { areaColor: '#fff1f0', borderColor: '#c41d1d' },
          emphasis: { itemStyle: { areaColor: '#ffccc7' } },
          data: grids.map((g) => ({ name: g.name, value: g.householdCount ?? 0 })),
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [grids, unit.id]);

  if (grids == null) return <Spin />;
  if (grids.length === 0) return <Empty description={t('org.noBoundaries')} />;
  return <div ref={el} style={{ height: 320, width: '100%' }} data-testid="grid-map" />;
}
