/**
 * `pnpm bench <name>`: runs one benchmark, prints its report and writes it as JSON to
 * bench-results/<name>-<timestamp>.json (git-ignored).
 *
 *   pnpm bench core      the scoped user list: real API vs bare Fastify + pg, then the division numbers
 *   pnpm bench jobs      job throughput (tenant wrapper vs bare BullMQ) and schedule latency, on Redis and PostgreSQL
 *   pnpm bench admin     the admin app in headless Chromium: initial JS (login, dashboard), chunks, dashboard time to interactive
 *   pnpm bench registry  resident xlsx import (rows/s, peak memory; BENCH_IMPORT_ROWS, 100,000) and exact ID lookup
 *   pnpm bench events    1 M events: my tasks and a street's three rates (API vs bare SQL), deadline lateness on Redis (tests/bench/events.ts)
 *   pnpm bench landlord  the monthly assessment of 500 k landlords and shops / 3 M records through a real worker vs one SQL statement and a per-subject ORM loop (tests/bench/landlord.ts)
 *
 * Environment: BENCH_DURATION (s, default 15), BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (50),
 * BENCH_USERS (1,000,000), BENCH_DATABASE_URL (server for the throw-away database; default the local
 * PostgreSQL), BENCH_CPU_PROF=1 (write a V8 CPU profile of the API process to bench-results/cpu-prof/),
 * BENCH_LADDER=1 (also load the `handwritten` server — the API's SQL on plain pg — between bare and API),
 * BENCH_DIVISION=0 (skip the division benchmark), BENCH_KEEP_DB=1 (keep the database for EXPLAIN and profiling instead of dropping it; drop it yourself).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdminReport } from './admin.ts';
import { formatAdmin } from './admin.ts';
import { type CoreReport, planShape } from './core-api.ts';
import type { EventsReport } from './events.ts';
import { formatEvents } from './events-report.ts';
import type { JobsReport } from './jobs.ts';
import { formatJobs } from './jobs-report.ts';
import type { LandlordReport } from './landlord.ts';
import { formatLandlord } from './landlord-report.ts';
import { type benchRegistry, formatRegistry } from './registry-import.ts';
import { flatten, table } from './report.ts';

type RegistryReport = Awaited<ReturnType<typeof benchRegistry>>;

type Log = (msg: string) => void;

interface Bench {
  describe: string;
  run(log: Log): Promise<object>;
  format(report: object): string;
}

const BENCHES: Record<string, Bench> = {
  core: {
    describe: 'scoped user list, real API vs bare baseline (1 M users) + division import numbers',
    run: async (log) => (await import('./core-api.ts')).benchCore(log),
    format: (r) => formatCore(r as CoreReport),
  },
  jobs: {
    describe: 'job throughput (tenant wrapper vs bare BullMQ) and schedule latency, on Redis and PostgreSQL',
    run: async (log) => (await import('./jobs.ts')).benchJobs(log),
    format: (r) => formatJobs(r as JobsReport),
  },
  admin: {
    describe:
      'admin app: initial JS of the login page and dashboard, each chunk, dashboard time to interactive (Chromium)',
    run: async (log) => (await import('./admin.ts')).benchAdmin(log),
    format: (r) => formatAdmin(r as AdminReport),
  },
  registry: {
    describe:
      'resident xlsx import (100 k rows: rows/s, peak memory) + exact ID lookup (tests/bench/registry-lookup.ts)',
    run: async (log) => (await import('./registry-import.ts')).benchRegistry(log),
    format: (r) => formatRegistry(r as RegistryReport),
  },
  events: {
    describe:
      'events: 1 M events — my tasks and a street’s three rates (API vs bare SQL), deadline lateness on Redis and worker RSS',
    run: async (log) => (await import('./events.ts')).benchEvents(log),
    format: (r) => formatEvents(r as EventsReport),
  },
  landlord: {
    describe:
      'landlord-scoring monthly assessment: 500 k subjects / 3 M records, real worker vs one SQL statement and a per-subject ORM loop; worker RSS',
    run: async (log) => (await import('./landlord.ts')).benchLandlord(log),
    format: (r) => formatLandlord(r as LandlordReport),
  },
};

const n = (x: number | null | undefined, digits = 0) =>
  x == null ? '—' : x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function formatCore(r: CoreReport): string {
  const c = r.setup.counts;
  const t = r.setup.timings;
  const parts: string[] = [];
  parts.push(
    `CivicGrid core benchmark — ${r.startedAt}\n` +
      `${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}\n` +
      `GET ${r.config.path} as the street admin of ${r.setup.street.name} (${n(c.usersInStreet)} users in scope, ` +
      `x-total-count ${r.setup.sample.total}${r.setup.sample.capped ? '+' : ''}), ` +
      `${r.config.connections} connections, ${r.config.warmupS} s warm-up + ${r.config.durationS} s each, pool ${r.config.poolSize}`,
  );
  parts.push(
    table(
      [
        ['setup', 'count', 'ms'],
        ['provision tenant', '1', n(t.provisionTenant)],
        ['import division (streets / communities)', `${c.streets} / ${c.communities}`, n(t.importDivision)],
        ['grids (insert … select)', n(c.grids), n(t.grids)],
        ['app_user rows (insert … select)', n(c.users), n(t.users)],
        ['vacuum analyze', '', n(t.vacuumAnalyze)],
      ],
      'Data',
    ),
  );
  parts.push(
    table(
      [
        ['server', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'errors', 'non-2xx'],
        ...r.runs.map((x) => [
          x.name,
          n(x.requestsPerSec),
          n(x.latencyMs.p50),
          n(x.latencyMs.p90),
          n(x.latencyMs.p99),
          n(x.latencyMs.max),
          n(x.total),
          n(x.errors + x.timeouts),
          n(x.non2xx),
        ]),
        ['api / bare', `${n(r.ratio * 100, 1)} %`, '', '', '', '', '', '', ''],
      ],
      'Load (autocannon)',
    ),
  );
  parts.push(
    table(
      [
        [
          'server',
          'server µs/req',
          'postgres µs/req',
          'loadgen µs/req',
          'cores: server',
          'postgres',
          'loadgen',
          'other',
          'machine',
        ],
        ...r.runs.map((x) => [
          x.name,
          n(x.cpuUsPerRequest.server),
          n(x.cpuUsPerRequest.postgres),
          n(x.cpuUsPerRequest.loadgen),
          n(x.cpuCores.server, 2),
          n(x.cpuCores.postgres, 2),
          n(x.cpuCores.loadgen, 2),
          n(x.cpuCores.other, 2),
          n(x.cpuCores.machine, 2),
        ]),
      ],
      `CPU per request and cores busy (${r.machine.cpus} cores; "other" = everything else on the machine)`,
    ),
  );
  parts.push(
    table(
      [
        ['target', 'wanted', 'measured', 'result'],
        ...r.targets.map((x) => [x.name, x.target, x.actual, x.pass ? 'PASS' : 'MISS']),
      ],
      'Targets',
    ),
  );
  parts.push(
    table(
      [
        ['statement (EXPLAIN ANALYZE before the runs)', 'as', 'exec ms', 'plan ms', 'plan'],
        ...r.plans.map((p) => [p.query, p.as, n(p.executionMs, 2), n(p.planningMs, 2), planShape(p.plan)]),
      ],
      'Plans',
    ),
  );
  if (r.division.skipped) parts.push('Division benchmark: skipped (BENCH_DIVISION=0)');
  if (r.division.error) parts.push(`Division benchmark: FAILED\n${r.division.error}`);
  else if (r.division.result !== undefined) parts.push(formatDivision(r.division.result));
  return parts.join('\n\n');
}

/** The division benchmark's result is that module's own shape: show its targets if it has any, then all numbers. */
function formatDivision(result: unknown): string {
  const out: string[] = [];
  const targets = (result as { targets?: unknown }).targets;
  const rest =
    result && typeof result === 'object' && Array.isArray(targets)
      ? Object.fromEntries(Object.entries(result).filter(([k]) => k !== 'targets'))
      : result;
  out.push(table([['measure', 'value'], ...flatten(rest)], 'Division (tests/bench/division.ts)'));
  if (Array.isArray(targets)) {
    const rows = targets.map((x: Record<string, unknown>) => [
      String(x.name ?? ''),
      String(x.target ?? ''),
      String(x.actual ?? ''),
      x.pass === true ? 'PASS' : x.pass === false ? 'MISS' : String(x.pass ?? ''),
    ]);
    out.push(table([['target', 'wanted', 'measured', 'result'], ...rows], 'Division targets'));
  }
  return out.join('\n\n');
}

async function main() {
  const name = process.argv[2] ?? '';
  const bench = BENCHES[name];
  if (!bench) {
    console.error(
      `usage: pnpm bench <name>\n${Object.entries(BENCHES)
        .map(([k, b]) => `  ${k.padEnd(10)} ${b.describe}`)
        .join('\n')}`,
    );
    process.exit(2);
  }
  const t0 = performance.now();
  const log: Log = (msg) =>
    console.error(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
  const report = await bench.run(log);
  const dir = 'bench-results';
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${bench.format(report)}\n\nreport written to ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
