import { subject as asSubject, createMongoAbility, type MongoAbility } from '@casl/ability';
import { packRules, rulesToCondition } from '@casl/ability/extra';
import type { Tx } from '@civicgrid/db';
import { inSubtrees, inUnitsWhere, type ScopePaths } from '@civicgrid/tenancy';
import { type ConditionLookup, type NamedCondition, splitPermission } from './catalog.ts';

/** One grant as the ability needs it: the role's permissions and where in the tree it applies. */
export interface GrantInfo {
  grantId: string;
  roleId: string;
  roleKey: string;
  roleName: string;
  orgUnitId: string;
  orgUnitName: string;
  orgUnitPath: string;
  permissions: string[];
}

/**
 * A user's grants as one JSON array (`?` params: tenant id, user id); used alone by loadGrants and
 * folded into the per-request principal query so a request costs one round trip for all of it.
 */
export const GRANTS_JSON_SQL = `coalesce((select json_agg(json_build_object(
    'grantId', g.id, 'roleId', r.id, 'roleKey', r.key, 'roleName', r.name, 'orgUnitId', o.id,
    'orgUnitName', o.name, 'orgUnitPath', o.path::text, 'permissions', r.permissions))
  from role_grant g
  join role r on r.tenant_id = g.tenant_id and r.id = g.role_id
  join org_unit o on o.tenant_id = g.tenant_id and o.id = g.org_unit_id
  where g.tenant_id = ? and g.user_id = ?), '[]'::json)`;

export async function loadGrants(tx: Tx, userId: string): Promise<GrantInfo[]> {
  const [row] = await tx.query<{ grants: GrantInfo[] }>(`select ${GRANTS_JSON_SQL} as grants`, [
    tx.tenantId,
    userId,
  ]);
  return row!.grants;
}

/** The condition every scoped rule carries: the record's unit or one of its ancestors is the grant's unit. */
interface ScopeCondition {
  ancestorIds: { $in: string[] };
}
type Condition = ScopeCondition | { $or: Condition[] } | { $and: Condition[] } | Record<string, never>;

/**
 * What one user may do, built from her grants: a CASL ability (authoritative for single records, packed
 * for the UI) and, per permission, the subtrees it reaches (for SQL). A grant on a street reaches every
 * community, grid and building under it; scope may differ per permission.
 */
export interface AccessOptions {
  /** The user named conditions compare records with (`posted_by = <her id>`). */
  userId?: string;
  conditions?: ConditionLookup;
}

/** A role entry with a named condition, as held: where, and what the record must match. */
interface Conditioned {
  entry: string;
  subject: string;
  action: string;
  units: Set<string>;
  condition: NamedCondition;
}

export class Access {
  readonly ability: MongoAbility;
  readonly #pathOf = new Map<string, string>();
  readonly #conditioned: Conditioned[] = [];
  readonly #userId: string | undefined;

  constructor(
    readonly grants: GrantInfo[],
    opts: AccessOptions = {},
  ) {
    this.#userId = opts.userId;
    const unitsByPermission = new Map<string, Set<string>>();
    for (const g of grants) {
      this.#pathOf.set(g.orgUnitId, g.orgUnitPath);
      for (const p of g.permissions) {
        const set = unitsByPermission.get(p) ?? new Set<string>();
        set.add(g.orgUnitId);
        unitsByPermission.set(p, set);
      }
    }
    const rules = [];
    for (const [p, units] of unitsByPermission) {
      const { subject, action, condition: name } = splitPermission(p);
      const conditions: Record<string, unknown> = { ancestorIds: { $in: [...units] } };
      if (name !== undefined) {
        const condition = opts.conditions?.(subject, name);
        // A condition no installed plugin declares, or no user to compare with: the entry grants nothing.
        if (!condition || !this.#userId) continue;
        conditions[condition.field] = this.#userId;
        this.#conditioned.push({ entry: p, subject, action, units, condition });
      }
      rules.push({ action, subject, conditions });
    }
    this.ability = createMongoAbility(rules);
  }

  /**
   * May the user do this on a record whose unit has these ancestors (root first, the unit itself
   * last)? `record` carries the fields named conditions test (`{ postedBy }`); without them only an
   * unconditioned grant answers yes.
   */
  can(permission: string, ancestorIds: string[], record: Record<string, unknown> = {}): boolean {
    const { subject, action } = splitPermission(permission);
    return this.ability.can(action, asSubject(subject, { ...record, ancestorIds }));
  }

  /** Does the user hold this permission anywhere at all (with or without a condition)? */
  holdsAnywhere(permission: string): boolean {
    const { subject, action } = splitPermission(permission);
    return this.ability.can(action, subject);
  }

  /**
   * The subtrees where `permission` holds without a condition, from the ability's rules
   * (rulesToCondition); [] = nowhere. Lists that honour named conditions use `where`.
   */
  scope(permission: string): ScopePaths {
    const { subject, action } = splitPermission(permission);
    const unconditioned = this.ability
      .rulesFor(action, subject)
      .filter((r) => Object.keys(r.conditions ?? {}).length === 1);
    const cond = rulesToCondition(
      unconditioned,
      (r) => {
        // Inverted rules are never built here; refusing them keeps the SQL translation exact.
        if (r.inverted) throw new Error('inverted rules are not translatable to scope');
        return r.conditions as Condition;
      },
      { and: (c) => ({ $and: c }) as Condition, or: (c) => ({ $or: c }) as Condition, empty: () => ({}) },
    ) as Condition | null;
    if (cond === null) return [];
    const units = new Set<string>();
    this.#collect(cond, units);
    return this.#pathsOf(units);
  }

  /**
   * A list's SQL condition for `permission`: the unconditioned scope, or-ed with each named condition
   * held (its scope and `<alias><column> = <user id>`).
   */
  where(permission: string, tenantId: string | null, unitColumn = 'org_unit_id', alias = '') {
    const parts = [orgScopeSql(this.scope(permission), tenantId, unitColumn)];
    const { subject, action } = splitPermission(permission);
    for (const c of this.#conditioned) {
      if (c.subject !== subject || c.action !== action) continue;
      const s = orgScopeSql(this.#pathsOf(c.units), tenantId, unitColumn);
      parts.push({
        sql: `(${s.sql} and ${alias}${c.condition.column} = ?)`,
        params: [...s.params, this.#userId],
      });
    }
    if (parts.length === 1) return parts[0]!;
    return { sql: `(${parts.map((x) => x.sql).join(' or ')})`, params: parts.flatMap((x) => x.params) };
  }

  /**
   * May the user hand on `entry` (a role's permission, maybe with a condition) at a unit with these
   * ancestors: she holds it there unconditioned, or with the very same condition.
   */
  covers(entry: string, ancestorIds: string[]): boolean {
    const { subject, action } = splitPermission(entry);
    // Without the conditions' fields in the record, only unconditioned rules can match.
    if (this.can(`${subject}.${action}`, ancestorIds)) return true;
    return this.#conditioned.some((c) => c.entry === entry && ancestorIds.some((u) => c.units.has(u)));
  }

  /** `covers` everywhere in the tenant: what a tenant-wide role needs of its author. */
  coversEverywhere(entry: string): boolean {
    const { subject, action } = splitPermission(entry);
    if (this.scope(`${subject}.${action}`) === 'all') return true;
    return this.#conditioned.some((c) => c.entry === entry && this.#pathsOf(c.units) === 'all');
  }

  #pathsOf(units: Iterable<string>): ScopePaths {
    const paths = [...units].map((u) => this.#pathOf.get(u)).filter((p): p is string => p != null);
    if (paths.some((p) => !p.includes('.'))) return 'all';
    // Drop paths already covered by an ancestor path: fewer, disjoint subtrees for the planner.
    return paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}.`)));
  }

  #collect(c: Condition, into: Set<string>): void {
    if ('$or' in c) for (const x of c.$or) this.#collect(x, into);
    else if ('ancestorIds' in c) for (const u of c.ancestorIds.$in) into.add(u);
    else throw new Error(`untranslatable scope condition: ${JSON.stringify(c)}`);
  }

  packedRules(): unknown[] {
    return packRules(this.ability.rules);
  }

  permissions(): string[] {
    return [...new Set(this.grants.flatMap((g) => g.permissions))].sort();
  }
}

/** SQL restricting a table's `org_unit_id` column to the scope (the org-tree semi-join, inUnitsWhere). */
export function orgScopeSql(scope: ScopePaths, tenantId: string | null, column = 'org_unit_id') {
  if (scope === 'all') return { sql: 'true', params: [] as unknown[] };
  if (scope.length === 0) return { sql: 'false', params: [] as unknown[] };
  const ranges = inSubtrees('path_key', scope);
  return {
    sql: inUnitsWhere(column, ranges.sql),
    params: [tenantId, ...ranges.params] as unknown[],
  };
}
