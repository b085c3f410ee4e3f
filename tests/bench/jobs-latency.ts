/**
 * Schedule latency of `pnpm bench jobs`: the time from a firing's due moment to its job starting, over
 * `firings` firings of several every-second cron schedulers running side by side. Both measured where
 * BullMQ hands the job to the processor: as bare BullMQ schedulers with a no-op worker, and through the
 * job system (the reconciler's schedulers and the tenant wrapper, whose start is job_run.started_at;
 * the due moment is in the firing's queue job id `repeat:<scheduler>:<ms>`).
 */
import { startWorker } from '@civicgrid/jobs';
import { PluginHost } from '@civicgrid/kernel';
import { saveModule } from '@civicgrid/tenancy';
import { bare } from './jobs-bare.ts';
import { type BenchBackend, type BenchDb, tickPlugin, touchPlugin } from './jobs-setup.ts';

export interface Latency {
  name: 'bare scheduler' | 'job system';
  schedulers: number;
  firings: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

type Log = (msg: string) => void;

function summary(name: Latency['name'], schedulers: number, lateness: number[]): Latency {
  const s = [...lateness].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { name, schedulers, firings: s.length, medianMs: at(0.5), p90Ms: at(0.9), maxMs: s.at(-1)! };
}

/** Collects `firings` lateness samples, skipping those due in the first second (the schedulers' start-up). */
function collector(firings: number) {
  const since = Date.now() + 1000;
  const lateness: number[] = [];
  let done!: () => void;
  const full = new Promise<void>((r) => {
    done = r;
  });
  return {
    full,
    lateness,
    add(dueMs: number, startedMs: number) {
      if (!(dueMs >= since) || lateness.length >= firings) return;
      lateness.push(startedMs - dueMs);
      if (lateness.length === firings) done();
    },
  };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: timed out`)), ms).unref()),
  ]);

/** Polls job_run until `firings` ticks due after `since` have started; their lateness, earliest due first. */
async function firingsOf(
  db: BenchDb,
  tenants: string[],
  since: number,
  firings: number,
  timeoutMs: number,
): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const rows: Array<{ due: number; late: number }> = [];
    for (const t of tenants) {
      const r = await db.db.withTenant(t, (tx) =>
        tx.query<{ id: string; started: Date }>(
          `select queue_job_id as id, started_at as started from job_run where job = 'tick' and started_at is not null`,
        ),
      );
      for (const x of r) {
        const due = Number(/:(\d+)$/.exec(x.id)?.[1]);
        if (due >= since) rows.push({ due, late: new Date(x.started).getTime() - due });
      }
    }
    if (rows.length >= firings)
      return rows
        .sort((a, b) => a.due - b.due)
        .slice(0, firings)
        .map((r) => r.late);
    if (Date.now() > end) throw new Error(`job system: ${rows.length} of ${firings} firings in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function benchLatency(
  db: BenchDb,
  backend: BenchBackend,
  schedulers: number,
  firings: number,
  log: Log,
): Promise<Latency[]> {
  const out: Latency[] = [];
  const timeout = (firings / schedulers + 10) * 1000;

  log(`  bare scheduler: ${schedulers} every-second schedulers, ${firings} firings`);
  const b = bare(backend);
  try {
    const c = collector(firings);
    const q = b.queue('bare-tick');
    for (let i = 0; i < schedulers; i++)
      await q.upsertJobScheduler(`bare-tick-${i}`, { pattern: '* * * * * *' }, { name: 'tick' });
    b.worker('bare-tick', async (job) => c.add(Number(/:(\d+)$/.exec(job.id ?? '')?.[1]), Date.now()), 4);
    await within(c.full, timeout, 'bare scheduler');
    for (let i = 0; i < schedulers; i++) await q.removeJobScheduler(`bare-tick-${i}`);
    out.push(summary('bare scheduler', schedulers, c.lateness));
  } finally {
    await b.close();
  }

  log(`  job system: the tick module on for ${schedulers} tenants, ${firings} firings`);
  const ticking = db.tenants.slice(0, schedulers);
  for (const t of ticking) await db.db.withTenant(t, (tx) => saveModule(tx, 'bench-tick', true, {}));
  const since = Date.now() + 1000;
  const host = new PluginHost([touchPlugin, tickPlugin]);
  const worker = await startWorker({
    host,
    db: db.db,
    backend: backend.cfg,
    prefix: backend.prefix || undefined,
    concurrency: 4,
  });
  try {
    const lateness = await firingsOf(db, ticking, since, firings, timeout);
    out.push(summary('job system', schedulers, lateness));
  } finally {
    for (const t of ticking) await db.db.withTenant(t, (tx) => saveModule(tx, 'bench-tick', false, {}));
    await worker.reconcile();
    await worker.close();
  }
  return out;
}
