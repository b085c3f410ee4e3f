/** The printed report of `pnpm bench events`. */
import type { EventsReport } from './events.ts';
import { table } from './report.ts';

export function formatEvents(r: EventsReport): string {
  const f = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 1 });
  const ratio = (a: number, b: number) => `${f(a / b)}×`;
  const { reads: x, deadlines: d } = r;
  return [
    `CivicGrid events benchmark — ${r.startedAt}; ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}`,
    `load average at start ${r.machine.loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at end ${r.loadAtEnd.map((l) => l.toFixed(1)).join(' / ')}`,
    table(
      [
        ['setup', 'result'],
        ['events generated', `${f(r.config.events)} in ${f(r.timings.generate! / 1000)} s`],
        ['rows', JSON.stringify(r.counts)],
        ['my tasks: open events at her grid', String(r.config.myTasksTotal)],
      ],
      'Data',
    ),
    table(
      [
        ['query', 'p50 ms', 'p99 ms', 'max ms', 'n', 'p99 API ÷ SQL', 'target p99'],
        [
          'my tasks, API',
          f(x.myTasksApi.p50),
          f(x.myTasksApi.p99),
          f(x.myTasksApi.max),
          x.myTasksApi.n,
          ratio(x.myTasksApi.p99, x.myTasksSql.p99),
          '50 ms',
        ],
        [
          'my tasks, bare SQL',
          f(x.myTasksSql.p50),
          f(x.myTasksSql.p99),
          f(x.myTasksSql.max),
          x.myTasksSql.n,
          '',
          '',
        ],
        [
          'street three rates, API',
          f(x.metricsApi.p50),
          f(x.metricsApi.p99),
          f(x.metricsApi.max),
          x.metricsApi.n,
          ratio(x.metricsApi.p99, x.metricsSql.p99),
          '200 ms',
        ],
        [
          'street three rates, bare SQL',
          f(x.metricsSql.p50),
          f(x.metricsSql.p99),
          f(x.metricsSql.max),
          x.metricsSql.n,
          '',
          '',
        ],
      ],
      'Reads (one at a time, after warm-up)',
    ),
    table(
      [
        [
          'deadlines live',
          'due in window',
          'fired',
          'not fired',
          'median ms',
          'p99 ms',
          'max ms',
          'worker peak RSS',
        ],
        [
          f(d.deadlines),
          f(d.dueInWindow),
          f(d.fired),
          f(d.notFired),
          f(d.latenessMs.p50),
          f(d.latenessMs.p99),
          f(d.latenessMs.max),
          `${d.workerPeakRssMb} MB`,
        ],
      ],
      'Deadline firings on Redis (lateness = fired_at − due_at; target max < 2 s)',
    ),
  ].join('\n\n');
}
