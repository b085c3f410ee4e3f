/**
 * Throughput of `pnpm bench jobs`: N small jobs, each reading and writing one row of its tenant, through
 * the job system's tenant wrapper; against the same N jobs as bare BullMQ no-ops, as bare BullMQ running
 * the same SQL on a plain pg pool (one transaction that sets the tenant), and as bare BullMQ running it
 * in the platform's own tenant transaction (`Database.withTenant`, MikroORM underneath): the last step
 * shows what the wrapper itself adds. Every queue is filled first and then drained by one worker, so
 * the figures are processing rates.
 */
import { createJobClient, startWorker } from '@civicgrid/jobs';
import { PluginHost } from '@civicgrid/kernel';
import pg from 'pg';
import { bare, drained, prefill } from './jobs-bare.ts';
import { type BenchBackend, type BenchDb, TENANTS, touchItem, touchPlugin } from './jobs-setup.ts';

export interface ThroughputRun {
  name: 'bare no-op' | 'bare + same SQL' | 'bare + same SQL in withTenant' | 'tenant wrapper';
  jobs: number;
  seconds: number;
  jobsPerSec: number;
}

export interface Throughput {
  runs: ThroughputRun[];
  /** jobs/s of the tenant wrapper ÷ bare no-op, ÷ bare with the same SQL, ÷ the same in withTenant */
  ratioToNoop: number;
  ratioToSql: number;
  ratioToWithTenant: number;
  /** the job system's `enqueue` (one short tenant transaction + one add each), 32 at a time */
  enqueuePerSec: number;
}

type Log = (msg: string) => void;
const TIMEOUT = 10 * 60_000;
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

const jobData = (db: BenchDb, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    tenantId: db.tenants[i % TENANTS]!,
    item: Math.floor(i / TENANTS),
  }));

async function resetAndCount(db: BenchDb): Promise<number> {
  let total = 0;
  for (const t of db.tenants) {
    const [r] = await db.db.withTenant(t, async (tx) => {
      const rows = await tx.query<{ n: number }>('select coalesce(sum(hits), 0)::int as n from bench_item');
      await tx.query('update bench_item set hits = 0 where hits <> 0');
      return rows;
    });
    total += r!.n;
  }
  return total;
}

async function timed(
  name: ThroughputRun['name'],
  n: number,
  run: () => Promise<void>,
): Promise<ThroughputRun> {
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  return { name, jobs: n, seconds: Math.round(ms) / 1000, jobsPerSec: rate(n, ms) };
}

export async function benchThroughput(
  db: BenchDb,
  backend: BenchBackend,
  n: number,
  concurrency: number,
  log: Log,
): Promise<Throughput> {
  const data = jobData(db, n);
  const runs: ThroughputRun[] = [];
  const b = bare(backend);
  try {
    log(`  bare no-op: filling ${n} jobs`);
    const noop = b.queue('bare-noop');
    await prefill(noop, backend.cfg.kind, 'noop', data);
    runs.push(
      await timed('bare no-op', n, async () => {
        b.worker('bare-noop', async () => {}, concurrency);
        await drained(noop, TIMEOUT);
      }),
    );

    log(`  bare + same SQL: filling ${n} jobs`);
    const sql = b.queue('bare-sql');
    await prefill(sql, backend.cfg.kind, 'touch', data);
    const pool = new pg.Pool({ connectionString: db.tdb.appUrl, max: concurrency });
    try {
      runs.push(
        await timed('bare + same SQL', n, async () => {
          b.worker(
            'bare-sql',
            async (job) => {
              const { tenantId, item } = job.data as { tenantId: string; item: number };
              const c = await pool.connect();
              try {
                await c.query('begin');
                await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
                const r = await c.query<{ hits: number }>(
                  'select hits from bench_item where tenant_id = $1 and id = $2',
                  [tenantId, item],
                );
                await c.query('update bench_item set hits = $1 where tenant_id = $2 and id = $3', [
                  (r.rows[0]?.hits ?? 0) + 1,
                  tenantId,
                  item,
                ]);
                await c.query('commit');
              } catch (e) {
                await c.query('rollback');
                throw e;
              } finally {
                c.release();
              }
            },
            concurrency,
          );
          await drained(sql, TIMEOUT);
        }),
      );
    } finally {
      await pool.end();
    }
    const sqlHits = await resetAndCount(db);
    if (sqlHits !== n) throw new Error(`bare + same SQL: ${sqlHits} rows touched, expected ${n}`);

    log(`  bare + same SQL in withTenant: filling ${n} jobs`);
    const orm = b.queue('bare-orm');
    await prefill(orm, backend.cfg.kind, 'touch', data);
    runs.push(
      await timed('bare + same SQL in withTenant', n, async () => {
        b.worker(
          'bare-orm',
          async (job) => {
            const { tenantId, item } = job.data as { tenantId: string; item: number };
            await db.db.withTenant(tenantId, (tx) => touchItem(tx, tenantId, item));
          },
          concurrency,
        );
        await drained(orm, TIMEOUT);
      }),
    );
    const ormHits = await resetAndCount(db);
    if (ormHits !== n)
      throw new Error(`bare + same SQL in withTenant: ${ormHits} rows touched, expected ${n}`);
  } finally {
    await b.close();
  }

  const host = new PluginHost([touchPlugin]);
  const opts = { host, db: db.db, backend: backend.cfg, prefix: backend.prefix || undefined };
  const client = createJobClient(opts);
  const watch = bare(backend);
  try {
    log(`  tenant wrapper: enqueueing ${n} jobs through the job client`);
    const e0 = performance.now();
    for (let i = 0; i < n; i += 32) {
      await Promise.all(data.slice(i, i + 32).map((d) => client.enqueue('bench-touch', 'touch', d)));
    }
    const enqueuePerSec = rate(n, performance.now() - e0);
    const queue = watch.queue('bench-touch');
    let stop: (() => Promise<void>) | undefined;
    runs.push(
      await timed('tenant wrapper', n, async () => {
        const w = await startWorker({ ...opts, concurrency });
        stop = () => w.close();
        await drained(queue, TIMEOUT);
      }),
    );
    await stop?.();
    const hits = await resetAndCount(db);
    if (hits !== n) throw new Error(`tenant wrapper: ${hits} rows touched, expected ${n}`);
    const by = (name: ThroughputRun['name']) => runs.find((r) => r.name === name)!.jobsPerSec;
    return {
      runs,
      ratioToNoop: by('tenant wrapper') / by('bare no-op'),
      ratioToSql: by('tenant wrapper') / by('bare + same SQL'),
      ratioToWithTenant: by('tenant wrapper') / by('bare + same SQL in withTenant'),
      enqueuePerSec,
    };
  } finally {
    await watch.close();
    await client.close();
  }
}
