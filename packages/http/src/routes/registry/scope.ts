import { badInput, forbidden, notFound } from '@civicgrid/kernel';
import { getUnit } from '@civicgrid/tenancy';
import type { UserContext } from '../../context.ts';

/** A unit the caller may place registry records in with `permission` (outside scope reads as unknown). */
export async function unitFor(
  ctx: UserContext,
  unitId: string,
  read: string,
  permission: string,
  field = 'orgUnitId',
) {
  const unit = await getUnit(ctx.tx, unitId);
  if (!unit || !ctx.access.can(read, unit.ancestorIds)) throw badInput(field, 'no such org unit');
  if (!ctx.access.can(permission, unit.ancestorIds))
    throw forbidden('you may register records only inside your own scope');
  return unit;
}

/** A record hanging on `unitId` the caller may act on: outside her scope it is "not found". */
export async function recordIn(
  ctx: UserContext,
  what: string,
  unitId: string | undefined,
  read: string,
  permission: string,
) {
  const unit = unitId ? await getUnit(ctx.tx, unitId) : null;
  if (!unit || !ctx.access.can(read, unit.ancestorIds)) throw notFound(what);
  if (!ctx.access.can(permission, unit.ancestorIds))
    throw forbidden(`you need ${permission} for this ${what}`);
  return unit;
}

/** `%` and `_` typed into a search box are letters, not wildcards. */
export const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
