import { orgScopeSql } from '@civicgrid/authz';
import { countCapped } from '@civicgrid/db';
import {
  createUser,
  getUser,
  resetPassword,
  toUserView,
  type User,
  type UserPatch,
  updateUser,
} from '@civicgrid/identity';
import { badInput, forbidden, notFound } from '@civicgrid/kernel';
import { getUnit, inSubtreeOf, inUnitsWhere } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, sendList, type UserContext } from '../context.ts';
import {
  errorResponses,
  IdParams,
  listQuery,
  Name,
  Password,
  Phone,
  pageOf,
  Username,
  Uuid,
} from '../schemas.ts';

const UserView = Type.Object({
  id: Type.String(),
  orgUnitId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()], { description: 'masked: 138****5678' }),
  status: Type.String(),
  locked: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const CreateBody = Type.Object(
  {
    orgUnitId: Uuid,
    username: Username,
    displayName: Name,
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    password: Password,
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    displayName: Type.Optional(Name),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
    orgUnitId: Type.Optional(Uuid),
  },
  { additionalProperties: false, minProperties: 1 },
);

const SORT = { createdAt: 'created_at', username: 'username', displayName: 'display_name' } as const;

/** The list's statements come in a few shapes (filters × sort): prepare them per connection. */
const HOT = { prepare: true } as const;

/** A unit the caller may place users in with `permission` (a unit outside scope reads as unknown). */
async function unitInScope(ctx: UserContext, unitId: string, permission: string) {
  const unit = await getUnit(ctx.tx, unitId);
  if (!unit || !ctx.access.can('core.org-unit.read', unit.ancestorIds))
    throw badInput('orgUnitId', 'no such org unit');
  if (!ctx.access.can(permission, unit.ancestorIds))
    throw forbidden('you may manage users only inside your own scope');
  return unit;
}

/** Loads a user the caller may act on; one outside her scope is "not found", never someone else's data. */
export async function userFor(ctx: UserContext, id: string, permission: string): Promise<User> {
  const user = await getUser(ctx.tx, id).catch(() => null);
  const unit = user ? await getUnit(ctx.tx, user.orgUnitId) : null;
  if (!user || !unit || !ctx.access.can('core.user.read', unit.ancestorIds)) throw notFound('user');
  if (!ctx.access.can(permission, unit.ancestorIds)) throw forbidden(`you need ${permission} for this user`);
  return user;
}

export async function userRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  const tags = ['users'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  app.get(
    '/users',
    {
      config: perm('core.user.read'),
      schema: {
        tags,
        querystring: listQuery(Object.keys(SORT), {
          orgUnitId: Type.Optional(Uuid),
          under: Type.Optional(Uuid),
          status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
          username: Type.Optional(Username),
          q: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: { 200: Type.Array(UserView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as {
        orgUnitId?: string;
        under?: string;
        status?: string;
        username?: string;
        q?: string;
      };
      const page = pageOf(req.query as never, 'createdAt' as keyof typeof SORT);
      const result = await inUserContext(db, req, 'core.user.read', async ({ tx, access }) => {
        const s = orgScopeSql(access.scope('core.user.read'), tx.tenantId);
        const where = ['tenant_id = ?', s.sql];
        const params: unknown[] = [tx.tenantId, ...s.params];
        if (q.orgUnitId) {
          where.push('org_unit_id = ?');
          params.push(q.orgUnitId);
        }
        if (q.under) {
          where.push(inUnitsWhere('org_unit_id', inSubtreeOf('path_key', 'tenant_id = ? and id = ?')));
          params.push(tx.tenantId, tx.tenantId, q.under, tx.tenantId, q.under);
        }
        if (q.status) {
          where.push('status = ?');
          params.push(q.status);
        }
        if (q.username) {
          where.push('username = ?');
          params.push(q.username);
        }
        if (q.q) {
          where.push(`(username ilike ? escape '\\' or display_name ilike ? escape '\\')`);
          const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
          params.push(like, like);
        }
        const w = where.join(' and ');
        const rows = await tx.query<User>(
          `select id, org_unit_id as "orgUnitId", username, display_name as "displayName", phone, status,
             locked_until as "lockedUntil", created_at as "createdAt", updated_at as "updatedAt"
           from app_user where ${w} order by ${SORT[page.sort]} ${page.order}, id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
          HOT,
        );
        return { rows: rows.map(toUserView), ...(await countCapped(tx, `app_user where ${w}`, params, HOT)) };
      });
      return sendList(reply, result);
    },
  );

  app.get(
    '/users/:id',
    {
      config: perm('core.user.read'),
      schema: { tags, params: IdParams, response: { 200: UserView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return toUserView(
        await inUserContext(db, req, 'core.user.read', (ctx) => userFor(ctx, id, 'core.user.read')),
      );
    },
  );

  app.post(
    '/users',
    {
      config: perm('core.user.create'),
      schema: { tags, body: CreateBody, response: { 201: UserView, ...errorResponses } },
    },
    async (req, reply) => {
      const body = req.body as {
        orgUnitId: string;
        username: string;
        displayName: string;
        phone?: string | null;
        password: string;
      };
      const user = await inUserContext(db, req, 'core.user.create', async (ctx) => {
        await unitInScope(ctx, body.orgUnitId, 'core.user.create');
        const u = await createUser(ctx.tx, body);
        await ctx.audit({
          action: 'user.create',
          targetType: 'user',
          targetId: u.id,
          orgUnitId: u.orgUnitId,
          after: toUserView(u),
        });
        return u;
      });
      return reply.status(201).send(toUserView(user));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: perm('core.user.update'),
      schema: { tags, params: IdParams, body: PatchBody, response: { 200: UserView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patch = req.body as UserPatch;
      const user = await inUserContext(db, req, 'core.user.update', async (ctx) => {
        const u = await userFor(ctx, id, 'core.user.update');
        if (patch.status === 'disabled' && u.id === ctx.user.id)
          throw badInput('status', 'you cannot disable your own account');
        if (patch.orgUnitId) await unitInScope(ctx, patch.orgUnitId, 'core.user.update');
        const before = toUserView(u);
        const after = toUserView(await updateUser(ctx.tx, u, patch));
        await ctx.audit({
          action: 'user.update',
          targetType: 'user',
          targetId: id,
          orgUnitId: after.orgUnitId,
          before,
          after,
        });
        return after;
      });
      return user;
    },
  );

  app.post(
    '/users/:id/reset-password',
    {
      config: perm('core.user.update'),
      schema: {
        tags,
        summary: "Set a new password, unlock the account and end the user's sessions",
        params: IdParams,
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      await inUserContext(db, req, 'core.user.update', async (ctx) => {
        const u = await userFor(ctx, id, 'core.user.update');
        await resetPassword(ctx.tx, u, (req.body as { password: string }).password);
        await ctx.audit({
          action: 'user.reset-password',
          targetType: 'user',
          targetId: id,
          orgUnitId: u.orgUnitId,
        });
      });
      return reply.status(204).send();
    },
  );
}
