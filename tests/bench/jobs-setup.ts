/** The benchmark's database, tenants and plugins for `pnpm bench jobs` (tests/bench/jobs.ts). */
import { randomBytes } from 'node:crypto';
import { type Database, DEFAULT_APP_ROLE, openDatabase, type Tx } from '@civicgrid/db';
import { type JobBackendConfig, prepareJobBackend } from '@civicgrid/jobs';
import { defineServerPlugin, type JobContext, type JobData } from '@civicgrid/kernel';
import { saveModule } from '@civicgrid/tenancy';
import { createBareTenant, createTestDatabase, type TestDatabase } from '@civicgrid/testing';
import { Redis } from 'ioredis';
import { appendOnlyTables, coreEntities, coreMigrations } from '../../apps/api/src/platform.ts';

export const TENANTS = 20;

/** The one row a job touches, in its tenant transaction: read it, write it back. */
export async function touchItem(tx: Tx, tenantId: string, item: number) {
  const [row] = await tx.query<{ hits: number }>(
    'select hits from bench_item where tenant_id = ? and id = ?',
    [tenantId, item],
    { prepare: true },
  );
  await tx.query(
    'update bench_item set hits = ? where tenant_id = ? and id = ?',
    [(row?.hits ?? 0) + 1, tenantId, item],
    {
      prepare: true,
    },
  );
}

export const touchPlugin = defineServerPlugin({
  id: 'bench-touch',
  version: '0.0.1',
  title: { 'zh-CN': '基准', en: 'Bench' },
  jobs: [
    {
      name: 'touch',
      attempts: 1,
      process: (ctx: JobContext) =>
        touchItem(ctx.tx, ctx.tenantId, (ctx.data as JobData & { item: number }).item),
    },
  ],
});

/** Every second for each tenant that has it on: the latency run reads the firings back from job_run. */
export const tickPlugin = defineServerPlugin({
  id: 'bench-tick',
  version: '0.0.1',
  title: { 'zh-CN': '定时基准', en: 'Schedule bench' },
  jobs: [{ name: 'tick', schedule: { cron: '* * * * * *' }, attempts: 1, process: async () => {} }],
});

export interface BenchDb {
  tdb: TestDatabase;
  db: Database;
  tenants: string[];
  close(): Promise<void>;
}

/** A throw-away database with the core schema, the bench table and TENANTS tenants of `items` rows each. */
export async function benchDatabase(items: number): Promise<BenchDb> {
  const tdb = await createTestDatabase(
    [...coreMigrations, { source: 'bench:jobs', dir: new URL('./jobs-sql/', import.meta.url) }],
    appendOnlyTables,
  );
  const db = await openDatabase(tdb.appUrl, coreEntities, 50);
  const tenants: string[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const t = await createBareTenant(db, { prefix: 'bench', rootCode: null });
    await db.withTenant(t.tenantId, async (tx) => {
      await saveModule(tx, 'bench-touch', true, {});
      await tx.query('insert into bench_item (tenant_id, id) select ?, g from generate_series(0, ?) g', [
        t.tenantId,
        items - 1,
      ]);
    });
    tenants.push(t.tenantId);
  }
  return {
    tdb,
    db,
    tenants,
    async close() {
      await db.close();
      await tdb.drop();
    },
  };
}

export interface BenchBackend {
  cfg: JobBackendConfig;
  prefix: string;
  drop(): Promise<void>;
}

export async function benchBackend(kind: 'redis' | 'postgres', tdb: TestDatabase): Promise<BenchBackend> {
  const tag = randomBytes(4).toString('hex');
  if (kind === 'postgres') {
    const cfg: JobBackendConfig = { kind, url: tdb.appUrl };
    await prepareJobBackend(cfg, tdb.ownerUrl, DEFAULT_APP_ROLE);
    return { cfg, prefix: '', drop: async () => {} };
  }
  const url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/5';
  const prefix = `{bench-${tag}}`;
  return {
    cfg: { kind, url },
    prefix,
    async drop() {
      const r = new Redis(url);
      const keys = await r.keys(`${prefix}:*`);
      if (keys.length) await r.del(...keys);
      r.disconnect();
    },
  };
}
