import { orgScopeSql } from '@civicgrid/authz';
import { badInput } from '@civicgrid/kernel';
import { idLookupHash, needPii, type Pii, phoneLookupHash } from '@civicgrid/registry';
import { inSubtreeOf } from '@civicgrid/tenancy';
import { Type } from 'typebox';
import type { UserContext } from '../../context.ts';
import { Phone, Uuid } from '../../schemas.ts';
import type { Place } from './places.ts';
import { likePrefix } from './scope.ts';

/**
 * The registry lists' filters, one builder per list, used by the list route and by its export alike:
 * an export is "the list with its current filters", so the two must never drift apart. Each builder
 * answers a condition with its parameters: inside the caller's scope for each of `permissions` (a list:
 * its read permission; an export: read and registry.data.export), then the filters given.
 */

type Conditions = { where: string[]; params: unknown[] };

function scoped(
  ctx: UserContext,
  tenantColumn: string,
  unitColumn: string,
  permissions: string[],
): Conditions {
  const where = [`${tenantColumn} = ?`];
  const params: unknown[] = [ctx.tx.tenantId];
  for (const permission of permissions) {
    const s = orgScopeSql(ctx.access.scope(permission), ctx.tx.tenantId, unitColumn);
    where.push(s.sql);
    params.push(...s.params);
  }
  return { where, params };
}

/** `column`'s unit is `under` or below it (the `under` filter of every list). */
function underUnit(c: Conditions, ctx: UserContext, column: string, under: string) {
  const sub = inSubtreeOf('u.path_key', 'tenant_id = ? and id = ?');
  const t = ctx.tx.tenantId;
  c.where.push(`${column} in (select id from org_unit u where u.tenant_id = ? and ${sub})`);
  c.params.push(t, t, under, t, under);
}

const add = (c: Conditions, sql: string, ...values: unknown[]) => {
  c.where.push(sql);
  c.params.push(...values);
};
const done = (c: Conditions) => ({ sql: c.where.join(' and '), params: c.params });

// ── residents ──────────────────────────────────────────────────────────────────────────────────────

export interface ResidentFilter {
  under?: string;
  houseId?: string;
  q?: string;
  idNumber?: string;
  phone?: string;
  registration?: string;
  tagId?: string;
  address?: string;
}

export const RESIDENT_FILTERS = {
  under: Type.Optional(Uuid),
  houseId: Type.Optional(Uuid),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 50, description: 'name prefix, or pinyin initials' }),
  ),
  idNumber: Type.Optional(
    Type.String({ minLength: 5, maxLength: 20, description: 'the full number: exact match' }),
  ),
  phone: Type.Optional(Phone),
  registration: Type.Optional(
    Type.Union([Type.Literal('local'), Type.Literal('floating'), Type.Literal('overseas')]),
  ),
  tagId: Type.Optional(Uuid),
  address: Type.Optional(
    Type.String({
      minLength: 2,
      maxLength: 100,
      description: 'the start of the address of where they live now',
    }),
  ),
};

/**
 * On `r` (resident) and `c` (its current residence). The list's SQL is exactly what it was before the
 * export shared it (its benchmarks measure this statement).
 */
export async function residentFilter(
  ctx: UserContext,
  q: ResidentFilter,
  pii: Pii | undefined,
  permissions: string[],
): Promise<{ sql: string; params: unknown[] }> {
  const { tx, access } = ctx;
  const c = scoped(ctx, 'r.tenant_id', 'r.org_unit_id', permissions);
  if (q.under) underUnit(c, ctx, 'r.org_unit_id', q.under);
  if (q.houseId) add(c, 'c.house_id = ?', q.houseId);
  if (q.registration) add(c, 'r.registration = ?', q.registration);
  if (q.q) add(c, /^[a-z]+$/.test(q.q) ? 'r.name_initials like ?' : 'r.name like ?', likePrefix(q.q));
  if (q.idNumber) add(c, 'r.id_hash = ?', idLookupHash(tx, needPii(pii), q.idNumber));
  if (q.phone) add(c, 'r.phone_hash = ?', phoneLookupHash(tx, needPii(pii), q.phone));
  if (q.address)
    add(
      c,
      'c.house_id in (select h.id from house h where h.tenant_id = ? and h.address like ?)',
      tx.tenantId,
      likePrefix(q.address),
    );
  if (q.tagId) {
    // Filtering by a sensitive group would reveal who is in it.
    const [t] = await tx.query<{ sensitive: boolean }>(
      `select sensitive from focus_tag where tenant_id = ? and id = ?`,
      [tx.tenantId, q.tagId],
    );
    if (!t || (t.sensitive && !access.holdsAnywhere('registry.sensitive-group.read')))
      throw badInput('tagId', 'no such focus group');
    add(
      c,
      'exists (select 1 from resident_tag rt where rt.tenant_id = r.tenant_id and rt.resident_id = r.id and rt.tag_id = ?)',
      q.tagId,
    );
  }
  return done(c);
}

// ── houses and shops ───────────────────────────────────────────────────────────────────────────────

export interface PlaceFilter {
  orgUnitId?: string;
  under?: string;
  q?: string;
  use?: string;
}

/** A place list's filters: houses also filter by use. */
export const placeFilters = (p: Place) => ({
  orgUnitId: Type.Optional(Uuid),
  under: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: `${p.search} prefix` })),
  ...(p.table === 'house'
    ? {
        use: Type.Optional(
          Type.Union([
            Type.Literal('own-occupied'),
            Type.Literal('rented'),
            Type.Literal('shop'),
            Type.Literal('vacant'),
          ]),
        ),
      }
    : {}),
});

/** On the bare table (no alias). */
export function placeFilter(ctx: UserContext, p: Place, q: PlaceFilter, permissions: string[]) {
  const c = scoped(ctx, 'tenant_id', 'org_unit_id', permissions);
  if (q.orgUnitId) add(c, 'org_unit_id = ?', q.orgUnitId);
  if (q.under) underUnit(c, ctx, 'org_unit_id', q.under);
  if (q.q) add(c, `${p.search} like ?`, likePrefix(q.q));
  if (q.use && p.table === 'house') add(c, 'use = ?', q.use);
  return done(c);
}

// ── households ─────────────────────────────────────────────────────────────────────────────────────

export interface HouseholdFilter {
  under?: string;
  houseId?: string;
  q?: string;
}
export const HOUSEHOLD_FILTERS = {
  under: Type.Optional(Uuid),
  houseId: Type.Optional(Uuid),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 50, description: "the head's name prefix, or pinyin initials" }),
  ),
};

/** On `hh` (household). */
export function householdFilter(ctx: UserContext, q: HouseholdFilter, permissions: string[]) {
  const c = scoped(ctx, 'hh.tenant_id', 'hh.org_unit_id', permissions);
  if (q.under) underUnit(c, ctx, 'hh.org_unit_id', q.under);
  if (q.houseId) add(c, 'hh.house_id = ?', q.houseId);
  if (q.q)
    add(
      c,
      `exists (select 1 from resident hr where hr.tenant_id = hh.tenant_id and hr.id = hh.head_id and ${
        /^[a-z]+$/.test(q.q) ? 'hr.name_initials' : 'hr.name'
      } like ?)`,
      likePrefix(q.q),
    );
  return done(c);
}
