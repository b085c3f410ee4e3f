import { LineChart } from 'echarts/charts';
import { GridComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only the parts used: a line chart on canvas, not the whole library.
echarts.use([LineChart, GridComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

/**
 * The score through the year as a step line (ECharts), from the base on 1 January to today, with the
 * yellow-flag threshold marked. The points drawn are on the element (`data-points`) for browser tests.
 */
export default function ScoreChart({
  points,
  base,
  yellowAt,
  name,
}: {
  points: Array<[string, number]>;
  base: number;
  yellowAt: number;
  name: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = echarts.init(el.current!);
    chart.setOption({
      tooltip: { trigger: 'axis' },
      grid: { left: 32, right: 16, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', min: 0, max: base, minInterval: 1 },
      series: [
        {
          name,
          type: 'line',
          step: 'end',
          data: points,
          itemStyle: { color: '#1677ff' },
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: '#faad14', type: 'dashed' },
            data: [{ yAxis: yellowAt }],
          },
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [points, base, yellowAt, name]);
  return (
    <div
      ref={el}
      style={{ height: 240, width: '100%' }}
      data-testid="ls-score-chart"
      data-points={JSON.stringify(points)}
    />
  );
}
