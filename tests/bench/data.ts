/**
 * Bench data: one real district (义乌市, 330782) with its real streets and communities, 1,062 general grids
 * under the communities and 1,000,000 staff rows in `app_user` spread over the grids. Everything bulk is
 * set-based SQL (`insert … select … from generate_series`) as the owner; the tenant, the division import
 * and the street admin go through the product's own code (provisionTenant, importDivision, createUser).
 */
import type { AuditActor } from '@civicgrid/audit';
import type { Database } from '@civicgrid/db';
import { importDivision } from '@civicgrid/division';
import { provisionTenant } from '@civicgrid/http';
import { createUser, hashPassword } from '@civicgrid/identity';
import pg from 'pg';

export type Log = (msg: string) => void;

export const BENCH_TENANT = 'yiwu-bench';
export const BENCH_DISTRICT = '330782';
/** 稠城街道: the street whose admin the benchmark logs in as. */
export const BENCH_STREET = { code: '330782001', name: '稠城街道' } as const;
export const BENCH_PASSWORD = 'Bench-pass-2026';
export const STREET_ADMIN = 'chengcheng.admin';

/** The actor the benchmarks' setup writes as (audit rows, provisioning). */
export const BENCH_ACTOR: AuditActor = {
  kind: 'system',
  id: null,
  name: 'bench',
  ip: null,
  userAgent: null,
  requestId: null,
};

export interface SetupOptions {
  grids: number;
  users: number;
}

export interface BenchData {
  tenantId: string;
  tenantCode: string;
  rootUnitId: string;
  street: { id: string; name: string; code: string | null; path: string };
  streetAdmin: { id: string; username: string; password: string };
  counts: {
    streets: number;
    communities: number;
    grids: number;
    users: number;
    gridsInStreet: number;
    usersInStreet: number;
  };
  /** milliseconds per phase */
  timings: Record<string, number>;
}

/** Whole milliseconds since `t0` (performance.now()). */
export const ms = (t0: number) => Math.round(performance.now() - t0);
/** A size or count from the environment, else the default. */
export const envNumber = (k: string, d: number) => Number(process.env[k] ?? d);

/** Runs `fn` as the owner in one transaction that sets the tenant (RLS is FORCEd, the owner included). */
async function asOwnerInTenant<T>(ownerUrl: string, tenantId: string, fn: (c: pg.Client) => Promise<T>) {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    await c.query('begin');
    await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    const out = await fn(c);
    await c.query('commit');
    return out;
  } catch (e) {
    await c.query('rollback').catch(() => {});
    throw e;
  } finally {
    await c.end();
  }
}

export async function buildBenchData(
  db: Database,
  ownerUrl: string,
  log: Log,
  opts: SetupOptions = { grids: 1062, users: 1_000_000 },
): Promise<BenchData> {
  const timings: Record<string, number> = {};

  let t0 = performance.now();
  const { tenant, rootUnitId, roleIds } = await provisionTenant(db, BENCH_ACTOR, {
    code: BENCH_TENANT,
    name: '义乌市',
    divisionCode: BENCH_DISTRICT,
    admin: { username: 'admin', displayName: '平台管理员', password: BENCH_PASSWORD },
  });
  timings.provisionTenant = ms(t0);

  t0 = performance.now();
  const imported = await db.withTenant(tenant.id, (tx) =>
    importDivision(tx, { rootUnitId, districtCode: BENCH_DISTRICT }),
  );
  timings.importDivision = ms(t0);
  log(
    `division ${BENCH_DISTRICT}: ${imported.streets} streets, ${imported.communities} communities ` +
      `(${imported.inserted} inserted) in ${timings.importDivision} ms`,
  );

  // Grids: round-robin over the communities (in path order), so every community gets ⌊n/c⌋ or ⌈n/c⌉.
  t0 = performance.now();
  const grids = await asOwnerInTenant(ownerUrl, tenant.id, async (c) => {
    const r = await c.query(
      `with comm as (
         select id, name, path, row_number() over (order by path) - 1 as k, count(*) over () as n
         from org_unit where tenant_id = $1 and kind = 'community'),
       g as (
         select gen_random_uuid() as gid, i from generate_series(0, $2::int - 1) i)
       insert into org_unit (tenant_id, id, parent_id, kind, name, path, grid_tier, grid_type, household_count)
       select $1, g.gid, comm.id, 'grid', left(comm.name, 80) || '第' || (g.i / comm.n + 1) || '网格',
              comm.path || replace(g.gid::text, '-', '')::ltree, 'general', 'residential',
              200 + (random() * 40)::int
       from g join comm on comm.k = g.i % comm.n`,
      [tenant.id, opts.grids],
    );
    return r.rowCount ?? 0;
  });
  timings.grids = ms(t0);
  log(`${grids} grids in ${timings.grids} ms`);

  // One argon2id hash for every generated row: hashing a million passwords would measure argon2, not us.
  const hash = await hashPassword(BENCH_PASSWORD);
  t0 = performance.now();
  const users = await asOwnerInTenant(ownerUrl, tenant.id, async (c) => {
    const r = await c.query(
      `with gr as (
         select array_agg(id order by path) as ids, count(*)::int as n
         from org_unit where tenant_id = $1 and kind = 'grid')
       insert into app_user (tenant_id, id, org_unit_id, username, display_name, phone, status, password_hash,
                             created_at, updated_at)
       select $1, gen_random_uuid(), gr.ids[(i % gr.n) + 1], 'u' || i, '网格员' || i,
              '13' || lpad((i::bigint * 7919 % 1000000000)::text, 9, '0'),
              case when i % 37 = 0 then 'disabled' else 'active' end, $2,
              ts, ts + random() * interval '30 days'
       from gr, (select i, now() - interval '3 years' * random() as ts from generate_series(1, $3::int) i) s`,
      [tenant.id, hash, opts.users],
    );
    return r.rowCount ?? 0;
  });
  timings.users = ms(t0);
  log(`${users.toLocaleString('en')} app_user rows in ${timings.users} ms`);

  // Analyze (the brief) and vacuum: autovacuum would get there soon after a bulk load; without the
  // visibility map the capped count cannot use an index-only scan and both servers would pay for it.
  t0 = performance.now();
  {
    const c = new pg.Client({ connectionString: ownerUrl });
    await c.connect();
    try {
      await c.query('vacuum (analyze) app_user');
      await c.query('vacuum (analyze) org_unit');
    } finally {
      await c.end();
    }
  }
  timings.vacuumAnalyze = ms(t0);
  log(`vacuum analyze in ${timings.vacuumAnalyze} ms`);

  // The street admin, through the product's own code path.
  t0 = performance.now();
  const admin = await db.withTenant(tenant.id, async (tx) => {
    const [street] = await tx.query<{ id: string; name: string; code: string | null; path: string }>(
      `select id, name, code, path::text as path from org_unit
       where tenant_id = ? and kind = 'street' and (code = ? or name = ?) order by (code = ?) desc nulls last limit 1`,
      [tx.tenantId, BENCH_STREET.code, BENCH_STREET.name, BENCH_STREET.code],
    );
    if (!street) throw new Error(`street ${BENCH_STREET.name} (${BENCH_STREET.code}) was not imported`);
    const u = await createUser(tx, {
      orgUnitId: street.id,
      username: STREET_ADMIN,
      displayName: '稠城街道管理员',
      password: BENCH_PASSWORD,
    });
    await tx.query(`insert into role_grant (tenant_id, user_id, role_id, org_unit_id) values (?, ?, ?, ?)`, [
      tx.tenantId,
      u.id,
      roleIds.get('street-admin'),
      street.id,
    ]);
    const [n] = await tx.query<Record<string, number>>(
      `select
         (select count(*)::int from org_unit where tenant_id = ? and kind = 'street') as streets,
         (select count(*)::int from org_unit where tenant_id = ? and kind = 'community') as communities,
         (select count(*)::int from org_unit where tenant_id = ? and kind = 'grid') as grids,
         (select count(*)::int from app_user where tenant_id = ?) as users,
         (select count(*)::int from org_unit where tenant_id = ? and kind = 'grid' and path <@ ?::ltree) as "gridsInStreet",
         (select count(*)::int from app_user where tenant_id = ? and org_unit_id in
            (select id from org_unit where tenant_id = ? and path <@ ?::ltree)) as "usersInStreet"`,
      [
        tx.tenantId,
        tx.tenantId,
        tx.tenantId,
        tx.tenantId,
        tx.tenantId,
        street.path,
        tx.tenantId,
        tx.tenantId,
        street.path,
      ],
    );
    return { street, user: u, counts: n as BenchData['counts'] };
  });
  timings.streetAdmin = ms(t0);

  return {
    tenantId: tenant.id,
    tenantCode: tenant.code,
    rootUnitId,
    street: admin.street,
    streetAdmin: { id: admin.user.id, username: STREET_ADMIN, password: BENCH_PASSWORD },
    counts: admin.counts,
    timings,
  };
}
