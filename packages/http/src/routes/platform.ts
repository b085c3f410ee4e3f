import { recordAudit } from '@civicgrid/audit';
import { enterTenant } from '@civicgrid/db';
import { notFound } from '@civicgrid/kernel';
import { findTenant, listTenants, setTenantStatus, type Tenant } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inOperatorContext, sendList } from '../context.ts';
import { errorResponses, IdParams, listQuery, Name, Password, Phone, pageOf, Username } from '../schemas.ts';
import { afterSwitch, switchModule } from '../services/modules.ts';
import { provisionTenant } from '../services/provision.ts';
import { ModuleBody, ModuleView, moduleViews } from './modules.ts';

const TenantView = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  locale: Type.String(),
  divisionCode: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  createdAt: Type.String(),
  suspendedAt: Type.Union([Type.String(), Type.Null()]),
});

const view = (t: Tenant) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  suspendedAt: t.suspendedAt ? t.suspendedAt.toISOString() : null,
});

const CreateTenant = Type.Object(
  {
    code: Type.String({ pattern: '^[a-z][a-z0-9-]{1,31}$', description: 'short login code, e.g. yiwu' }),
    name: Name,
    timezone: Type.Optional(Type.String({ pattern: '^[A-Za-z]+(/[A-Za-z_+-]+){0,2}$', maxLength: 64 })),
    locale: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])),
    divisionCode: Type.Optional(
      Type.String({ pattern: '^[0-9]{6}$', description: 'national district code, e.g. 330782' }),
    ),
    admin: Type.Object(
      { username: Username, displayName: Name, password: Password, phone: Type.Optional(Phone) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const TenantModuleParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), moduleId: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }) },
  { additionalProperties: false },
);

export async function platformRoutes(app: FastifyInstance) {
  const { db, modules: rt } = app.deps;
  const access = { kind: 'operator' } as const;
  const tags = ['platform'];

  app.get(
    '/platform/tenants',
    {
      config: { access },
      schema: {
        tags,
        querystring: listQuery(['createdAt'], {
          status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
        }),
        response: { 200: Type.Array(TenantView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as { status?: Tenant['status']; _start?: number; _end?: number };
      const page = pageOf(q, 'createdAt');
      const r = await inOperatorContext(db, req, ({ tx }) => listTenants(tx, page.start, page.end, q.status));
      return sendList(reply, { rows: r.rows.map(view), total: r.total });
    },
  );

  app.post(
    '/platform/tenants',
    {
      config: { access },
      schema: { tags, body: CreateTenant, response: { 201: TenantView, ...errorResponses } },
    },
    async (req, reply) => {
      const actor = await inOperatorContext(db, req, async (c) => c.actor);
      const { tenant } = await provisionTenant(db, actor, req.body as never);
      return reply.status(201).send(view(tenant));
    },
  );

  for (const [verb, status] of [
    ['suspend', 'suspended'],
    ['resume', 'active'],
  ] as const) {
    app.post(
      `/platform/tenants/:id/${verb}`,
      {
        config: { access },
        schema: { tags, params: IdParams, response: { 200: TenantView, ...errorResponses } },
      },
      async (req) => {
        const { id } = req.params as { id: string };
        const changed = await inOperatorContext(db, req, async ({ tx, actor }) => {
          const { before, after } = await setTenantStatus(tx, id, status);
          await recordAudit(await enterTenant(tx, id), actor, {
            action: `tenant.${verb}`,
            targetType: 'tenant',
            targetId: id,
            before: { status: before },
            after: { status: after.status },
          });
          return view(after);
        });
        // Schedules run for active tenants only: suspending removes them, resuming (an imported tenant
        // too) builds them again.
        await rt.onSwitched?.(id).catch((err) => req.log.error({ err }, 'schedule reconcile failed'));
        return changed;
      },
    );
  }

  // The operator's view of modules: what this deployment installs, and switching one for a tenant
  // (a city that has not named its own admin yet, or support on its behalf; audited as the operator).
  app.get(
    '/platform/tenants/:id/modules',
    {
      config: { access },
      schema: { tags, params: IdParams, response: { 200: Type.Array(ModuleView), ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inOperatorContext(db, req, async ({ tx }) => {
        if (!(await findTenant(tx, id))) throw notFound('tenant');
        return moduleViews(await enterTenant(tx, id), rt);
      });
    },
  );

  app.put(
    '/platform/tenants/:id/modules/:moduleId',
    {
      config: { access },
      schema: {
        tags,
        params: TenantModuleParams,
        body: ModuleBody,
        response: { 200: ModuleView, ...errorResponses },
      },
    },
    async (req) => {
      const { id, moduleId } = req.params as { id: string; moduleId: string };
      const { view, result } = await inOperatorContext(db, req, async ({ tx, actor }) => {
        if (!(await findTenant(tx, id))) throw notFound('tenant');
        const ttx = await enterTenant(tx, id);
        const result = await switchModule(ttx, rt, actor, moduleId, req.body as never);
        return { view: (await moduleViews(ttx, rt)).find((v) => v.id === moduleId)!, result };
      });
      await afterSwitch(rt, id, result, req.log);
      return view;
    },
  );
}
