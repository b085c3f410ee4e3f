import { randomBytes } from 'node:crypto';
import type { Tx } from '@civicgrid/db';
import { AppError, conflict, notFound } from '@civicgrid/kernel';
import { checkDistrictCodes, type DivisionKind, type DivisionScope, type ReadOptions } from './read.ts';
import { createStage, fillStage, STAGE } from './stage.ts';

export interface ImportCounts {
  /** Units of each level in the source data for this import (all of them are in the tenant afterwards). */
  districts: number;
  streets: number;
  communities: number;
  /** Units written by this run. */
  inserted: number;
  /** Units already present (same code in this tenant): a re-run skips everything. */
  skipped: number;
}

export interface ImportProgress {
  /** `staged`: the source rows are in the staging table; then one step per level inserted. */
  phase: 'staged' | DivisionKind;
  /** Rows staged, or units of that level inserted. */
  rows: number;
  /** Milliseconds the step took. */
  ms: number;
}

export interface ImportOptions extends ReadOptions {
  /** Called after each step: long imports (the country takes tens of seconds) can report progress.
   *  The import waits for a returned promise. */
  onProgress?: (step: ImportProgress) => void | Promise<void>;
  /** How rows reach the staging table: COPY FROM STDIN on the transaction's connection (default), or
   *  batched INSERTs through `tx.query` (slower; the two must give the same tree, which a test checks). */
  via?: 'copy' | 'insert';
}

export interface ImportDivisionOptions extends ImportOptions {
  /** The unit the district hangs under — or is, when its code equals the district code. */
  rootUnitId: string;
  districtCode: string;
}

export interface ImportCountryOptions extends ImportOptions {
  /** Every district (~3 k) goes directly under this unit. */
  rootUnitId: string;
}

/**
 * Imports one district's streets (街道/镇) and communities (社区/村) into the transaction's tenant. The district
 * itself is the root unit when the root's code is the district code (a district-level tenant), otherwise
 * a new `district` unit under the root (a city-level tenant). Idempotent: units are matched by code.
 */
export function importDivision(tx: Tx, opts: ImportDivisionOptions): Promise<ImportCounts> {
  return importDivisions(tx, { ...opts, scope: [opts.districtCode] });
}

/** Imports the whole country (~665 k units) under one root: districts, then streets, then communities. */
export function importCountry(tx: Tx, opts: ImportCountryOptions): Promise<ImportCounts> {
  return importDivisions(tx, { ...opts, scope: 'all' });
}

/** Codes the tenant already holds when the import starts: a re-run skips them. */
const PRESENT = 'pg_temp.cg_division_present';
/** The staged unit `s` has a code the tenant did not hold when the import started. */
const ABSENT = `not exists (select 1 from ${PRESENT} x where x.code = s.code)`;

/** Parent level of each level; districts hang under the import's root. */
const PARENT_KIND: Record<DivisionKind, DivisionKind | null> = {
  district: null,
  street: 'district',
  community: 'street',
};

/**
 * The import, set-based: the source rows stream into a temporary table, then one `insert … select` per
 * level joins each row to its parent by code and computes its path from the parent's path in SQL.
 * Codes the tenant already holds are read once into a second temporary table and left out, so a re-run
 * (or an overlapping import) changes nothing. Imports into one tenant take turns (a transaction-scoped
 * advisory lock), so nothing can insert a staged code between that read and the inserts except a unit
 * created by hand at that moment, which fails the import with a 409 rather than being overwritten.
 * (`on conflict do nothing` gave the same result at about a tenth more per row: a probe of the code
 * index before each insert and a second WAL record to confirm it.)
 *
 * Ids are UUIDv7-shaped and increase in import order (48-bit time, 42 random bits per run, a 32-bit
 * counter), so the 620 k communities append to the primary-key B-tree instead of scattering over it as
 * random v4 ids would (the faster of the two in experiments here, though the 2-core machine was too
 * busy for a firm figure). Units are inserted in code order: parents before children, siblings together.
 */
export async function importDivisions(
  tx: Tx,
  opts: ImportOptions & { rootUnitId: string; scope: DivisionScope },
): Promise<ImportCounts> {
  const tenantId = tx.tenantId;
  if (!tenantId) throw new Error('importDivisions needs a tenant transaction (db.withTenant)');
  // Bad codes fail before anything is read or written.
  if (opts.scope !== 'all') await checkDistrictCodes(opts.scope, opts);

  const [root] = await tx.query<{ id: string; kind: string; code: string | null; path: string }>(
    'select id, kind, code, path::text as path from org_unit where tenant_id = ? and id = ?',
    [tenantId, opts.rootUnitId],
  );
  if (!root) throw notFound('root unit');
  if (root.kind !== 'district') {
    const reason = `the root of an import must be a district unit, not a ${root.kind}`;
    throw new AppError(400, 'validation_failed', `rootUnitId: ${reason}`, [{ field: 'rootUnitId', reason }]);
  }

  await tx.query(`select pg_advisory_xact_lock(hashtextextended('civicgrid.division-import:' || ?, 0))`, [
    tenantId,
  ]);
  const [saved] = await tx.query<{ work_mem: string }>(`select current_setting('work_mem') as work_mem`);
  // The hash join of 620 k communities to their streets stays in memory; restored at the end.
  await tx.query(`select set_config('work_mem', '64MB', true)`);
  try {
    await createStage(tx);
    await tx.query(`drop table if exists ${PRESENT}`);
    await tx.query(
      `create temp table cg_division_present on commit drop as
       select code from org_unit where tenant_id = ? and code is not null`,
      [tenantId],
    );
    await tx.query(`analyze ${PRESENT}`);
    const counts: Record<DivisionKind, number> = { district: 0, street: 0, community: 0 };
    let t0 = performance.now();
    await fillStage(tx, opts.scope, opts, counts);
    await tx.query(`analyze ${STAGE}`);
    const total = counts.district + counts.street + counts.community;
    await opts.onProgress?.({ phase: 'staged', rows: total, ms: performance.now() - t0 });

    const prefix = idPrefix();
    let inserted = 0;
    for (const kind of ['district', 'street', 'community'] as const) {
      if (counts[kind] === 0) continue;
      t0 = performance.now();
      const n = await insertLevel(tx, tenantId, kind, prefix, root);
      await opts.onProgress?.({ phase: kind, rows: n, ms: performance.now() - t0 });
      inserted += n;
    }
    if (inserted < total) await checkSkipped(tx, tenantId);
    await tx.query(`drop table ${STAGE}, ${PRESENT}`);
    return {
      districts: counts.district,
      streets: counts.street,
      communities: counts.community,
      inserted,
      skipped: total - inserted,
    };
  } finally {
    await tx.query(`select set_config('work_mem', ?, true)`, [saved?.work_mem ?? '4MB']).catch(() => {});
  }
}

/**
 * The first 28 hex digits of this run's ids, UUIDv7 layout: 48-bit Unix ms, version 7, 12 random bits,
 * variant 10, 30 more random bits; the last 8 hex digits are the row's staging sequence number.
 */
function idPrefix(): string {
  const ms = Date.now().toString(16).padStart(12, '0');
  const r = randomBytes(6).toString('hex');
  const variant = (8 + (Number.parseInt(r[3]!, 16) & 3)).toString(16);
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(7, 11)}`;
}

async function insertLevel(
  tx: Tx,
  tenantId: string,
  kind: DivisionKind,
  prefix: string,
  root: { id: string; path: string },
): Promise<number> {
  const id = `(?::text || lpad(to_hex(s.seq), 8, '0'))::uuid`;
  const label = `replace((${id})::text, '-', '')::ltree`;
  const parentKind = PARENT_KIND[kind];
  // Districts go under the root; every other level joins its parent by code (units of the parent's
  // kind in this tenant: inserted by an earlier level of this run, or by an earlier run). Rows go in
  // source order (by code): ids grow with seq and codes extend their parent's, so the primary key, code,
  // parent and path_key indexes are all appended to rather than split at random places. That order is
  // the staging table's own (written in seq order, scanned from its first block: a temporary table is
  // never scanned in parallel or from the middle) and the hash join keeps it, the parents being the side
  // it hashes. No `order by`: it had PostgreSQL sort the 620 k wide rows on disk into the order they
  // already had (1.7 s of the country's 14 s community level). Order only affects speed, not the tree.
  const [sql, params] =
    parentKind === null
      ? [
          `select ?::uuid, ${id}, ?::uuid, s.kind, s.name, s.code, ?::ltree || ${label}
           from ${STAGE} s where s.kind = ? and ${ABSENT}`,
          [tenantId, prefix, root.id, root.path, prefix, kind],
        ]
      : [
          `select ?::uuid, ${id}, p.id, s.kind, s.name, s.code, p.path || ${label}
           from ${STAGE} s
           join org_unit p on p.tenant_id = ? and p.code = s.parent_code and p.kind = ?
           where s.kind = ? and ${ABSENT}`,
          [tenantId, prefix, prefix, tenantId, parentKind, kind],
        ];
  // A savepoint, so that a failed level can still say which codes it tripped on: under row-level
  // security PostgreSQL leaves the key out of a unique violation's message.
  await tx.query('savepoint cg_division_level');
  try {
    const [res] = await tx.query<{ n: number }>(
      `with ins as (insert into org_unit (tenant_id, id, parent_id, kind, name, code, path) ${sql} returning 1)
       select count(*)::int as n from ins`,
      params,
    );
    await tx.query('release savepoint cg_division_level');
    return res?.n ?? 0;
  } catch (e) {
    if ((e as { code?: string }).code !== '23505') throw e;
    await tx.query('rollback to savepoint cg_division_level');
    throw await codesTaken(tx, tenantId, kind);
  }
}

/**
 * Why a level hit a unique code: a unit given one of its codes by hand since the import read the
 * tenant's codes, or a source listing a code twice. Nothing of the import is kept.
 */
async function codesTaken(tx: Tx, tenantId: string, kind: DivisionKind): Promise<AppError> {
  const rows = await tx.query<{ code: string }>(
    `select code from (
       select s.code from ${STAGE} s
        where s.kind = ? and ${ABSENT} and exists (select 1 from org_unit u where u.tenant_id = ? and u.code = s.code)
       union
       select s.code from ${STAGE} s where s.kind = ? group by s.code having count(*) > 1
     ) x order by code limit 5`,
    [kind, tenantId, kind],
  );
  const codes = rows.map((r) => r.code).join(', ') || 'a division code';
  return conflict(
    'division_code_taken',
    `division codes given to another unit during the import, or listed twice in the source: ${codes}; nothing was imported`,
  );
}

/**
 * After a run that skipped units: every staged code must now be a unit of the same kind in the tenant.
 * A code held by a unit of another kind (say a grid coded 330782001) would orphan its children silently;
 * fail instead, naming a few, and let the transaction roll back.
 */
async function checkSkipped(tx: Tx, tenantId: string): Promise<void> {
  const bad = await tx.query<{ code: string; kind: string; held: string | null }>(
    `select s.code, s.kind, u.kind as held
     from ${STAGE} s left join org_unit u on u.tenant_id = ? and u.code = s.code
     where u.kind is distinct from s.kind
     order by s.seq limit 5`,
    [tenantId],
  );
  if (bad.length === 0) return;
  const list = bad.map((b) =>
    b.held ? `${b.code} (a ${b.held}, expected a ${b.kind})` : `${b.code} (no parent)`,
  );
  throw conflict('division_code_taken', `division codes already used by other units: ${list.join(', ')}`);
}
