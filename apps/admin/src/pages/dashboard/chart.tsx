import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only the parts used: the bar chart on canvas, not the whole library.
echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** Org units per level in the user's scope (ECharts). */
export default function KindChart({ data }: { data: Array<{ name: string; value: number }> }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = echarts.init(el.current!);
    chart.setOption({
      tooltip: {},
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      xAxis: { type: 'category', data: data.map((d) => d.name) },
      yAxis: { type: 'value' },
      series: [{ type: 'bar', data: data.map((d) => d.value), itemStyle: { color: '#c41d1d' } }],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [data]);
  return (
    <div
      ref={el}
      style={{ height: 260, width: '100%' }}
      data-testid="units-chart"
      data-first-label={data[0]?.name}
    />
  );
}
