import type { Tx } from '@civicgrid/db';
import { badInput, conflict, notFound } from '@civicgrid/kernel';
import { EntitySchema } from '@mikro-orm/core';

export interface Tenant {
  id: string;
  code: string;
  name: string;
  timezone: string;
  locale: string;
  divisionCode: string | null;
  status: 'active' | 'suspended' | 'importing';
  createdAt: Date;
  suspendedAt: Date | null;
}

/** Global table: the platform's list of cities and districts. */
export const TenantEntity = new EntitySchema<Tenant>({
  name: 'Tenant',
  tableName: 'tenant',
  properties: {
    id: { type: 'uuid', primary: true },
    code: { type: 'string' },
    name: { type: 'string' },
    timezone: { type: 'string' },
    locale: { type: 'string' },
    divisionCode: { type: 'string', nullable: true },
    status: { type: 'string' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    suspendedAt: { type: 'Date', nullable: true },
  },
});

export interface TenantInput {
  code: string;
  name: string;
  timezone?: string;
  locale?: string;
  divisionCode?: string | null;
}

const TIMEZONES = new Set(Intl.supportedValuesOf('timeZone'));

export async function insertTenant(tx: Tx, input: TenantInput): Promise<Tenant> {
  if (input.timezone && !TIMEZONES.has(input.timezone)) throw badInput('timezone', 'not an IANA time zone');
  const exists = await tx.em.findOne(TenantEntity, { code: input.code });
  if (exists) throw conflict('duplicate', 'a tenant with this code exists', 'code');
  const tenant = tx.em.create(TenantEntity, {
    id: crypto.randomUUID(),
    code: input.code,
    name: input.name,
    timezone: input.timezone ?? 'Asia/Shanghai',
    locale: input.locale ?? 'zh-CN',
    divisionCode: input.divisionCode ?? null,
    status: 'active',
    createdAt: new Date(),
    suspendedAt: null,
  });
  await tx.em.flush();
  return tenant;
}

export async function setTenantStatus(
  tx: Tx,
  id: string,
  status: Tenant['status'],
): Promise<{ before: Tenant['status']; after: Tenant }> {
  const tenant = await tx.em.findOne(TenantEntity, { id });
  if (!tenant) throw notFound('tenant');
  // Its import job ends it suspended; until then nobody switches it.
  if (tenant.status === 'importing') throw conflict('tenant_importing', 'the tenant is still being imported');
  const before = tenant.status;
  tenant.status = status;
  tenant.suspendedAt = status === 'suspended' ? new Date() : null;
  await tx.em.flush();
  return { before, after: tenant };
}

export const findTenantByCode = (tx: Tx, code: string) => tx.em.findOne(TenantEntity, { code });
export const findTenant = (tx: Tx, id: string) => tx.em.findOne(TenantEntity, { id });

export async function listTenants(tx: Tx, start: number, end: number, status?: Tenant['status']) {
  const where = status ? { status } : {};
  const [rows, total] = await tx.em.findAndCount(TenantEntity, where, {
    orderBy: { createdAt: 'desc', id: 'asc' },
    limit: Math.max(0, end - start),
    offset: start,
  });
  return { rows, total };
}

/**
 * The tenant's time zone and today's date there, as SQL inside a tenant transaction: a city's staff
 * date what they record by its calendar, and the database's own zone (`current_date`, `date::timestamptz`)
 * is a day behind Yiwu from 16:00 UTC. A date becomes a moment at the tenant's midnight with
 * `d::timestamp at time zone ${TENANT_ZONE_SQL}`.
 */
export const TENANT_ZONE_SQL =
  "(select t.timezone from tenant t where t.id = current_setting('app.tenant_id')::uuid)";
export const TENANT_TODAY_SQL = `(now() at time zone ${TENANT_ZONE_SQL})::date`;

/** Today's date in the tenant's time zone, `YYYY-MM-DD` (the year a record belongs to is the tenant's). */
export async function tenantToday(tx: Tx): Promise<string> {
  const [row] = await tx.query<{ today: string }>(
    `select to_char(${TENANT_TODAY_SQL}, 'YYYY-MM-DD') as today`,
  );
  return row!.today;
}
