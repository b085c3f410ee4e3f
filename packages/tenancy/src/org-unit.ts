import { type Counted, countCapped, type Tx } from '@civicgrid/db';
import { AppError, badInput, conflict, notFound } from '@civicgrid/kernel';
import {
  type GridTier,
  type GridType,
  inSubtreeOf,
  inSubtrees,
  type OrgKind,
  pathLabel,
  placementError,
} from './org-rules.ts';

export interface OrgUnit {
  id: string;
  parentId: string | null;
  kind: OrgKind;
  name: string;
  code: string | null;
  /** ids from the root down to this unit (inclusive): what a tree or a breadcrumb needs. */
  ancestorIds: string[];
  gridTier: GridTier | null;
  gridType: GridType | null;
  householdCount: number | null;
  boundary: unknown;
  childCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface OrgUnitInput {
  parentId?: string | null;
  kind: OrgKind;
  name: string;
  code?: string | null;
  gridTier?: GridTier | null;
  gridType?: GridType | null;
  householdCount?: number | null;
  boundary?: unknown;
}

/** Scope as paths: the subtrees a caller may see; `all` on the whole tenant. */
export type ScopePaths = 'all' | string[];

const COLUMNS = `u.id, u.parent_id as "parentId", u.kind, u.name, u.code, u.path::text as path,
  u.grid_tier as "gridTier", u.grid_type as "gridType", u.household_count as "householdCount", u.boundary,
  (select count(*)::int from org_unit c where c.tenant_id = u.tenant_id and c.parent_id = u.id) as "childCount",
  u.created_at as "createdAt", u.updated_at as "updatedAt"`;

type Row = Omit<OrgUnit, 'ancestorIds'> & { path: string };

/** Turns an ltree of hyphen-less ids back into uuids: the ancestors of a unit, root first, itself last. */
export const idsOfPath = (path: string): string[] =>
  path
    .split('.')
    .map((l) => `${l.slice(0, 8)}-${l.slice(8, 12)}-${l.slice(12, 16)}-${l.slice(16, 20)}-${l.slice(20)}`);

function toUnit({ path, ...r }: Row): OrgUnit {
  return { ...r, ancestorIds: idsOfPath(path) };
}

/** SQL fragment + params restricting `alias.path` to the caller's scope. */
export function scopeClause(scope: ScopePaths, alias = 'u'): { sql: string; params: unknown[] } {
  if (scope === 'all') return { sql: 'true', params: [] };
  return inSubtrees(`${alias}.path_key`, scope);
}

export async function findUnitPath(
  tx: Tx,
  id: string,
): Promise<{ path: string; kind: OrgKind; gridTier: GridTier | null } | null> {
  const [row] = await tx.query<{ path: string; kind: OrgKind; gridTier: GridTier | null }>(
    `select path::text as path, kind, grid_tier as "gridTier" from org_unit where tenant_id = ? and id = ?`,
    [tx.tenantId, id],
  );
  return row ?? null;
}

export async function getUnit(tx: Tx, id: string, scope: ScopePaths = 'all'): Promise<OrgUnit | null> {
  const s = scopeClause(scope);
  const [row] = await tx.query<Row>(
    `select ${COLUMNS} from org_unit u where u.tenant_id = ? and u.id = ? and ${s.sql}`,
    [tx.tenantId, id, ...s.params],
  );
  return row ? toUnit(row) : null;
}

function checkGrid(input: {
  kind: OrgKind;
  gridTier?: GridTier | null;
  gridType?: unknown;
  boundary?: unknown;
}) {
  if (input.kind === 'grid' && !input.gridTier) throw badInput('gridTier', 'a grid needs a tier');
  if (input.kind !== 'grid') {
    if (input.gridTier) throw badInput('gridTier', 'only grids have a tier');
    if (input.gridType) throw badInput('gridType', 'only grids have a type');
    if (input.boundary != null) throw badInput('boundary', 'only grids have a boundary');
  }
}

/** Maps constraint violations to a 409 naming the field, so a duplicate never surfaces as a 500. */
export function mapUniqueViolation(err: unknown, field: string, message: string): never {
  const e = err as { code?: string };
  if (e.code === '23505') throw conflict('duplicate', message, field);
  throw err;
}

export async function createUnit(tx: Tx, input: OrgUnitInput): Promise<OrgUnit> {
  checkGrid(input);
  const parent = input.parentId ? await findUnitPath(tx, input.parentId) : null;
  if (input.parentId && !parent) throw badInput('parentId', 'no such org unit');
  if (!parent) {
    const [root] = await tx.query(`select 1 from org_unit where tenant_id = ? and parent_id is null`, [
      tx.tenantId,
    ]);
    if (root) throw badInput('parentId', 'the tenant already has a root unit; give a parent');
  }
  const why = placementError(input, parent);
  if (why) throw badInput('parentId', why);
  const id = crypto.randomUUID();
  const path = parent ? `${parent.path}.${pathLabel(id)}` : pathLabel(id);
  try {
    await tx.query(
      `insert into org_unit (tenant_id, id, parent_id, kind, name, code, path, grid_tier, grid_type, household_count, boundary)
       values (?, ?, ?, ?, ?, ?, ?::ltree, ?, ?, ?, ?::jsonb)`,
      [
        tx.tenantId,
        id,
        input.parentId ?? null,
        input.kind,
        input.name,
        input.code ?? null,
        path,
        input.gridTier ?? null,
        input.gridType ?? null,
        input.householdCount ?? null,
        input.boundary == null ? null : JSON.stringify(input.boundary),
      ],
    );
  } catch (err) {
    mapUniqueViolation(err, 'code', 'another unit already has this code');
  }
  return (await getUnit(tx, id))!;
}

export type OrgUnitPatch = Partial<Omit<OrgUnitInput, 'kind' | 'parentId'>>;

export async function updateUnit(
  tx: Tx,
  id: string,
  patch: OrgUnitPatch,
): Promise<{ before: OrgUnit; after: OrgUnit }> {
  const before = await getUnit(tx, id);
  if (!before) throw notFound('org unit');
  const next = { ...before, ...patch };
  checkGrid(next);
  if (before.kind === 'grid' && patch.gridTier && patch.gridTier !== before.gridTier) {
    const parent = before.parentId ? await findUnitPath(tx, before.parentId) : null;
    const why = placementError(next, parent);
    if (why) throw badInput('gridTier', why);
    const kids = await tx.query<{ kind: OrgKind; gridTier: GridTier | null }>(
      `select kind, grid_tier as "gridTier" from org_unit where tenant_id = ? and parent_id = ? and kind = 'grid'`,
      [tx.tenantId, id],
    );
    for (const k of kids) {
      const w = placementError(k, next);
      if (w) throw badInput('gridTier', `a child would no longer fit: ${w}`);
    }
  }
  try {
    await tx.query(
      `update org_unit set name = ?, code = ?, grid_tier = ?, grid_type = ?, household_count = ?, boundary = ?::jsonb,
         updated_at = now() where tenant_id = ? and id = ?`,
      [
        next.name,
        next.code ?? null,
        next.gridTier ?? null,
        next.gridType ?? null,
        next.householdCount ?? null,
        next.boundary == null ? null : JSON.stringify(next.boundary),
        tx.tenantId,
        id,
      ],
    );
  } catch (err) {
    mapUniqueViolation(err, 'code', 'another unit already has this code');
  }
  return { before, after: (await getUnit(tx, id))! };
}

/**
 * Re-zoning: moves a unit and its subtree under a new parent by rewriting paths in one statement.
 * Records hanging on these units keep their org_unit_id, so their visibility follows the tree.
 */
export async function moveUnit(
  tx: Tx,
  id: string,
  newParentId: string,
): Promise<{ before: OrgUnit; after: OrgUnit; moved: number }> {
  const before = await getUnit(tx, id);
  if (!before) throw notFound('org unit');
  const unit = (await findUnitPath(tx, id))!;
  const parent = await findUnitPath(tx, newParentId);
  if (!parent) throw badInput('parentId', 'no such org unit');
  if (parent.path === unit.path || parent.path.startsWith(`${unit.path}.`)) {
    throw badInput('parentId', 'a unit cannot move under itself or its own subtree');
  }
  const why = placementError(unit, parent);
  if (why) throw badInput('parentId', why);
  const subtree = inSubtrees('path_key', [unit.path]);
  const rows = await tx.query<{ n: number }>(
    `with moved as (
       update org_unit set
         path = ?::ltree || subpath(path, nlevel(?::ltree) - 1),
         parent_id = case when id = ? then ?::uuid else parent_id end,
         updated_at = now()
       where tenant_id = ? and ${subtree.sql} returning 1)
     select count(*)::int as n from moved`,
    [parent.path, unit.path, id, newParentId, tx.tenantId, ...subtree.params],
  );
  return { before, after: (await getUnit(tx, id))!, moved: rows[0]!.n };
}

export async function deleteUnit(tx: Tx, id: string): Promise<OrgUnit> {
  const unit = await getUnit(tx, id);
  if (!unit) throw notFound('org unit');
  if (unit.childCount > 0) throw new AppError(409, 'has_children', 'move or delete the units under it first');
  try {
    await tx.query(`delete from org_unit where tenant_id = ? and id = ?`, [tx.tenantId, id]);
  } catch (err) {
    if ((err as { code?: string }).code === '23503') {
      throw new AppError(409, 'in_use', 'users or grants still belong to this unit; move them first');
    }
    throw err;
  }
  return unit;
}

export interface UnitListQuery {
  scope: ScopePaths;
  parentId?: string;
  /** Only this unit's subtree (inclusive). */
  under?: string;
  kind?: OrgKind;
  q?: string;
  code?: string;
  start: number;
  end: number;
  sort: 'name' | 'code' | 'kind' | 'createdAt';
  order: 'asc' | 'desc';
}

const SORT_COLUMNS = { name: 'u.name', code: 'u.code', kind: 'u.kind', createdAt: 'u.created_at' } as const;

export async function listUnits(tx: Tx, q: UnitListQuery): Promise<{ rows: OrgUnit[] } & Counted> {
  const where: string[] = ['u.tenant_id = ?'];
  const params: unknown[] = [tx.tenantId];
  const s = scopeClause(q.scope);
  where.push(s.sql);
  params.push(...s.params);
  if (q.parentId) {
    where.push('u.parent_id = ?');
    params.push(q.parentId);
  }
  if (q.under) {
    where.push(inSubtreeOf('u.path_key', 'tenant_id = ? and id = ?'));
    params.push(tx.tenantId, q.under, tx.tenantId, q.under);
  }
  if (q.kind) {
    where.push('u.kind = ?');
    params.push(q.kind);
  }
  if (q.code) {
    where.push('u.code = ?');
    params.push(q.code);
  }
  if (q.q) {
    where.push(`u.name ilike ? escape '\\'`);
    params.push(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  const w = where.join(' and ');
  const rows = await tx.query<Row>(
    `select ${COLUMNS} from org_unit u where ${w} order by ${SORT_COLUMNS[q.sort]} ${q.order === 'desc' ? 'desc' : 'asc'}, u.id
     limit ? offset ?`,
    [...params, Math.max(0, q.end - q.start), q.start],
  );
  return { rows: rows.map(toUnit), ...(await countCapped(tx, `org_unit u where ${w}`, params)) };
}
