import { forbidden } from '@civicgrid/kernel';
import { tenantModules } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext } from '../context.ts';
import { errorResponses } from '../schemas.ts';
import { changeModule } from '../services/modules.ts';

const Text = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
const ModuleView = Type.Object({
  id: Type.String(),
  version: Type.String(),
  title: Text,
  description: Type.Union([Text, Type.Null()]),
  dependsOn: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  settings: Type.Record(Type.String(), Type.Unknown()),
  settingsSchema: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  permissions: Type.Array(Type.Object({ key: Type.String(), title: Text })),
  enabledAt: Type.Union([Type.String(), Type.Null()]),
});
const Params = Type.Object(
  { id: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }) },
  { additionalProperties: false },
);
const Body = Type.Object(
  { enabled: Type.Boolean(), settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);

export async function moduleRoutes(app: FastifyInstance) {
  const { db, modules: plugins } = app.deps;
  const tags = ['modules'];

  const views = async (tx: Parameters<typeof tenantModules>[0]) => {
    const rows = new Map((await tenantModules(tx)).map((r) => [r.moduleId, r]));
    return Promise.all(
      plugins.host.plugins.map(async (p) => {
        const row = rows.get(p.id);
        return {
          id: p.id,
          version: p.version,
          title: p.title,
          description: p.description ?? null,
          dependsOn: p.dependsOn ?? [],
          enabled: row?.enabled === true,
          settings: await plugins.settings.read(tx, p.id),
          settingsSchema: p.settings?.schema ?? null,
          permissions: (p.permissions ?? []).map(({ key, title }) => ({ key, title })),
          enabledAt: row?.enabledAt?.toISOString() ?? null,
        };
      }),
    );
  };

  app.get(
    '/modules',
    {
      config: { access: { kind: 'permission', permission: 'core.module.read' } },
      schema: { tags, response: { 200: Type.Array(ModuleView), ...errorResponses } },
    },
    async (req, reply) => {
      const list = await inUserContext(db, req, 'core.module.read', ({ tx }) => views(tx));
      reply.header('x-total-count', String(list.length));
      return list;
    },
  );

  app.put(
    '/modules/:id',
    {
      config: { access: { kind: 'permission', permission: 'core.module.manage' } },
      schema: { tags, params: Params, body: Body, response: { 200: ModuleView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const body = req.body as { enabled: boolean; settings?: Record<string, unknown> };
      const { view, result, tenantId } = await inUserContext(db, req, 'core.module.manage', async (ctx) => {
        // A module is on or off for the whole city: switching it needs a tenant-wide grant.
        if (ctx.access.scope('core.module.manage') !== 'all')
          throw forbidden('switching modules needs a tenant-wide grant');
        const result = await changeModule(ctx.tx, plugins.host, plugins.settings, plugins.depsFor, id, body);
        const action = !result.switched
          ? 'module.configure'
          : body.enabled
            ? 'module.enable'
            : 'module.disable';
        await ctx.audit({
          action,
          targetType: 'module',
          targetId: id,
          before: result.before ?? { enabled: false },
          after: result.after,
        });
        const view = (await views(ctx.tx)).find((v) => v.id === id)!;
        return { view, result, tenantId: ctx.user.tenantId };
      });
      // Schedules live in the queue, outside the transaction: rebuild them once the change is committed.
      // The worker's reconciler repairs them at its next start if this fails.
      if (result.switched && plugins.onSwitched) {
        await plugins
          .onSwitched(tenantId)
          .catch((err) => req.log.error({ err, module: id }, 'schedule reconcile failed'));
      }
      return view;
    },
  );
}
