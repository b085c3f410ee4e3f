/** The org tree's kinds and which may hold which: the levels of the seeds (区 → 街道 → 社区 → 网格 → 小区 → 楼栋). */
export const ORG_KINDS = [
  'district',
  'street',
  'community',
  'zone',
  'grid',
  'compound',
  'building',
  'department',
] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const GRID_TIERS = ['total', 'general', 'micro', 'dedicated'] as const;
export type GridTier = (typeof GRID_TIERS)[number];

export const GRID_TYPES = ['residential', 'street-block', 'business', 'park', 'school', 'hospital'] as const;
export type GridType = (typeof GRID_TYPES)[number];

/** null = may be a root. A city-level tenant may hold districts under its own district-level root. */
const PARENTS: Record<OrgKind, ReadonlyArray<OrgKind | null>> = {
  district: [null, 'district'],
  street: ['district'],
  community: ['street'],
  zone: ['community'],
  grid: ['community', 'zone', 'grid'],
  compound: ['community', 'zone', 'grid'],
  building: ['community', 'grid', 'compound'],
  department: ['district', 'street'],
};

/** "3+1": a total grid holds general and dedicated grids, a general grid holds micro-grids. */
const TIER_RANK: Record<GridTier, number> = { total: 0, general: 1, dedicated: 1, micro: 2 };

export interface UnitShape {
  kind: OrgKind;
  gridTier?: GridTier | null;
}

/** Why `child` cannot sit under `parent` (null = it can). Messages name the rule for the user. */
export function placementError(child: UnitShape, parent: UnitShape | null): string | null {
  const allowed = PARENTS[child.kind];
  if (!allowed.includes(parent ? parent.kind : null)) {
    return parent
      ? `a ${parent.kind} cannot hold a ${child.kind}`
      : `a ${child.kind} cannot be a root unit (allowed under: ${allowed.join(', ')})`;
  }
  if (child.kind === 'grid' && parent?.kind === 'grid') {
    const c = TIER_RANK[child.gridTier ?? 'general'];
    const p = TIER_RANK[parent.gridTier ?? 'general'];
    if (c <= p) return `a ${child.gridTier} grid cannot sit under a ${parent.gridTier} grid`;
  }
  return null;
}

/** ltree label of a unit: its uuid without hyphens (labels allow only [A-Za-z0-9_] on PostgreSQL 15). */
export const pathLabel = (id: string): string => id.replaceAll('-', '');

/**
 * SQL for "the unit lies in one of these subtrees" on a `path_key` column (the path as C-collated text):
 * labels are hex, so the subtree of P is `[P, P || 'g')` — an index range, and leakproof under RLS,
 * where ltree's `<@` is neither. An empty list matches nothing.
 */
export function inSubtrees(pathKey: string, paths: readonly string[]): { sql: string; params: string[] } {
  if (paths.length === 0) return { sql: 'false', params: [] };
  return {
    sql: `(${paths.map(() => `(${pathKey} >= ? and ${pathKey} < ?)`).join(' or ')})`,
    params: paths.flatMap((p) => [p, `${p}g`]),
  };
}

/**
 * Restricts a table's unit column to the units matching `unitWhere` (a condition on org_unit, with its
 * `?` parameters after the tenant's): the org-tree semi-join of DESIGN.md, as `= any(array(…))` so
 * PostgreSQL resolves the unit ids once (an init plan) and the outer plan does not hang on its guess
 * of how many units a subtree holds.
 */
export const inUnitsWhere = (column: string, unitWhere: string): string =>
  `${column} = any(array(select id from org_unit where tenant_id = ? and ${unitWhere}))`;

/**
 * The same range for the subtree of the one unit matching `rootWhere` (e.g. `tenant_id = ? and id = ?`;
 * its parameters are needed twice). The upper bound is computed inside its subquery: a non-leakproof
 * `||` applied outside, even to a subquery's result, keeps PostgreSQL off the index under RLS.
 */
export const inSubtreeOf = (pathKey: string, rootWhere: string): string =>
  `(${pathKey} >= (select path_key from org_unit where ${rootWhere}) and ` +
  `${pathKey} < (select path_key || 'g' from org_unit where ${rootWhere}))`;
