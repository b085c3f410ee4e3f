import { orgScopeSql, RoleEntity } from '@civicgrid/authz';
import { countCapped } from '@civicgrid/db';
import { badInput, conflict, forbidden, notFound } from '@civicgrid/kernel';
import { getUnit } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, sendList, type UserContext } from '../context.ts';
import { errorResponses, IdParams, listQuery, pageOf, Uuid } from '../schemas.ts';
import { userFor } from './users.ts';

const GrantView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  roleId: Type.String(),
  roleKey: Type.String(),
  orgUnitId: Type.String(),
  orgUnitName: Type.String(),
  grantedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
type Grant = {
  id: string;
  userId: string;
  roleId: string;
  roleKey: string;
  orgUnitId: string;
  orgUnitName: string;
  grantedBy: string | null;
  createdAt: Date;
};

const SELECT = `select g.id, g.user_id as "userId", g.role_id as "roleId", r.key as "roleKey", g.org_unit_id as "orgUnitId",
  o.name as "orgUnitName", g.granted_by as "grantedBy", g.created_at as "createdAt"
  from role_grant g join role r on r.tenant_id = g.tenant_id and r.id = g.role_id
  join org_unit o on o.tenant_id = g.tenant_id and o.id = g.org_unit_id`;

const view = (g: Grant) => ({ ...g, createdAt: new Date(g.createdAt).toISOString() });

/**
 * Granting (or revoking) a role on a unit needs core.grant.manage there, and every permission of the
 * role held there too: no one hands out more than she has.
 */
async function checkDelegable(ctx: UserContext, roleId: string, unitId: string) {
  const unit = await getUnit(ctx.tx, unitId);
  if (!unit || !ctx.access.can('core.org-unit.read', unit.ancestorIds))
    throw badInput('orgUnitId', 'no such org unit');
  if (!ctx.access.can('core.grant.manage', unit.ancestorIds))
    throw forbidden('you may grant roles only inside your own scope');
  const role = await ctx.tx.em.findOne(RoleEntity, { id: roleId });
  if (!role) throw badInput('roleId', 'no such role');
  const missing = role.permissions.filter((p) => !ctx.access.covers(p, unit.ancestorIds));
  if (missing.length)
    throw forbidden(`you cannot grant ${role.key} here: you do not hold ${missing.join(', ')} on this unit`);
  return { unit, role };
}

export async function grantRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  const tags = ['grants'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  app.get(
    '/grants',
    {
      config: perm('core.grant.read'),
      schema: {
        tags,
        querystring: listQuery(['createdAt'], {
          userId: Type.Optional(Uuid),
          orgUnitId: Type.Optional(Uuid),
          roleId: Type.Optional(Uuid),
        }),
        response: { 200: Type.Array(GrantView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as { userId?: string; orgUnitId?: string; roleId?: string };
      const page = pageOf(req.query as never, 'createdAt');
      const r = await inUserContext(db, req, 'core.grant.read', async ({ tx, access }) => {
        const s = orgScopeSql(access.scope('core.grant.read'), tx.tenantId, 'g.org_unit_id');
        const where = ['g.tenant_id = ?', s.sql];
        const params: unknown[] = [tx.tenantId, ...s.params];
        for (const [k, col] of [
          ['userId', 'g.user_id'],
          ['orgUnitId', 'g.org_unit_id'],
          ['roleId', 'g.role_id'],
        ] as const) {
          if (q[k]) {
            where.push(`${col} = ?`);
            params.push(q[k]);
          }
        }
        const w = where.join(' and ');
        const rows = await tx.query<Grant>(
          `${SELECT} where ${w} order by g.created_at ${page.order}, g.id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
        );
        return { rows: rows.map(view), ...(await countCapped(tx, `role_grant g where ${w}`, params)) };
      });
      return sendList(reply, r);
    },
  );

  app.post(
    '/grants',
    {
      config: perm('core.grant.manage'),
      schema: {
        tags,
        body: Type.Object({ userId: Uuid, roleId: Uuid, orgUnitId: Uuid }, { additionalProperties: false }),
        response: { 201: GrantView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const body = req.body as { userId: string; roleId: string; orgUnitId: string };
      const g = await inUserContext(db, req, 'core.grant.manage', async (ctx) => {
        await userFor(ctx, body.userId, 'core.grant.manage').catch((e) => {
          throw (e as { statusCode?: number }).statusCode === 404 ? badInput('userId', 'no such user') : e;
        });
        const { role } = await checkDelegable(ctx, body.roleId, body.orgUnitId);
        const id = crypto.randomUUID();
        try {
          await ctx.tx.query(
            `insert into role_grant (tenant_id, id, user_id, role_id, org_unit_id, granted_by) values (?, ?, ?, ?, ?, ?)`,
            [ctx.tx.tenantId, id, body.userId, body.roleId, body.orgUnitId, ctx.user.id],
          );
        } catch (err) {
          if ((err as { code?: string }).code === '23505')
            throw conflict('duplicate', 'the user already holds this role on this unit');
          throw err;
        }
        const [row] = await ctx.tx.query<Grant>(`${SELECT} where g.tenant_id = ? and g.id = ?`, [
          ctx.tx.tenantId,
          id,
        ]);
        await ctx.audit({
          action: 'grant.create',
          targetType: 'grant',
          targetId: id,
          orgUnitId: body.orgUnitId,
          after: { ...body, role: role.key },
        });
        return view(row!);
      });
      return reply.status(201).send(g);
    },
  );

  app.delete(
    '/grants/:id',
    {
      config: perm('core.grant.manage'),
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      await inUserContext(db, req, 'core.grant.manage', async (ctx) => {
        const [g] = await ctx.tx.query<Grant>(`${SELECT} where g.tenant_id = ? and g.id = ?`, [
          ctx.tx.tenantId,
          id,
        ]);
        const unit = g ? await getUnit(ctx.tx, g.orgUnitId) : null;
        if (!g || !unit || !ctx.access.can('core.grant.read', unit.ancestorIds)) throw notFound('grant');
        await checkDelegable(ctx, g.roleId, g.orgUnitId);
        await ctx.tx.query(`delete from role_grant where tenant_id = ? and id = ?`, [ctx.tx.tenantId, id]);
        await ctx.audit({
          action: 'grant.delete',
          targetType: 'grant',
          targetId: id,
          orgUnitId: g.orgUnitId,
          before: view(g),
        });
      });
      return reply.status(204).send();
    },
  );
}
