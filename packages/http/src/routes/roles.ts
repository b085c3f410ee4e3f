import { type Role, RoleEntity } from '@civicgrid/authz';
import { AppError, badInput, conflict, forbidden, notFound } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, sendList, type UserContext } from '../context.ts';
import { errorResponses, IdParams, listQuery, Name, pageOf } from '../schemas.ts';

const RoleView = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  permissions: Type.Array(Type.String()),
  system: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const Permissions = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500, uniqueItems: true });
const Description = Type.Union([Type.String({ maxLength: 500 }), Type.Null()]);
const CreateBody = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z][a-z0-9-]{1,63}$' }),
    name: Name,
    description: Type.Optional(Description),
    permissions: Permissions,
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    permissions: Type.Optional(Permissions),
  },
  { additionalProperties: false, minProperties: 1 },
);

const view = (r: Role) => ({
  ...r,
  description: r.description ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export async function roleRoutes(app: FastifyInstance) {
  const { db, catalog } = app.deps;
  const tags = ['roles'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  /**
   * Roles are tenant-wide: changing one changes every grant of it. So managing roles needs a tenant-wide
   * grant, and a role can hold only permissions its author holds tenant-wide (no one grants more than she has).
   */
  const checkManage = (ctx: UserContext, permissions: string[] | undefined) => {
    if (ctx.access.scope('core.role.manage') !== 'all')
      throw forbidden('managing roles needs a tenant-wide grant');
    for (const p of permissions ?? []) {
      if (!catalog.has(p)) throw badInput('permissions', `unknown permission ${p}`);
      if (!ctx.access.coversEverywhere(p))
        throw forbidden(`you cannot give a role ${p}: you do not hold it tenant-wide`);
    }
  };

  app.get(
    '/permissions',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        tags,
        response: {
          200: Type.Array(
            Type.Object({
              key: Type.String(),
              group: Type.Optional(Type.String()),
              title: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }),
              // Named conditions a role may put on it: the role holds `<key>?<name>`.
              conditions: Type.Array(
                Type.Object({
                  name: Type.String(),
                  title: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }),
                }),
              ),
            }),
          ),
        },
      },
    },
    async () =>
      catalog.list().map((d) => ({
        ...d,
        conditions: catalog.conditionsOf(d.key).map((c) => ({ name: c.name, title: c.title })),
      })),
  );

  app.get(
    '/roles',
    {
      config: perm('core.role.read'),
      schema: {
        tags,
        querystring: listQuery(['key', 'name', 'createdAt'], {}),
        response: { 200: Type.Array(RoleView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const page = pageOf(req.query as never, 'key' as 'key' | 'name' | 'createdAt');
      const r = await inUserContext(db, req, 'core.role.read', async ({ tx }) => {
        const [rows, total] = await tx.em.findAndCount(
          RoleEntity,
          {},
          {
            orderBy: { [page.sort]: page.order, id: 'asc' },
            limit: page.end - page.start,
            offset: page.start,
          },
        );
        return { rows: rows.map(view), total };
      });
      return sendList(reply, r);
    },
  );

  app.get(
    '/roles/:id',
    {
      config: perm('core.role.read'),
      schema: { tags, params: IdParams, response: { 200: RoleView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, 'core.role.read', async ({ tx }) => {
        const r = await tx.em.findOne(RoleEntity, { id });
        if (!r) throw notFound('role');
        return view(r);
      });
    },
  );

  app.post(
    '/roles',
    {
      config: perm('core.role.manage'),
      schema: { tags, body: CreateBody, response: { 201: RoleView, ...errorResponses } },
    },
    async (req, reply) => {
      const body = req.body as {
        key: string;
        name: string;
        description?: string | null;
        permissions: string[];
      };
      const role = await inUserContext(db, req, 'core.role.manage', async (ctx) => {
        checkManage(ctx, body.permissions);
        if (await ctx.tx.em.findOne(RoleEntity, { key: body.key }))
          throw conflict('duplicate', 'a role with this key exists', 'key');
        const now = new Date();
        const r = ctx.tx.em.create(RoleEntity, {
          tenantId: ctx.tx.tenantId!,
          id: crypto.randomUUID(),
          key: body.key,
          name: body.name,
          description: body.description ?? null,
          permissions: body.permissions,
          system: false,
          createdAt: now,
          updatedAt: now,
        });
        await ctx.tx.em.flush();
        await ctx.audit({ action: 'role.create', targetType: 'role', targetId: r.id, after: view(r) });
        return view(r);
      });
      return reply.status(201).send(role);
    },
  );

  app.patch(
    '/roles/:id',
    {
      config: perm('core.role.manage'),
      schema: { tags, params: IdParams, body: PatchBody, response: { 200: RoleView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patch = req.body as { name?: string; description?: string | null; permissions?: string[] };
      return inUserContext(db, req, 'core.role.manage', async (ctx) => {
        checkManage(ctx, patch.permissions);
        const r = await ctx.tx.em.findOne(RoleEntity, { id });
        if (!r) throw notFound('role');
        const before = view(r);
        Object.assign(r, patch, { updatedAt: new Date() });
        await ctx.tx.em.flush();
        await ctx.audit({ action: 'role.update', targetType: 'role', targetId: id, before, after: view(r) });
        return view(r);
      });
    },
  );

  app.delete(
    '/roles/:id',
    {
      config: perm('core.role.manage'),
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      await inUserContext(db, req, 'core.role.manage', async (ctx) => {
        checkManage(ctx, []);
        const r = await ctx.tx.em.findOne(RoleEntity, { id });
        if (!r) throw notFound('role');
        if (r.system) throw new AppError(409, 'system_role', 'default roles can be edited but not deleted');
        const [g] = await ctx.tx.query(
          `select 1 from role_grant where tenant_id = ? and role_id = ? limit 1`,
          [ctx.tx.tenantId, id],
        );
        if (g) throw new AppError(409, 'in_use', 'this role is still granted; revoke its grants first');
        await ctx.tx.query(`delete from role where tenant_id = ? and id = ?`, [ctx.tx.tenantId, id]);
        await ctx.audit({ action: 'role.delete', targetType: 'role', targetId: id, before: view(r) });
      });
      return reply.status(204).send();
    },
  );
}
