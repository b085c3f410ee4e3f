import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { citusPlan, citusScript } from '@civicgrid/db';
import { createTestDatabase, type TestDatabase } from '@civicgrid/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../../apps/api/src/app.ts';
import { appendOnlyTables } from '../../apps/api/src/platform.ts';

const SCRIPT = fileURLToPath(new URL('../../infra/citus/distribute.sql', import.meta.url));
let db: TestDatabase;
let client: pg.Client;
/** A database of its own with the product's migrations only: the run's also gets the job tests' tables. */
beforeAll(async () => {
  db = await createTestDatabase(allMigrations(), appendOnlyTables);
  client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('the schema on Citus', () => {
  it('distributes every tenant table by tenant_id: each key holds it, no global table points into tenant data', async () => {
    const plan = await citusPlan(client);
    expect(plan.problems).toEqual([]);
    expect(plan.referenceTables).toEqual(expect.arrayContaining(['tenant', 'platform_operator']));
    // Every table under row-level security is a tenant table, hence distributed.
    const rls = (
      await client.query<{ name: string }>(
        `select relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r' and c.relforcerowsecurity`,
      )
    ).rows.map((r) => r.name);
    expect(rls.length).toBeGreaterThan(20);
    expect(plan.distributedTables).toEqual(expect.arrayContaining(rls));
    // Keys between tenant tables are set aside while distributing, then restored as they were.
    const household = plan.tenantForeignKeys.filter((k) => k.table === 'resident' || k.table === 'household');
    expect(household.length).toBeGreaterThan(0);
    for (const k of plan.tenantForeignKeys)
      expect(k.definition, k.name).toMatch(/^FOREIGN KEY \(.*tenant_id/);
  });

  it('the committed script is the one this schema generates', async () => {
    const generated = citusScript(await citusPlan(client));
    const committed = readFileSync(SCRIPT, 'utf8');
    expect(
      committed,
      'infra/citus/distribute.sql is stale: DATABASE_URL=<a migrated database> pnpm citus:script > infra/citus/distribute.sql',
    ).toBe(generated);
  });

  it('names each key that would not survive distribution, and refuses to write a script', async () => {
    await client.query('begin');
    try {
      await client.query(`create schema citus_probe;
        set local search_path = citus_probe;
        create table g (id uuid primary key);
        create table t1 (tenant_id uuid, id uuid primary key);
        create table t2 (tenant_id uuid, id uuid, code text unique, primary key (tenant_id, id));
        create unique index t2_code_lower on t2 (lower(code));
        create table t3 (tenant_id uuid, id uuid, t1 uuid references t1 (id), primary key (tenant_id, id));
        create table t4 (tenant_id uuid, id uuid, other uuid, primary key (tenant_id, id),
          constraint t4_crossed foreign key (other, tenant_id) references t2 (tenant_id, id));
        create table g2 (id uuid primary key, t2_tenant uuid, t2 uuid,
          constraint g2_into_tenant foreign key (t2_tenant, t2) references t2 (tenant_id, id));
        create table t5 (tenant_id uuid, note text);`);
      const plan = await citusPlan(client, 'citus_probe');
      expect(plan.problems.sort()).toEqual(
        [
          't1: t1_pkey (id) does not include tenant_id',
          't2: t2_code_key (code) does not include tenant_id',
          't2: t2_code_lower () does not include tenant_id',
          't3: t3_t1_fkey → t1 does not match tenant_id to tenant_id',
          't4: t4_crossed → t2 does not match tenant_id to tenant_id',
          'g2: a global table references the tenant table t2 (g2_into_tenant)',
          't5: a tenant table without a primary key',
        ].sort(),
      );
      expect(plan.referenceTables).toEqual(['g', 'g2']);
      expect(() => citusScript(plan)).toThrow(/t4_crossed → t2/);
      expect(plan.tenantForeignKeys.map((k) => k.name).sort()).toEqual(['t3_t1_fkey', 't4_crossed']);
    } finally {
      await client.query('rollback');
    }
  });
});
