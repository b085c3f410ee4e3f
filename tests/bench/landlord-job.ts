/**
 * The job part of `pnpm bench landlord`: one month's assessment queued through the job client and run by
 * a fresh worker process (tests/bench/events-worker.ts: startWorker with the API's plugins, under
 * WORKER_NODE_FLAGS), its RSS sampled every 100 ms; and the PostgreSQL CPU a phase used.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Database } from '@civicgrid/db';
import { type JobClient, WORKER_NODE_FLAGS } from '@civicgrid/jobs';
import { ms } from './data.ts';
import { backendCpuMs, procCpuMs } from './measure.ts';

const env = process.env;
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

/** CPU seconds the bench database's PostgreSQL backends used while `fn` ran (null without /proc). */
export async function withPgCpu<T>(
  database: string,
  fn: () => Promise<T>,
): Promise<T & { pgCpuS: number | null; load1: number }> {
  const before = backendCpuMs(database);
  const out = await fn();
  const after = backendCpuMs(database);
  let cpu: number | null = null;
  if (before && after) {
    cpu = 0;
    for (const [pid, v] of after) cpu += v - (before.get(pid) ?? 0);
  }
  // The 1-minute load average when it ended: how much else the two cores were doing.
  return { ...out, pgCpuS: cpu == null ? null : Math.round(cpu / 100) / 10, load1: loadavg()[0]! };
}

/** Starts tests/bench/events-worker.ts (the real worker, API plugins) in its own process. */
async function startWorkerProcess(appUrl: string, redisUrl: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '--import', 'tsx', fileURLToPath(new URL('./events-worker.ts', import.meta.url))],
    {
      env: {
        ...env,
        BENCH_APP_URL: appUrl,
        BENCH_REDIS_URL: redisUrl,
        BENCH_PREFIX: prefix,
        // apps/worker's default: the assessment borrows its idle slots to write chunks side by side.
        WORKER_CONCURRENCY: '8',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
  return child;
}

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
};

/** One month's assessment of a tenant, queued and run by a fresh worker process; wall time and RSS. */
export async function assess(
  jobs: JobClient,
  db: Database,
  redisUrl: string,
  prefix: string,
  appUrl: string,
  database: string,
  tenantId: string,
  period: string,
  /** The job's `chunkSize` and `lanes`, where given (else the job's defaults). */
  options: { chunkSize?: number; lanes?: number },
  log: (m: string) => void,
) {
  const child = await startWorkerProcess(appUrl, redisUrl, prefix);
  try {
    await sleep(2000); // the worker's start-up (schedules, first poll) settles
    const idleRssMb = Math.round(rssMb(child.pid!));
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssMb(child.pid!));
      } catch {}
    }, 100);
    const cpu0 = procCpuMs(child.pid!);
    const jobId = `bench-${randomBytes(4).toString('hex')}`;
    const out = await withPgCpu(database, async () => {
      const t0 = performance.now();
      const data = { tenantId, period, ...options };
      await jobs.enqueue('landlord-scoring', 'assess', data, { jobId });
      for (;;) {
        const [run] = await db.withTenant(tenantId, (tx) =>
          tx.query<{ state: string; attempts: number; error: string | null; startedMs: number | null }>(
            `select state, attempts, error, (extract(epoch from started_at) * 1000)::float8 as "startedMs"
               from job_run where queue_job_id = ? and plugin = 'landlord-scoring'`,
            [jobId],
          ),
        );
        if (run && ['completed', 'failed', 'skipped'].includes(run.state)) {
          if (run.state !== 'completed') throw new Error(`assessment ${run.state}: ${run.error}`);
          // started_at is the worker's clock (same machine) when the attempt began: the job's own time.
          const jobMs = run.startedMs == null ? null : Math.round(Date.now() - run.startedMs);
          return { wallMs: ms(t0), jobMs, attempts: run.attempts };
        }
        await sleep(50);
      }
    });
    clearInterval(sampler);
    const cpu1 = procCpuMs(child.pid!);
    const r = {
      ...out,
      idleRssMb,
      peakRssMb: Math.round(peak),
      workerCpuS: cpu0 != null && cpu1 != null ? Math.round((cpu1 - cpu0) / 100) / 10 : null,
    };
    log(`assessment: ${JSON.stringify(r)}`);
    return r;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}
