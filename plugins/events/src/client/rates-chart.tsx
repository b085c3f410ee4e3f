import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only the parts used: bar charts on canvas, not the whole library.
echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface Series {
  name: string;
  values: Array<number | null>;
  color: string;
}

/**
 * Grouped bars (ECharts): one group per category, one bar per series. `percent` shows 0–1 values as
 * percentages. The figures drawn are on the element (`data-series`) for the browser tests.
 */
export default function BarsChart({
  categories,
  series,
  percent = false,
  testId,
}: {
  categories: string[];
  series: Series[];
  percent?: boolean;
  testId: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = echarts.init(el.current!);
    chart.setOption({
      tooltip: {
        trigger: 'axis',
        valueFormatter: (v: number | null) =>
          v == null ? '—' : percent ? `${Math.round(v * 1000) / 10}%` : String(v),
      },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 40, containLabel: true },
      xAxis: {
        type: 'category',
        data: categories,
        axisLabel: { interval: 0, rotate: categories.length > 4 ? 30 : 0 },
      },
      yAxis: percent
        ? {
            type: 'value',
            min: 0,
            max: 1,
            axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
          }
        : { type: 'value', minInterval: 1 },
      series: series.map((s) => ({
        name: s.name,
        type: 'bar',
        data: s.values,
        itemStyle: { color: s.color },
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [categories, series, percent]);
  return (
    <div
      ref={el}
      style={{ height: 300, width: '100%' }}
      data-testid={testId}
      data-categories={JSON.stringify(categories)}
      data-series={JSON.stringify(series.map((s) => s.values))}
    />
  );
}
