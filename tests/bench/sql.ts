/**
 * The statements of `GET /api/v1/users` as the servers send them: the bare baseline's hand-written SQL
 * (the brief's), and the API's own, built with the product's `orgScopeSql` so that it follows the product
 * when the scope SQL changes.
 */
import { orgScopeSql } from '@civicgrid/authz';
import { COUNT_CAP, toNumbered as numbered } from '@civicgrid/db';
import type { ScopePaths } from '@civicgrid/tenancy';

/** The product's cap (packages/db/src/count.ts): bare counts exactly as far as the API does. */
export { COUNT_CAP };

const COLUMNS =
  'id, org_unit_id, username, display_name, phone, status, locked_until, created_at, updated_at';

/** `?` placeholders (the product's SQL style) → `$n` for `pg`, as the product converts them. */
export { toNumbered as numbered } from '@civicgrid/db';

export interface Statements {
  page: string;
  count: string;
  /** parameters of the count; the page takes these plus limit and offset */
  params: unknown[];
}

/** Bare: `$1` tenant, `$2` the scope's paths as an ltree[] literal; the page adds `$3` limit, `$4` offset. */
export function bareStatements(tenantId: string, scopePaths: string[]): Statements {
  const where = `tenant_id = $1 and org_unit_id in (select id from org_unit where tenant_id = $1 and path <@ $2::ltree[])`;
  return {
    page: `select ${COLUMNS} from app_user where ${where} order by created_at desc, id limit $3 offset $4`,
    count: `select count(*)::int as n from (select 1 from app_user where ${where} limit ${COUNT_CAP + 1}) s`,
    params: [tenantId, `{${scopePaths.join(',')}}`],
  };
}

export interface ApiSqlTweaks {
  /** `org_unit_id = any(array(select …))` (an InitPlan, resolved once) instead of `in (select …)` */
  arrayScope?: boolean;
  /** the count cap (default the API's, COUNT_CAP) */
  countCap?: number;
}

/** What users.ts sends for a scope (no filters), in `$n` form. */
export function apiStatements(tenantId: string, scope: ScopePaths, tweaks: ApiSqlTweaks = {}): Statements {
  const s = orgScopeSql(scope, tenantId);
  const scopeSql = tweaks.arrayScope ? s.sql.replace(/ in \((select .*)\)$/, ' = any(array($1))') : s.sql;
  const where = `tenant_id = ? and ${scopeSql}`;
  const params = [tenantId, ...s.params];
  const cap = tweaks.countCap ?? COUNT_CAP;
  return {
    page: numbered(
      `select ${COLUMNS} from app_user where ${where} order by created_at desc, id limit ? offset ?`,
    ),
    count: numbered(
      `select count(*)::int as n from (select 1 from app_user where ${where} limit ${cap + 1}) s`,
    ),
    params,
  };
}
