import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Database, DEFAULT_APP_ROLE, migrate, openDatabase } from '@civicgrid/db';
import { type JobBackendConfig, prepareJobBackend } from '@civicgrid/jobs';
import { saveModule } from '@civicgrid/tenancy';
import { createBareTenant } from '@civicgrid/testing';
import { createPostgresBackend, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';
import { coreEntities } from '../../apps/api/src/platform.ts';
import { jobTestMigrations } from './job-plugins.ts';

export type BackendKind = 'redis' | 'postgres';
export const BACKENDS: BackendKind[] = ['redis', 'postgres'];

export interface TestBackend {
  kind: BackendKind;
  cfg: JobBackendConfig;
  /** Redis key prefix (the PostgreSQL backend namespaces by schema instead). */
  prefix: string;
  drop(): Promise<void>;
}

const tag = () => randomBytes(4).toString('hex');

/** The run's Redis (global setup made sure one answers), in database number `db`. */
export function testRedisUrl(db: number): string {
  const u = new URL(inject('redisUrl'));
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * A queue namespace of its own for one test file and backend: a Redis key prefix (in `redisDb`), or a
 * PostgreSQL schema prepared as the API prepares the default one. Dropped at the end.
 */
export async function testBackend(kind: BackendKind, name: string, redisDb = 6): Promise<TestBackend> {
  const { ownerUrl, appUrl } = inject('db');
  const id = `${name}_${tag()}`;
  if (kind === 'redis') {
    const url = testRedisUrl(redisDb);
    const prefix = `{jt-${id}}`;
    return {
      kind,
      cfg: { kind, url },
      prefix,
      async drop() {
        const r = new Redis(url);
        try {
          const keys = await r.keys(`${prefix}:*`);
          if (keys.length) await r.del(...keys);
        } finally {
          r.disconnect();
        }
      },
    };
  }
  const schema = `bq_${id}`;
  const cfg: JobBackendConfig = { kind, url: appUrl, schema };
  await prepareJobBackend(cfg, ownerUrl, DEFAULT_APP_ROLE);
  return {
    kind,
    cfg,
    prefix: '',
    drop: async () => {
      await asOwner((c) => c.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

export async function asOwner<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject('db').ownerUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The app-role database with the test plugins' tables migrated. */
export async function openJobTestDatabase(poolSize = 12): Promise<Database> {
  const { ownerUrl, appUrl } = inject('db');
  await migrate(ownerUrl, [jobTestMigrations]);
  return openDatabase(appUrl, coreEntities, poolSize);
}

/** A bare tenant with the given modules switched on (the row only: no lifecycle hooks involved). */
export async function jobTenant(
  db: Database,
  modules: string[],
  opts: { timezone?: string; subjects?: number } = {},
) {
  const t = await createBareTenant(db, { prefix: 'jt', rootCode: null });
  await db.withTenant(t.tenantId, async (tx) => {
    if (opts.timezone)
      await tx.query('update tenant set timezone = ? where id = ?', [opts.timezone, t.tenantId]);
    for (const m of modules) await saveModule(tx, m, true, {});
    if (opts.subjects)
      await tx.query(
        `insert into jt_subject (tenant_id, kind, weight) select ?, 'subject', g from generate_series(1, ?) g`,
        [t.tenantId, opts.subjects],
      );
  });
  return t.tenantId;
}

export const setModule = (db: Database, tenantId: string, module: string, on: boolean) =>
  db.withTenant(tenantId, (tx) => saveModule(tx, module, on, {}));

export const setTenantStatus = (db: Database, tenantId: string, status: 'active' | 'suspended') =>
  db.withPlatform((tx) => tx.query('update tenant set status = ? where id = ?', [status, tenantId]));

export interface RunRow {
  id: string;
  plugin: string;
  job: string;
  queueJobId: string;
  period: string | null;
  state: string;
  progress: number;
  attempts: number;
  error: string | null;
}

export const runsOf = (db: Database, tenantId: string) =>
  db.withTenant(tenantId, (tx) =>
    tx.query<RunRow>(
      `select id, plugin, job, queue_job_id as "queueJobId", period, state, progress, attempts, error
       from job_run where tenant_id = ? order by created_at, id`,
      [tenantId],
    ),
  );

export const rowsOf = <R = Record<string, unknown>>(db: Database, tenantId: string, sql: string) =>
  db.withTenant(tenantId, (tx) => tx.query<R>(sql));

/** Polls until `fn` returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export const runIn = async (db: Database, tenantId: string, jobId: string) =>
  (await runsOf(db, tenantId)).find((r) => r.queueJobId === jobId);

/** Waits until the run of `jobId` has reached one of `states`. */
export const runReaches = (db: Database, tenantId: string, jobId: string, ...states: string[]) =>
  waitFor(`run ${jobId} to be ${states.join('/')}`, async () => {
    const r = await runIn(db, tenantId, jobId);
    return r && states.includes(r.state) ? r : null;
  });

/** A bare BullMQ queue on a test backend: for poking at the queue behind the job system's back. */
export function rawQueue(backend: TestBackend, name: string): { queue: Queue; close(): Promise<void> } {
  if (backend.cfg.kind === 'redis') {
    const redis = new Redis(backend.cfg.url, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection: redis, prefix: backend.prefix });
    return {
      queue,
      async close() {
        await queue.close();
        redis.disconnect();
      },
    };
  }
  const queue = new Queue(
    name,
    { connection: { connectionString: backend.cfg.url, schema: backend.cfg.schema, max: 2 } },
    createPostgresBackend,
  ) as unknown as Queue;
  return { queue, close: () => queue.close() };
}

/**
 * A real worker process running `entry` (node + tsx's loader: one process, so SIGKILL hits the worker
 * itself) on the test database and `backend`; resolves once it prints `ready`. `env` adds to its
 * environment; `onStdout` sees everything it prints on stdout, from the first line.
 */
export async function spawnTestWorker(
  entry: string,
  backend: TestBackend,
  opts: { env?: NodeJS.ProcessEnv; onStdout?: (text: string) => void } = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: {
      ...process.env,
      DATABASE_APP_URL: inject('db').appUrl,
      JT_BACKEND: JSON.stringify(backend.cfg),
      JT_PREFIX: backend.prefix,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d) => {
    out += d;
  });
  if (opts.onStdout) child.stdout!.on('data', (d) => opts.onStdout!(String(d)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${out}`)));
  });
  return child;
}

/** How a child process ended (at once if it already has). */
export const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
