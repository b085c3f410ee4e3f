import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface Trend {
  name: string;
  values: Array<number | null>;
  color: string;
}

/**
 * Shares over the months (0–1 drawn as percentages), one line per series (ECharts). The figures drawn
 * are on the element (`data-series`) for the browser tests.
 */
export default function TrendChart({ months, series }: { months: string[]; series: Trend[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = echarts.init(el.current!);
    chart.setOption({
      tooltip: {
        trigger: 'axis',
        valueFormatter: (v: number | null) => (v == null ? '—' : `${Math.round(v * 1000) / 10}%`),
      },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 32, containLabel: true },
      xAxis: { type: 'category', data: months },
      yAxis: {
        type: 'value',
        min: 0,
        max: 1,
        axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
      },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        data: s.values,
        connectNulls: false,
        itemStyle: { color: s.color },
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [months, series]);
  return (
    <div
      ref={el}
      style={{ height: 300, width: '100%' }}
      data-testid="ls-trend-chart"
      data-months={JSON.stringify(months)}
      data-series={JSON.stringify(series.map((s) => s.values))}
    />
  );
}
