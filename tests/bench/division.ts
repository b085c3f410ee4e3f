/**
 * Division import benchmark (not a test): importDivision for one district, importCountry for the whole
 * country (~665 k units) into one tenant, side by side with a bare load of the same CSVs (COPY into
 * staging tables + INSERT … SELECT into a plain table of org_unit's columns, no indexes, constraints or
 * row-level security), and the latency of a subtree query on the country tree.
 *
 * Needs a migrated database (owner URL) and its application role (app URL); creates its own tenants and
 * the `bench_division_bare` schema (dropped at the end). Runs standalone through division-main.ts.
 */

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { type Database, openDatabase, type Tx } from '@civicgrid/db';
import {
  copyStream,
  divisionDataDir,
  type ImportProgress,
  importCountry,
  importDivision,
} from '@civicgrid/division';
import { inSubtreeOf, pathLabel, TenantEntity } from '@civicgrid/tenancy';
import { createBareTenant } from '@civicgrid/testing';
import pg from 'pg';

export interface BenchDivisionOptions {
  ownerUrl: string;
  appUrl: string;
  log: (line: string) => void;
  /** Subtree queries to time (default 2,000). */
  iterations?: number;
  /** Also time the bare load into a table with org_unit's indexes (adds ~15–30 s; default false). */
  indexedBaseline?: boolean;
}

const DISTRICT = '330782';
const BARE = 'bench_division_bare';

/** Current WAL position (any role may ask): the difference of two is the WAL a step wrote. */
async function walLsn(db: Database): Promise<string> {
  const [r] = await db.withPlatform((tx) =>
    tx.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'),
  );
  return r!.lsn;
}

async function walMbSince(db: Database, lsn: string): Promise<number> {
  const [r] = await db.withPlatform((tx) =>
    tx.query<{ mb: number }>(
      'select (pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn) / 1048576)::float8 as mb',
      [lsn],
    ),
  );
  return Math.round(r!.mb);
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i]! * 1000) / 1000;
}

/** A tenant and its root district unit (code `rootCode`), written as the application role. */
const makeTenant = (db: Database, name: string, rootCode: string | null) =>
  createBareTenant(db, { prefix: 'bench-div', name, rootCode });

/**
 * The baseline: what the same data costs PostgreSQL without the product in the way — the three CSV
 * files streamed raw through COPY into staging tables, then one INSERT … SELECT per level into a plain
 * table of org_unit's columns (same ids and paths computed in SQL, parents joined by code), one
 * transaction, same work_mem as the import. With `indexed`, the plain table also gets org_unit's five
 * indexes (not its foreign keys, checks or row-level security).
 */
async function bareLoad(ownerUrl: string, indexed: boolean): Promise<{ ms: number; rows: number }> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  const dir = divisionDataDir();
  try {
    await c.query(`drop schema if exists ${BARE} cascade`);
    await c.query(`create schema ${BARE}`);
    const t0 = performance.now();
    await c.query('begin');
    await c.query(`set local work_mem = '64MB'`);
    await c.query(`create table ${BARE}.area (code text, name text, city_code text, province_code text)`);
    await c.query(
      `create table ${BARE}.street (code text, name text, area_code text, province_code text, city_code text)`,
    );
    await c.query(
      `create table ${BARE}.village (code text, name text, street_code text, province_code text, city_code text, area_code text)`,
    );
    for (const t of ['area', 'street', 'village'] as const) {
      const file = { area: 'areas.csv', street: 'streets.csv', village: 'villages.csv' }[t];
      await copyStream(
        c,
        `copy ${BARE}.${t} from stdin with (format csv, header true)`,
        createReadStream(join(dir, file)),
      );
    }
    await c.query(`analyze ${BARE}.area, ${BARE}.street, ${BARE}.village`);
    await c.query(`create table ${BARE}.unit (like public.org_unit including defaults)`);
    if (indexed) {
      await c.query(`alter table ${BARE}.unit add primary key (tenant_id, id)`);
      await c.query(`create unique index on ${BARE}.unit (tenant_id, code) where code is not null`);
      await c.query(`create index on ${BARE}.unit (tenant_id, parent_id)`);
      await c.query(`create index on ${BARE}.unit (tenant_id, kind)`);
      await c.query(`create index on ${BARE}.unit (tenant_id, path)`);
    }
    const t = randomUUID();
    const root = pathLabel(randomUUID());
    await c.query(
      `insert into ${BARE}.unit (tenant_id, id, parent_id, kind, name, code, path)
       select $1, u.id, null, 'district', u.name, u.code, $2::ltree || replace(u.id::text, '-', '')::ltree
       from (select gen_random_uuid() as id, a.* from ${BARE}.area a) u`,
      [t, root],
    );
    await c.query(
      `insert into ${BARE}.unit (tenant_id, id, parent_id, kind, name, code, path)
       select p.tenant_id, u.id, p.id, 'street', u.name, u.code, p.path || replace(u.id::text, '-', '')::ltree
       from (select gen_random_uuid() as id, s.* from ${BARE}.street s) u
       join ${BARE}.unit p on p.code = u.area_code and p.kind = 'district'`,
    );
    await c.query(
      `insert into ${BARE}.unit (tenant_id, id, parent_id, kind, name, code, path)
       select p.tenant_id, u.id, p.id, 'community', u.name, u.code, p.path || replace(u.id::text, '-', '')::ltree
       from (select gen_random_uuid() as id, v.* from ${BARE}.village v) u
       join ${BARE}.unit p on p.code = u.street_code and p.kind = 'street'`,
    );
    await c.query('commit');
    const elapsed = ms(t0);
    const rows = (await c.query<{ n: number }>(`select count(*)::int as n from ${BARE}.unit`)).rows[0]!.n;
    return { ms: elapsed, rows };
  } catch (e) {
    await c.query('rollback').catch(() => {});
    throw e;
  } finally {
    await c.query(`drop schema if exists ${BARE} cascade`).catch(() => {});
    await c.end();
  }
}

/** The subtree of a unit by path, as scope checks do it: the leakproof `path_key` range (inSubtreeOf). */
const SUBTREE_BY_PATH = `select id, name, kind from org_unit
  where tenant_id = ? and ${inSubtreeOf('path_key', 'tenant_id = ? and id = ?')}`;

/** The same rows through parent_id (uuid equality only), for comparison. */
const SUBTREE_BY_PARENT = `with recursive sub as (
    select id, name, kind from org_unit where tenant_id = ? and id = ?
    union all
    select c.id, c.name, c.kind from org_unit c join sub on c.tenant_id = ? and c.parent_id = sub.id)
  select id, name, kind from sub`;

interface Latency {
  queryP50: number;
  queryP99: number;
  txP50: number;
  txP99: number;
  iterations: number;
  avgRows: number;
}

/**
 * Runs `sql` for random streets through db.withTenant, timing the query alone and the whole transaction
 * (begin, set_config, query, commit). After a warm-up; stops after 100 measured runs when the median is
 * over 20 ms (a plan that scans the tenant would otherwise keep the benchmark busy for minutes).
 */
async function timeSubtree(
  db: Database,
  tenantId: string,
  sql: string,
  paramsOf: (id: string) => unknown[],
  pick: () => string,
  n: number,
): Promise<Latency> {
  const queryMs: number[] = [];
  const txMs: number[] = [];
  let rows = 0;
  for (let i = -100; i < n; i++) {
    const id = pick();
    const s0 = performance.now();
    const q = await db.withTenant(tenantId, async (tx) => {
      const q0 = performance.now();
      const r = await tx.query(sql, paramsOf(id));
      return { rows: r.length, ms: performance.now() - q0 };
    });
    if (i < 0) continue;
    txMs.push(performance.now() - s0);
    queryMs.push(q.ms);
    rows += q.rows;
    if (
      queryMs.length === 100 &&
      quantile(
        [...queryMs].sort((x, y) => x - y),
        0.5,
      ) > 20
    )
      break;
  }
  queryMs.sort((x, y) => x - y);
  txMs.sort((x, y) => x - y);
  return {
    queryP50: quantile(queryMs, 0.5),
    queryP99: quantile(queryMs, 0.99),
    txP50: quantile(txMs, 0.5),
    txP99: quantile(txMs, 0.99),
    iterations: queryMs.length,
    avgRows: Math.round((rows / queryMs.length) * 10) / 10,
  };
}

export async function benchDivision(opts: BenchDivisionOptions): Promise<Record<string, number>> {
  const { log } = opts;
  const out: Record<string, number> = {};
  const db = await openDatabase(opts.appUrl, [TenantEntity], 4);
  try {
    // (a) One district into a fresh district-level tenant (root coded 330782), then the idempotent re-run.
    const yiwu = await makeTenant(db, '义乌市', DISTRICT);
    let t0 = performance.now();
    const a = await db.withTenant(yiwu.tenantId, (tx) =>
      importDivision(tx, { rootUnitId: yiwu.rootId, districtCode: DISTRICT }),
    );
    out.districtImportMs = ms(t0);
    out.districtInserted = a.inserted;
    t0 = performance.now();
    const again = await db.withTenant(yiwu.tenantId, (tx) =>
      importDivision(tx, { rootUnitId: yiwu.rootId, districtCode: DISTRICT }),
    );
    out.districtRerunMs = ms(t0);
    out.districtRerunInserted = again.inserted;
    log(
      `district ${DISTRICT}: ${a.streets} streets + ${a.communities} communities in ${out.districtImportMs} ms; ` +
        `re-run ${out.districtRerunMs} ms, ${again.inserted} inserted`,
    );

    // (c, first half) the bare baseline, before the country import.
    let lsn = await walLsn(db);
    const bare1 = await bareLoad(opts.ownerUrl, false);
    out.bareLoadMs1 = bare1.ms;
    out.bareWalMb = await walMbSince(db, lsn);
    log(
      `bare load (COPY + INSERT … SELECT, plain table): ${bare1.rows} rows in ${bare1.ms} ms, ${out.bareWalMb} MB of WAL`,
    );

    // (b) The whole country into one fresh tenant.
    const cn = await makeTenant(db, '中华人民共和国', null);
    const steps: ImportProgress[] = [];
    lsn = await walLsn(db);
    t0 = performance.now();
    const b = await db.withTenant(cn.tenantId, (tx: Tx) =>
      importCountry(tx, { rootUnitId: cn.rootId, onProgress: (s) => void steps.push(s) }),
    );
    out.countryImportMs = ms(t0);
    out.countryInserted = b.inserted;
    out.countryWalMb = await walMbSince(db, lsn);
    for (const s of steps) out[`country_${s.phase}Ms`] = Math.round(s.ms);
    out.country_commitMs = Math.round(out.countryImportMs - steps.reduce((sum, s) => sum + s.ms, 0));
    log(
      `country: ${b.districts} districts + ${b.streets} streets + ${b.communities} communities = ${b.inserted} ` +
        `in ${out.countryImportMs} ms (${steps.map((s) => `${s.phase} ${Math.round(s.ms)}`).join(', ')} ms), ` +
        `${out.countryWalMb} MB of WAL`,
    );

    // (c, second half) the baseline again, after: the mean of both runs is the reference.
    const bare2 = await bareLoad(opts.ownerUrl, false);
    out.bareLoadMs2 = bare2.ms;
    out.bareLoadMs = Math.round((bare1.ms + bare2.ms) / 2);
    out.countryVsBareRatio = Math.round((out.countryImportMs / out.bareLoadMs) * 100) / 100;
    log(`bare load again: ${bare2.ms} ms → country import / bare load = ${out.countryVsBareRatio}×`);
    if (opts.indexedBaseline) {
      const bareIdx = await bareLoad(opts.ownerUrl, true);
      out.bareIndexedLoadMs = bareIdx.ms;
      out.countryVsBareIndexedRatio = Math.round((out.countryImportMs / bareIdx.ms) * 100) / 100;
      log(
        `bare load into a table with org_unit's indexes: ${bareIdx.ms} ms (${out.countryVsBareIndexedRatio}×)`,
      );
    }

    // (d) Subtree latency on the country tree, as a request would run it (after autovacuum's analyze).
    const owner = new pg.Client({ connectionString: opts.ownerUrl });
    await owner.connect();
    t0 = performance.now();
    await owner.query('vacuum analyze org_unit');
    out.vacuumAnalyzeMs = ms(t0);
    await owner.end();
    const streets = await db.withTenant(cn.tenantId, (tx) =>
      tx.query<{ id: string }>(`select id from org_unit where tenant_id = ? and kind = 'street'`, [
        cn.tenantId,
      ]),
    );
    const n = opts.iterations ?? 2000;
    let seed = 20260101;
    const pick = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return streets[seed % streets.length]!.id;
    };
    const t = cn.tenantId;
    const byPath = await timeSubtree(db, t, SUBTREE_BY_PATH, (id) => [t, t, id, t, id], pick, n);
    out.subtreeQueryP50Ms = byPath.queryP50;
    out.subtreeQueryP99Ms = byPath.queryP99;
    out.subtreeTxP50Ms = byPath.txP50;
    out.subtreeTxP99Ms = byPath.txP99;
    out.subtreeIterations = byPath.iterations;
    out.subtreeAvgRows = byPath.avgRows;
    log(
      `subtree by path_key range of a random street (${byPath.iterations} runs, ${byPath.avgRows} rows on average): ` +
        `query p50 ${byPath.queryP50} ms, p99 ${byPath.queryP99} ms; whole withTenant transaction ` +
        `p50 ${byPath.txP50} ms, p99 ${byPath.txP99} ms`,
    );
    const byParent = await timeSubtree(db, t, SUBTREE_BY_PARENT, (id) => [t, id, t], pick, n);
    out.subtreeByParentQueryP50Ms = byParent.queryP50;
    out.subtreeByParentQueryP99Ms = byParent.queryP99;
    out.subtreeByParentTxP99Ms = byParent.txP99;
    log(
      `subtree by parent_id (recursive, ${byParent.iterations} runs, ${byParent.avgRows} rows): query p50 ` +
        `${byParent.queryP50} ms, p99 ${byParent.queryP99} ms; transaction p99 ${byParent.txP99} ms`,
    );
    return out;
  } finally {
    await db.close();
  }
}
