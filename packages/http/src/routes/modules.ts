import type { Tx } from '@civicgrid/db';
import { forbidden } from '@civicgrid/kernel';
import { tenantModules } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext } from '../context.ts';
import { errorResponses } from '../schemas.ts';
import { afterSwitch, type ModuleRuntime, maskSecrets, switchModule } from '../services/modules.ts';

const Text = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
export const ModuleView = Type.Object({
  id: Type.String(),
  version: Type.String(),
  title: Text,
  description: Type.Union([Text, Type.Null()]),
  dependsOn: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  settings: Type.Record(Type.String(), Type.Unknown()),
  settingsSchema: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  permissions: Type.Array(Type.Object({ key: Type.String(), title: Text })),
  /** The module's jobs, with the cron of the scheduled ones (a tenant setting may replace it). */
  jobs: Type.Array(
    Type.Object({ name: Type.String(), title: Text, cron: Type.Union([Type.String(), Type.Null()]) }),
  ),
  enabledAt: Type.Union([Type.String(), Type.Null()]),
});
export const ModuleParams = Type.Object(
  { id: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }) },
  { additionalProperties: false },
);
export const ModuleBody = Type.Object(
  { enabled: Type.Boolean(), settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);

/**
 * Every installed module with the tenant's state and its settings (defaults applied; write-only ones
 * such as a webhook secret masked). One plugin after another: the queries share the transaction's
 * single connection, which must not be given two at once.
 */
export async function moduleViews(tx: Tx, rt: ModuleRuntime) {
  const rows = new Map((await tenantModules(tx)).map((r) => [r.moduleId, r]));
  const views = [];
  for (const p of rt.host.plugins) {
    const row = rows.get(p.id);
    views.push({
      id: p.id,
      version: p.version,
      title: p.title,
      description: p.description ?? null,
      dependsOn: p.dependsOn ?? [],
      enabled: row?.enabled === true,
      settings: maskSecrets(p.settings?.schema, await rt.settings.read(tx, p.id)),
      settingsSchema: p.settings?.schema ?? null,
      permissions: (p.permissions ?? []).map(({ key, title }) => ({ key, title })),
      jobs: (p.jobs ?? []).map((j) => ({
        name: j.name,
        title: j.title ?? { 'zh-CN': j.name, en: j.name },
        cron: j.schedule?.cron ?? null,
      })),
      enabledAt: row?.enabledAt?.toISOString() ?? null,
    });
  }
  return views;
}

export async function moduleRoutes(app: FastifyInstance) {
  const { db, modules: rt } = app.deps;
  const tags = ['modules'];

  app.get(
    '/modules',
    {
      config: { access: { kind: 'permission', permission: 'core.module.read' } },
      schema: { tags, response: { 200: Type.Array(ModuleView), ...errorResponses } },
    },
    async (req, reply) => {
      const list = await inUserContext(db, req, 'core.module.read', ({ tx }) => moduleViews(tx, rt));
      reply.header('x-total-count', String(list.length));
      return list;
    },
  );

  app.put(
    '/modules/:id',
    {
      config: { access: { kind: 'permission', permission: 'core.module.manage' } },
      schema: {
        tags,
        params: ModuleParams,
        body: ModuleBody,
        response: { 200: ModuleView, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const body = req.body as { enabled: boolean; settings?: Record<string, unknown> };
      const { view, result, tenantId } = await inUserContext(db, req, 'core.module.manage', async (ctx) => {
        // A module is on or off for the whole city: switching it needs a tenant-wide grant.
        if (ctx.access.scope('core.module.manage') !== 'all')
          throw forbidden('switching modules needs a tenant-wide grant');
        const result = await switchModule(ctx.tx, rt, ctx.actor, id, body);
        const view = (await moduleViews(ctx.tx, rt)).find((v) => v.id === id)!;
        return { view, result, tenantId: ctx.user.tenantId };
      });
      await afterSwitch(rt, tenantId, result, req.log);
      return view;
    },
  );
}
