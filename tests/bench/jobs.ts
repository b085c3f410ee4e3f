/**
 * `pnpm bench jobs`: on each backend (Redis, then BullMQ's PostgreSQL backend), in one run:
 *  - jobs/s for BENCH_JOBS (20,000) small tenant-scoped jobs that each read and write one row through
 *    the tenant transaction, against bare BullMQ no-op jobs and bare BullMQ doing the same SQL
 *    (tests/bench/jobs-throughput.ts);
 *  - the time from a schedule's due moment to its job starting, median and max over BENCH_FIRINGS (100)
 *    firings of 10 every-second schedulers (tests/bench/jobs-latency.ts).
 *
 * Environment: BENCH_JOBS (20000), BENCH_JOBS_CONCURRENCY (20: per worker; the job system's pool gets
 * 2 × that + 3), BENCH_FIRINGS (100), BENCH_REDIS_URL (redis://127.0.0.1:6379/5), BENCH_DATABASE_URL
 * is not read: the throw-away database goes where the tests' go (TEST_DATABASE_URL or the local server).
 */
import { cpus } from 'node:os';
import pg from 'pg';
import { benchLatency, type Latency } from './jobs-latency.ts';
import { benchBackend, benchDatabase } from './jobs-setup.ts';
import { benchThroughput, type Throughput } from './jobs-throughput.ts';

type Log = (msg: string) => void;

export interface JobsReport {
  bench: 'jobs';
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; postgres: string };
  config: { jobs: number; concurrency: number; tenants: number; schedulers: number; firings: number };
  backends: Array<{ kind: 'redis' | 'postgres'; throughput: Throughput; latency: Latency[] }>;
}

const envNumber = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export async function benchJobs(log: Log): Promise<JobsReport> {
  const startedAt = new Date().toISOString();
  const jobs = envNumber('BENCH_JOBS', 20_000);
  const concurrency = envNumber('BENCH_JOBS_CONCURRENCY', 20);
  const firings = envNumber('BENCH_FIRINGS', 100);
  const schedulers = 10;
  log('creating the bench database');
  const db = await benchDatabase(Math.ceil(jobs / 20));
  const backends: JobsReport['backends'] = [];
  let postgres = '?';
  try {
    const c = new pg.Client({ connectionString: db.tdb.ownerUrl });
    await c.connect();
    postgres = (await c.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    await c.end();
    for (const kind of ['redis', 'postgres'] as const) {
      log(`backend: ${kind}`);
      const backend = await benchBackend(kind, db.tdb);
      try {
        const throughput = await benchThroughput(db, backend, jobs, concurrency, log);
        const latency = await benchLatency(db, backend, schedulers, firings, log);
        backends.push({ kind, throughput, latency });
      } finally {
        await backend.drop();
      }
    }
  } finally {
    await db.close();
  }
  return {
    bench: 'jobs',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', node: process.version, postgres },
    config: { jobs, concurrency, tenants: db.tenants.length, schedulers, firings },
    backends,
  };
}
