import type { Access } from '@civicgrid/authz';
import { orgScopeSql } from '@civicgrid/authz';
import type { Tx } from '@civicgrid/db';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext } from '../context.ts';
import { errorResponses } from '../schemas.ts';

const Count = Type.Union([Type.Integer(), Type.Null()], {
  description: 'null when the user may not see this kind of record anywhere',
});

const Counts = Type.Object({
  units: Type.Record(Type.String(), Type.Integer(), { description: 'org units in scope by kind' }),
  users: Count,
  residents: Count,
  houses: Count,
  shops: Count,
});

/** Rows of `table` whose `column` unit lies where the user holds `permission`; null if nowhere. */
async function countIn(tx: Tx, access: Access, permission: string, table: string, column = 'org_unit_id') {
  if (!access.holdsAnywhere(permission)) return null;
  const s = orgScopeSql(access.scope(permission), tx.tenantId, column);
  const [r] = await tx.query<{ n: string }>(
    `select count(*) as n from ${table} where tenant_id = ? and ${s.sql}`,
    [tx.tenantId, ...s.params],
  );
  return Number(r!.n);
}

/**
 * The dashboard's figures for the caller's scope in one call, each under its own read permission and
 * exact (the lists' `x-total-count` stops at 1,000): org units by kind, staff, residents, houses, shops.
 */
export async function dashboardRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  app.get(
    '/dashboard/counts',
    {
      config: { access: { kind: 'permission', permission: 'core.org-unit.read' } },
      schema: { tags: ['dashboard'], response: { 200: Counts, ...errorResponses } },
    },
    async (req) =>
      inUserContext(db, req, 'core.org-unit.read', async ({ tx, access }) => {
        const s = orgScopeSql(access.scope('core.org-unit.read'), tx.tenantId, 'id');
        const kinds = await tx.query<{ kind: string; n: string }>(
          `select kind, count(*) as n from org_unit where tenant_id = ? and ${s.sql} group by kind`,
          [tx.tenantId, ...s.params],
        );
        return {
          units: Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)])),
          users: await countIn(tx, access, 'core.user.read', 'app_user'),
          residents: await countIn(tx, access, 'registry.resident.read', 'resident'),
          houses: await countIn(tx, access, 'registry.place.read', 'house'),
          shops: await countIn(tx, access, 'registry.place.read', 'shop'),
        };
      }),
  );
}
