/** The printed report of `pnpm bench jobs`. */
import type { JobsReport } from './jobs.ts';
import { table } from './report.ts';

const n = (x: number, digits = 0) =>
  x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function formatJobs(r: JobsReport): string {
  const parts: string[] = [];
  parts.push(
    `CivicGrid job benchmark — ${r.startedAt}\n` +
      `${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}\n` +
      `${n(r.config.jobs)} jobs over ${r.config.tenants} tenants, one worker, concurrency ${r.config.concurrency}; ` +
      `queues filled first, then drained`,
  );
  parts.push(
    table(
      [
        ['backend', 'run', 'jobs', 's', 'jobs/s', 'vs no-op', 'vs same SQL', 'vs withTenant'],
        ...r.backends.flatMap((b) =>
          b.throughput.runs.map((x) => {
            const noop = b.throughput.runs.find((y) => y.name === 'bare no-op')!.jobsPerSec;
            const sql = b.throughput.runs.find((y) => y.name === 'bare + same SQL')!.jobsPerSec;
            const orm = b.throughput.runs.find((y) => y.name === 'bare + same SQL in withTenant')!.jobsPerSec;
            return [
              b.kind,
              x.name,
              n(x.jobs),
              n(x.seconds, 2),
              n(x.jobsPerSec),
              `${n((x.jobsPerSec / noop) * 100, 1)} %`,
              `${n((x.jobsPerSec / sql) * 100, 1)} %`,
              `${n((x.jobsPerSec / orm) * 100, 1)} %`,
            ];
          }),
        ),
      ],
      'Throughput (each job reads and writes one row of its tenant; no-op jobs do nothing)',
    ),
  );
  parts.push(
    table(
      [
        ['backend', 'enqueue via the job client, jobs/s'],
        ...r.backends.map((b) => [b.kind, n(b.throughput.enqueuePerSec)]),
      ],
      'Enqueue (one short tenant transaction writing job_run + one add per job, 32 at a time)',
    ),
  );
  parts.push(
    table(
      [
        ['backend', 'runner', 'schedulers', 'firings', 'median ms', 'p90 ms', 'max ms'],
        ...r.backends.flatMap((b) =>
          b.latency.map((l) => [
            b.kind,
            l.name,
            String(l.schedulers),
            String(l.firings),
            n(l.medianMs),
            n(l.p90Ms),
            n(l.maxMs),
          ]),
        ),
      ],
      'Schedule latency: due moment → job start (every-second cron schedulers side by side)',
    ),
  );
  return parts.join('\n\n');
}
