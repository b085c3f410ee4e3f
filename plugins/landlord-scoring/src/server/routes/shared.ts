import { countCapped } from '@civicgrid/db';
import type { UserContext } from '@civicgrid/http';
import { badInput } from '@civicgrid/kernel';
import { getUnit } from '@civicgrid/tenancy';
import { Type } from 'typebox';
import { PERMISSIONS, type SubjectKind } from '../../common/index.ts';

export const IsoDate = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' });
/**
 * The pattern lets 2025-02-30 through, and JavaScript's Date rolls it over to 2 March; PostgreSQL would
 * refuse it with an error the client cannot act on. A date must come back from the calendar unchanged.
 */
export function checkDate(field: string, value: string | undefined): void {
  if (value === undefined) return;
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value)
    throw badInput(field, 'is not a date on the calendar');
}

export const Month = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' });
export const Kind = Type.Union([Type.Literal('landlord'), Type.Literal('shop')]);
/** One line a person types: no control characters. */
export const Line = (max: number) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });

export interface SubjectRef {
  id: string;
  kind: SubjectKind;
  orgUnitId: string;
  personId: string | null;
  shopId: string | null;
  /** her own login, if she has one: named condition `own` compares it with the caller */
  accountId: string | null;
  ancestorIds: string[];
}

/**
 * A subject the caller may read (her read scope holds its unit, or it is her own file), with the unit's
 * ancestors for the finer checks; null otherwise — a subject outside the scope or of another tenant is
 * simply not there.
 */
export async function visibleSubject(ctx: UserContext, id: string, lock = false): Promise<SubjectRef | null> {
  const [s] = await ctx.tx.query<Omit<SubjectRef, 'ancestorIds'>>(
    `select id, kind, org_unit_id as "orgUnitId", person_id as "personId", shop_id as "shopId",
            account_id as "accountId"
       from landlord_scoring_subject where tenant_id = ? and id = ?${lock ? ' for update' : ''}`,
    [ctx.tx.tenantId, id],
  );
  if (!s) return null;
  const unit = await getUnit(ctx.tx, s.orgUnitId);
  if (!unit || !ctx.access.can(PERMISSIONS.subjectRead, unit.ancestorIds, { accountId: s.accountId }))
    return null;
  return { ...s, ancestorIds: unit.ancestorIds };
}

/** May the caller act on this subject with `permission` (her scope, or her own file under `own`)? */
export const mayOn = (ctx: UserContext, permission: string, s: SubjectRef) =>
  ctx.access.can(permission, s.ancestorIds, { accountId: s.accountId });

/** The subject's display name: the landlord's name, or the shop's. */
export const SUBJECT_NAME = `coalesce(sh.name, p.name)`;
export const SUBJECT_JOINS = `left join resident p on p.tenant_id = s.tenant_id and p.id = s.person_id
  left join shop sh on sh.tenant_id = s.tenant_id and sh.id = s.shop_id`;

/**
 * One page of rows restricted in SQL to the units where the caller holds `permission` (the org-tree
 * semi-join on `unitColumn`), with the capped count. `from` may join; `where` holds the filters.
 */
export async function scopedPage<R>(
  ctx: UserContext,
  permission: string,
  q: {
    columns: string;
    from: string;
    unitColumn: string;
    where: string[];
    params: unknown[];
    orderBy: string;
    page: { start: number; end: number };
  },
) {
  // A named condition's column sits beside the unit's (`s.account_id` beside `s.org_unit_id`).
  const alias = q.unitColumn.includes('.') ? q.unitColumn.slice(0, q.unitColumn.indexOf('.') + 1) : '';
  const scope = ctx.access.where(permission, ctx.tx.tenantId, q.unitColumn, alias);
  const where = [scope.sql, ...q.where].join(' and ');
  const params = [...scope.params, ...q.params];
  const rows = await ctx.tx.query<R>(
    `select ${q.columns} from ${q.from} where ${where} order by ${q.orderBy} limit ? offset ?`,
    [...params, q.page.end - q.page.start, q.page.start],
  );
  return { rows, ...(await countCapped(ctx.tx, `${q.from} where ${where}`, params)) };
}

export const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());
