/**
 * `pnpm bench core`: the scoped user list of the real API against a bare Fastify + pg baseline, on a real
 * district (义乌市: 14 streets, 544 communities, 1,062 grids) with 1,000,000 rows in `app_user`, logged in as
 * the street admin of 稠城街道. Then the division benchmark (tests/bench/division.ts) on the same database.
 *
 * Targets (issue): the API serves ≥ 40 % of the bare baseline's throughput, and its p99 stays < 50 ms at 50
 * connections. Every request must answer 2xx.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { createTestDatabase, type TestDatabase } from '@civicgrid/testing';
import pg from 'pg';
import { openCoreDatabase } from '../../apps/api/src/app.ts';
import { appendOnlyTables, coreMigrations } from '../../apps/api/src/platform.ts';
import { type BenchData, buildBenchData, type Log } from './data.ts';
import { type LoadResult, load, type RunningServer, round, startServer } from './measure.ts';
import type { BareSql } from './server.ts';
import { apiStatements, bareStatements } from './sql.ts';

/**
 * Which SQL the bare route runs. Default: the API's own statements (the strict baseline: the same
 * work minus the stack); BENCH_BARE_SQL=brief runs the brief's `in (select … path <@ …)` form instead.
 */
const BARE_SQL: BareSql = process.env.BENCH_BARE_SQL === 'brief' ? 'brief' : 'api';

/**
 * Newest first, as the admin's user list asks for it. The API's default order is ascending (pageOf), and
 * the bare SQL of the brief is `order by created_at desc, id`: both servers get the explicit sort.
 */
export const USERS_PATH = '/api/v1/users?_start=0&_end=20&_sort=createdAt&_order=desc';

export interface Target {
  name: string;
  target: string;
  actual: string;
  pass: boolean;
}

export interface CoreReport {
  bench: 'core';
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; postgres: string };
  config: {
    path: string;
    connections: number;
    warmupS: number;
    durationS: number;
    poolSize: number;
    users: number;
    grids: number;
  };
  setup: Pick<BenchData, 'counts' | 'timings' | 'street'> & { sample: { total: string; capped: boolean } };
  runs: LoadResult[];
  ratio: number;
  targets: Target[];
  /** EXPLAIN ANALYZE of the route's statements on the loaded data, just before the load runs */
  plans: PlanSample[];
  division: { result?: unknown; error?: string; skipped?: boolean };
}

const envNumber = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v == null || v === '' ? Number.NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

async function serverVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  } finally {
    await c.end();
  }
}

async function login(base: string, tenant: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Both servers must answer the same page and total before their speed means anything. */
async function sameAnswer(bare: RunningServer, api: RunningServer, token: string) {
  const get = async (s: RunningServer, headers: Record<string, string> = {}) => {
    const res = await fetch(`${s.base}${USERS_PATH}`, { headers });
    if (res.status !== 200) throw new Error(`${s.kind} ${USERS_PATH}: ${res.status} ${await res.text()}`);
    const rows = (await res.json()) as Array<{ id: string }>;
    return {
      ids: rows.map((r) => r.id),
      total: res.headers.get('x-total-count') ?? '',
      capped: res.headers.get('x-total-count-capped') === 'true',
    };
  };
  const b = await get(bare);
  const a = await get(api, { authorization: `Bearer ${token}` });
  if (a.ids.length !== 20) throw new Error(`the API answered ${a.ids.length} rows, expected 20`);
  if (a.ids.join() !== b.ids.join() || a.total !== b.total || a.capped !== b.capped) {
    throw new Error(
      `bare and API disagree: bare ${b.total}${b.capped ? '+' : ''} [${b.ids.slice(0, 3)}…], ` +
        `api ${a.total}${a.capped ? '+' : ''} [${a.ids.slice(0, 3)}…]`,
    );
  }
  return { total: a.total, capped: a.capped };
}

export interface PlanSample {
  /** `app role` = as the API runs them (RLS on, tenant set in the transaction); `owner` = as bare does */
  as: 'app role' | 'owner';
  query: 'page' | 'count';
  executionMs: number;
  planningMs: number;
  /** the plan's node lines, indented as EXPLAIN prints them */
  plan: string[];
}

/**
 * The page and count statements of the route, EXPLAIN ANALYZEd once on the loaded data as the app role (in
 * a transaction that sets the tenant, like a request) and as the owner (like bare). The plans depend on
 * the random data and the statistics sample: they are in the report so a slow run can be explained.
 */
/** A plan's node names, outermost first: `Limit › Sort › Nested Loop › Seq Scan on org_unit › …`. */
export function planShape(plan: string[]): string {
  return plan
    .filter((l) => l.includes('(cost='))
    .map((l) =>
      l
        .replace(/\s+\(cost=.*$/, '')
        .replace(/^\s*(->\s*)?/, '')
        .trim(),
    )
    .filter((n) => n !== 'Result')
    .join(' › ');
}

async function samplePlans(tdb: TestDatabase, data: BenchData): Promise<PlanSample[]> {
  const statements = {
    'app role': apiStatements(data.tenantId, [data.street.path]),
    owner:
      BARE_SQL === 'brief'
        ? bareStatements(data.tenantId, [data.street.path])
        : apiStatements(data.tenantId, [data.street.path]),
  };
  const out: PlanSample[] = [];
  for (const as of ['app role', 'owner'] as const) {
    const c = new pg.Client({ connectionString: as === 'owner' ? tdb.ownerUrl : tdb.appUrl });
    await c.connect();
    try {
      await c.query('begin');
      await c.query(`select set_config('app.tenant_id', $1, true)`, [data.tenantId]);
      const st = statements[as];
      for (const query of ['page', 'count'] as const) {
        const params = query === 'page' ? [...st.params, 20, 0] : st.params;
        await c.query(st[query], params); // warm the caches once, as the warm-up would
        const lines = (
          await c.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${st[query]}`, params)
        ).rows.map((r) => r['QUERY PLAN']);
        const num = (label: string) =>
          Number(lines.find((l) => l.startsWith(label))?.match(/([\d.]+) ms/)?.[1] ?? Number.NaN);
        out.push({
          as,
          query,
          executionMs: num('Execution Time'),
          planningMs: num('Planning Time'),
          plan: lines.filter((l) => !/^(Planning|Execution)/.test(l)),
        });
      }
      await c.query('commit');
    } finally {
      await c.end();
    }
  }
  return out;
}

export async function benchCore(log: Log): Promise<CoreReport> {
  const startedAt = new Date().toISOString();
  const config = {
    path: USERS_PATH,
    connections: envNumber('BENCH_CONNECTIONS', 50),
    warmupS: envNumber('BENCH_WARMUP', 3),
    durationS: envNumber('BENCH_DURATION', 15),
    poolSize: 10,
    users: envNumber('BENCH_USERS', 1_000_000),
    grids: 1062,
  };
  // BENCH_DATABASE_URL: the server to create the throw-away database on (createTestDatabase's own
  // variable is TEST_DATABASE_URL; default the local PostgreSQL, else an embedded one).
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;

  let t0 = performance.now();
  const tdb: TestDatabase = await createTestDatabase(coreMigrations, appendOnlyTables);
  const servers: RunningServer[] = [];
  try {
    log(`database ready (migrated) in ${Math.round(performance.now() - t0)} ms`);
    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '?',
      node: process.version,
      postgres: await serverVersion(tdb.ownerUrl),
    };

    const db = await openCoreDatabase(tdb.appUrl, 2);
    let data: BenchData;
    try {
      data = await buildBenchData(db, tdb.ownerUrl, log, { grids: config.grids, users: config.users });
    } finally {
      await db.close();
    }
    log(
      `street ${data.street.name}: ${data.counts.gridsInStreet} grids, ` +
        `${data.counts.usersInStreet.toLocaleString('en')} users in scope`,
    );

    t0 = performance.now();
    const cpuProfDir = process.env.BENCH_CPU_PROF ? 'bench-results/cpu-prof' : undefined;
    const jwtSecret = randomBytes(32).toString('hex');
    const ladder = Boolean(process.env.BENCH_LADDER);
    const [bare, api, handwritten] = await Promise.all([
      startServer({
        kind: 'bare',
        url: tdb.ownerUrl,
        tenantId: data.tenantId,
        scopePaths: [data.street.path],
        poolSize: config.poolSize,
        sql: BARE_SQL,
      }),
      startServer({ kind: 'api', appUrl: tdb.appUrl, jwtSecret, poolSize: config.poolSize }, { cpuProfDir }),
      ladder
        ? startServer({ kind: 'handwritten', appUrl: tdb.appUrl, jwtSecret, poolSize: config.poolSize })
        : undefined,
    ]);
    servers.push(bare, api, ...(handwritten ? [handwritten] : []));
    log(
      `servers listening (bare :${bare.port}, api :${api.port}) in ${Math.round(performance.now() - t0)} ms`,
    );

    const token = await login(
      api.base,
      data.tenantCode,
      data.streetAdmin.username,
      data.streetAdmin.password,
    );
    const auth = { authorization: `Bearer ${token}` };
    const sample = await sameAnswer(bare, api, token);
    log(`bare and API agree: 20 rows, x-total-count ${sample.total}${sample.capped ? ' (capped)' : ''}`);
    const plans = await samplePlans(tdb, data);
    for (const p of plans) {
      log(
        `plan ${p.query} as ${p.as}: ${p.executionMs} ms (+${p.planningMs} ms planning): ${planShape(p.plan)}`,
      );
    }

    const database = new URL(tdb.ownerUrl).pathname.slice(1);
    const runs: LoadResult[] = [];
    const order: Array<[RunningServer, Record<string, string> | undefined]> = [
      [bare, undefined],
      ...(handwritten ? [[handwritten, auth] as [RunningServer, Record<string, string>]] : []),
      [api, auth],
    ];
    for (const [s, headers] of order) {
      const common = { url: `${s.base}${USERS_PATH}`, headers, connections: config.connections };
      log(`${s.kind}: warm-up ${config.warmupS} s`);
      const w = await load({ ...common, name: `${s.kind} warm-up`, durationS: config.warmupS });
      if (w.errors || w.non2xx) log(`${s.kind}: warm-up had ${w.errors} errors, ${w.non2xx} non-2xx`);
      log(`${s.kind}: measuring ${config.durationS} s at ${config.connections} connections`);
      const r = await load({
        ...common,
        name: s.kind,
        durationS: config.durationS,
        serverPid: s.pid,
        database,
      });
      log(
        `${s.kind}: ${r.requestsPerSec} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms ` +
          `(cores: server ${r.cpuCores.server}, postgres ${r.cpuCores.postgres}, other ${r.cpuCores.other})`,
      );
      runs.push(r);
    }
    await Promise.all(servers.map((s) => s.stop()));
    servers.length = 0;

    const b = runs.find((r) => r.name === 'bare')!;
    const a = runs.find((r) => r.name === 'api')!;
    const ratio = round(a.requestsPerSec / b.requestsPerSec, 3);
    const targets: Target[] = [
      {
        name: 'API throughput vs bare',
        target: '≥ 40 %',
        actual: `${round(ratio * 100)} %`,
        pass: ratio >= 0.4,
      },
      {
        name: `API p99 at ${config.connections} connections`,
        target: '< 50 ms',
        actual: `${a.latencyMs.p99} ms`,
        pass: a.latencyMs.p99 < 50,
      },
      {
        name: 'errors + timeouts + non-2xx, every run',
        target: '0',
        actual: String(runs.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0)),
        pass: runs.every((r) => r.errors + r.timeouts + r.non2xx === 0),
      },
    ];

    // The division benchmark (another module's numbers, same run, same database server).
    const division: CoreReport['division'] = {};
    if (process.env.BENCH_DIVISION === '0') division.skipped = true;
    else
      try {
        const { benchDivision } = await import('./division.ts');
        log('division benchmark…');
        division.result = await benchDivision({
          ownerUrl: tdb.ownerUrl,
          appUrl: tdb.appUrl,
          log,
          // Where the ratio's gap comes from: the same load into a table with org_unit's indexes.
          indexedBaseline: process.env.BENCH_DIVISION_INDEXED !== '0',
        });
      } catch (e) {
        division.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
        log(`division benchmark failed: ${division.error}`);
      }

    return {
      bench: 'core',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      config,
      setup: { counts: data.counts, timings: data.timings, street: data.street, sample },
      plans,
      runs,
      ratio,
      targets,
      division,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    if (process.env.BENCH_KEEP_DB) {
      log(`BENCH_KEEP_DB: kept the database — owner ${tdb.ownerUrl}, app ${tdb.appUrl}`);
    } else {
      await tdb.drop().catch((e) => log(`could not drop the bench database: ${e}`));
      log('bench database dropped');
    }
  }
}
