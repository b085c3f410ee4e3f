/**
 * `pnpm bench events`: the events module at a city's scale, in a throw-away database.
 *
 * 1. A tenant (5 streets × 4 communities × 10 grids) with BENCH_EVENTS (1,000,000) events over the past
 *    year, generated set-based in SQL as the owner (older than 20 days: closed, half with a follow-up
 *    verdict, a tenth with an escalation; the last 20 days: open in every status, with deadlines).
 * 2. Through the real API (app.inject, in process, one request at a time): a grid worker's "my tasks"
 *    (`GET /m/events/events?mine=true&_sort=urgency`, 20 rows + capped count) and a street admin's three
 *    rates (`GET /m/events/metrics`, the street and its communities, last BENCH_METRICS_DAYS days: whole
 *    days from the rollup `events_unit_day`, the edges from the events);
 *    beside each, the same query written by hand on a bare pg client (owner, tenant set, no auth,
 *    transaction, scope or ORM). p50 / p99 / max after a warm-up.
 * 3. BENCH_DEADLINES (100,000) open events, each with a live deadline: one delayed job per deadline on
 *    Redis, due from BENCH_DEADLINE_LEAD_S (120) s on, spread over BENCH_DEADLINE_WINDOW_S (6,000) s; a real
 *    worker (own process, the API's plugins, WORKER_CONCURRENCY 8) runs for BENCH_DEADLINE_MEASURE_S (120)
 *    s after the first is due. Lateness = fired_at − due_at of the deadlines that came due (median, p99,
 *    max; any due and not fired is counted), and the worker's peak RSS sampled every 200 ms.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { provisionTenant } from '@civicgrid/http';
import { createUser } from '@civicgrid/identity';
import { WORKER_NODE_FLAGS } from '@civicgrid/jobs';
import { createUnit } from '@civicgrid/tenancy';
import { createTestDatabase } from '@civicgrid/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { allMigrations, createApi, openCoreDatabase, pluginHost } from '../../apps/api/src/app.ts';
import { appendOnlyTables } from '../../apps/api/src/platform.ts';
import { splitRange } from '../../plugins/events/src/server/routes/metrics.ts';
import { BENCH_ACTOR, BENCH_PASSWORD, envNumber, ms } from './data.ts';
import { BARE_METRICS, BARE_MY_TASKS, generateEvents, generateOpenDeadlines } from './events-sql.ts';

const env = process.env;
const num = envNumber;
const PASSWORD = BENCH_PASSWORD;

interface Latency {
  p50: number;
  p99: number;
  max: number;
  n: number;
}
function latency(xs: number[]): Latency {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! * 10) / 10;
  return { p50: q(0.5), p99: q(0.99), max: q(1), n: s.length };
}
async function timed(n: number, warm: number, fn: () => Promise<void>): Promise<Latency> {
  for (let i = 0; i < warm; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return latency(xs);
}

export type EventsReport = Awaited<ReturnType<typeof benchEvents>>;

export async function benchEvents(log: (m: string) => void) {
  const cfg = {
    events: num('BENCH_EVENTS', 1_000_000),
    requests: num('BENCH_REQUESTS', 300),
    metricsRequests: num('BENCH_METRICS_REQUESTS', 60),
    metricsDays: num('BENCH_METRICS_DAYS', 30),
    deadlines: num('BENCH_DEADLINES', 100_000),
    leadS: num('BENCH_DEADLINE_LEAD_S', 120),
    windowS: num('BENCH_DEADLINE_WINDOW_S', 6000),
    measureS: num('BENCH_DEADLINE_MEASURE_S', 120),
    concurrency: num('WORKER_CONCURRENCY', 8),
  };
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const timings: Record<string, number> = {};
  if (env.BENCH_DATABASE_URL) env.TEST_DATABASE_URL = env.BENCH_DATABASE_URL;
  const host = pluginHost();
  const tdb = await createTestDatabase(allMigrations(host), appendOnlyTables);
  const db = await openCoreDatabase(tdb.appUrl, 4, host);
  const app = await createApi(db, {
    plugins: host,
    jwtSecret: randomBytes(32).toString('hex'),
    loginLimits: { perIp: 100_000, perAccount: 100_000 },
  });
  await app.ready();
  const owner = new pg.Client({ connectionString: tdb.ownerUrl });
  await owner.connect();
  try {
    let t0 = performance.now();
    const { tenant, rootUnitId, roleIds } = await provisionTenant(db, BENCH_ACTOR, {
      code: 'events-bench',
      name: '义乌市',
      admin: { username: 'admin', displayName: '管理员', password: PASSWORD },
    });
    const tenantId = tenant.id;
    const units = await db.withTenant(tenantId, async (tx) => {
      const streets: string[] = [];
      const grids: string[] = [];
      for (let s = 1; s <= 5; s++) {
        const street = (await createUnit(tx, { parentId: rootUnitId, kind: 'street', name: `街道${s}` })).id;
        streets.push(street);
        for (let c = 1; c <= 4; c++) {
          const comm = (await createUnit(tx, { parentId: street, kind: 'community', name: `社区${s}-${c}` }))
            .id;
          for (let g = 1; g <= 10; g++)
            grids.push(
              (
                await createUnit(tx, {
                  parentId: comm,
                  kind: 'grid',
                  gridTier: 'general',
                  gridType: 'residential',
                  name: `网格${s}-${c}-${g}`,
                })
              ).id,
            );
        }
      }
      const staff = async (username: string, unit: string, role: string) => {
        const u = await createUser(tx, {
          username,
          displayName: username,
          orgUnitId: unit,
          password: PASSWORD,
        });
        await tx.query(
          `insert into role_grant (tenant_id, user_id, role_id, org_unit_id) values (?, ?, ?, ?)`,
          [tenantId, u.id, roleIds.get(role), unit],
        );
      };
      await staff('worker1', grids[0]!, 'grid-worker');
      await staff('street1', streets[0]!, 'street-admin');
      return { streets, grids };
    });
    const token = async (username: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { tenant: 'events-bench', username, password: PASSWORD },
        })
      ).json().accessToken as string;
    const admin = await token('admin');
    const on = await app.inject({
      method: 'PUT',
      url: '/api/v1/modules/events',
      headers: { authorization: `Bearer ${admin}` },
      payload: { enabled: true },
    });
    if (on.statusCode !== 200) throw new Error(`enable events: ${on.body}`);
    timings.tenant = ms(t0);

    t0 = performance.now();
    const now = new Date();
    const counts = await generateEvents(owner, tenantId, units.grids, cfg.events, now, log);
    timings.generate = ms(t0);
    t0 = performance.now();
    await owner.query('vacuum analyze');
    timings.vacuumAnalyze = ms(t0);
    log(`${cfg.events.toLocaleString('en')} events in ${timings.generate} ms (${JSON.stringify(counts)})`);

    // 2. The two reads, API vs hand-written SQL.
    const worker = await token('worker1');
    const street = await token('street1');
    const get = (tok: string, url: string) => async () => {
      const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tok}` } });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    };
    await owner.query(`select set_config('app.tenant_id', $1, false)`, [tenantId]);
    const myTasksUrl = '/api/v1/m/events/events?mine=true&_sort=urgency&_order=asc&_start=0&_end=20';
    const myTasksRows = (
      await app.inject({ method: 'GET', url: myTasksUrl, headers: { authorization: `Bearer ${worker}` } })
    ).headers['x-total-count'];
    const from = new Date(now.getTime() - cfg.metricsDays * 86_400_000).toISOString();
    const to = now.toISOString();
    const metricsUrl = `/api/v1/m/events/metrics?orgUnitId=${units.streets[0]}&from=${from}&to=${to}`;
    const [{ path_key: pathKey }] = (
      await owner.query(`select path_key from org_unit where id = $1`, [units.streets[0]])
    ).rows;
    const split = splitRange(new Date(from), new Date(to));
    log('measuring my tasks and the three rates');
    const reads = {
      myTasksApi: await timed(cfg.requests, 30, get(worker, myTasksUrl)),
      myTasksSql: await timed(cfg.requests, 30, async () => {
        await owner.query(BARE_MY_TASKS.page, [tenantId, units.grids[0]]);
        await owner.query(BARE_MY_TASKS.count, [tenantId, units.grids[0]]);
      }),
      metricsApi: await timed(cfg.metricsRequests, 5, get(street, metricsUrl)),
      metricsSql: await timed(cfg.metricsRequests, 5, async () => {
        await owner.query(BARE_METRICS, [
          tenantId,
          ...(split.days ?? ['2000-01-01', '2000-01-01']),
          ...split.edges,
          pathKey,
          `${pathKey}g`,
          units.streets[0],
        ]);
      }),
    };
    log(JSON.stringify(reads));

    // 3. Deadlines on Redis, fired by a real worker in its own process.
    const deadlines = await benchDeadlines(owner, tdb.appUrl, tenantId, units.grids, cfg, log);
    return {
      startedAt,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, loadAtStart },
      config: { ...cfg, grids: units.grids.length, myTasksTotal: myTasksRows },
      counts,
      timings,
      reads,
      deadlines,
      loadAtEnd: loadavg(),
    };
  } finally {
    await owner.end().catch(() => {});
    await app.close();
    await db.close();
    if (!env.BENCH_KEEP_DB) await tdb.drop();
  }
}

type Cfg = { deadlines: number; leadS: number; windowS: number; measureS: number; concurrency: number };

async function benchDeadlines(
  owner: pg.Client,
  appUrl: string,
  tenantId: string,
  grids: string[],
  cfg: Cfg,
  log: (m: string) => void,
) {
  const redisUrl = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `{bench-events-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('events', { connection: redis, prefix });
  let t0 = performance.now();
  const firstDue = Date.now() + cfg.leadS * 1000;
  const rows = await generateOpenDeadlines(owner, tenantId, grids, cfg.deadlines, firstDue, cfg.windowS);
  const insertMs = ms(t0);
  t0 = performance.now();
  for (let i = 0; i < rows.length; i += 1000) {
    await queue.addBulk(
      rows.slice(i, i + 1000).map((d) => ({
        name: 'deadline',
        data: { tenantId, deadlineId: d.id, version: 1 },
        opts: {
          jobId: `dl-${d.id}-v1`,
          delay: Math.max(0, d.due - Date.now()),
          attempts: 5,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 86_400 },
        },
      })),
    );
  }
  const enqueueMs = ms(t0);
  log(`${rows.length.toLocaleString('en')} deadlines: rows ${insertMs} ms, delayed jobs ${enqueueMs} ms`);
  if (Date.now() > firstDue - 5000) log('warning: the first deadlines were due before the worker started');

  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '--import', 'tsx', fileURLToPath(new URL('./events-worker.ts', import.meta.url))],
    {
      env: {
        ...env,
        BENCH_APP_URL: appUrl,
        BENCH_REDIS_URL: redisUrl,
        BENCH_PREFIX: prefix,
        WORKER_CONCURRENCY: String(cfg.concurrency),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
  let peakRss = 0;
  const rss = () => {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
  };
  const sampler = setInterval(() => {
    try {
      rss();
    } catch {}
  }, 200);
  const end = firstDue + cfg.measureS * 1000;
  log(`worker up; measuring until ${new Date(end).toISOString()}`);
  await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())));
  clearInterval(sampler);
  // Deadlines due more than 5 s before the end: each fired, or counted as not fired.
  const cut = new Date(end - 5000);
  const { rows: fired } = await owner.query<{ late: number }>(
    `select extract(epoch from fired_at - due_at) * 1000 as late from events_deadline
      where tenant_id = $1 and stage = 'accept' and due_at >= $2 and due_at < $3 and fired_at is not null`,
    [tenantId, new Date(firstDue), cut],
  );
  const { rows: missed } = await owner.query<{ n: number }>(
    `select count(*)::int as n from events_deadline where tenant_id = $1 and stage = 'accept'
        and due_at >= $2 and due_at < $3 and fired_at is null and done_at is null`,
    [tenantId, new Date(firstDue), cut],
  );
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  const late = latency(fired.map((r) => Number(r.late)));
  return {
    deadlines: rows.length,
    insertMs,
    enqueueMs,
    dueInWindow: fired.length + missed[0]!.n,
    fired: fired.length,
    notFired: missed[0]!.n,
    latenessMs: late,
    workerPeakRssMb: Math.round(peakRss / 1048576),
  };
}
