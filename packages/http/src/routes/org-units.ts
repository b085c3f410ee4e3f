import { AppError, badInput, forbidden, notFound } from '@civicgrid/kernel';
import {
  createUnit,
  deleteUnit,
  GRID_TIERS,
  GRID_TYPES,
  getUnit,
  listUnits,
  moveUnit,
  ORG_KINDS,
  type OrgKind,
  type OrgUnitInput,
  type OrgUnitPatch,
  updateUnit,
} from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, sendList, type UserContext } from '../context.ts';
import { errorResponses, IdParams, listQuery, Name, Nullable, pageOf, Uuid } from '../schemas.ts';

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

/** A GeoJSON Polygon or MultiPolygon: a grid's boundary, drawn on the map without internet tiles. */
const Boundary = Type.Object(
  {
    type: Type.Union([Type.Literal('Polygon'), Type.Literal('MultiPolygon')]),
    coordinates: Type.Array(Type.Array(Type.Unknown(), { maxItems: 10_000 }), {
      minItems: 1,
      maxItems: 1000,
    }),
  },
  { additionalProperties: false },
);

const OrgUnitView = Type.Object({
  id: Type.String(),
  parentId: Nullable(Type.String()),
  kind: Type.String(),
  name: Type.String(),
  code: Nullable(Type.String()),
  ancestorIds: Type.Array(Type.String()),
  gridTier: Nullable(Type.String()),
  gridType: Nullable(Type.String()),
  householdCount: Nullable(Type.Integer()),
  boundary: Type.Unknown(),
  childCount: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Code = Type.String({ pattern: '^[0-9A-Za-z_-]{1,32}$' });
const editable = {
  name: Name,
  code: Type.Optional(Nullable(Code)),
  gridTier: Type.Optional(Nullable(lit(GRID_TIERS))),
  gridType: Type.Optional(Nullable(lit(GRID_TYPES))),
  householdCount: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
  boundary: Type.Optional(Nullable(Boundary)),
};
const CreateBody = Type.Object(
  { parentId: Uuid, kind: lit(ORG_KINDS), ...editable },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  { ...editable, name: Type.Optional(Name) },
  { additionalProperties: false, minProperties: 1 },
);

const iso = (u: { createdAt: string | Date; updatedAt: string | Date }) => ({
  createdAt: new Date(u.createdAt).toISOString(),
  updatedAt: new Date(u.updatedAt).toISOString(),
});

/** Loads a unit the caller may act on with `permission`; a unit outside scope is "not found". */
async function unitFor(ctx: UserContext, id: string, permission: string) {
  const unit = await getUnit(ctx.tx, id);
  if (!unit || !ctx.access.can('core.org-unit.read', unit.ancestorIds)) throw notFound('org unit');
  if (!ctx.access.can(permission, unit.ancestorIds)) throw forbidden(`you need ${permission} on this unit`);
  return unit;
}

export async function orgUnitRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  const tags = ['org-units'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  app.get(
    '/org-units',
    {
      config: perm('core.org-unit.read'),
      schema: {
        tags,
        querystring: listQuery(['name', 'code', 'kind', 'createdAt'], {
          parentId: Type.Optional(Uuid),
          under: Type.Optional(Uuid),
          kind: Type.Optional(lit(ORG_KINDS)),
          code: Type.Optional(Code),
          q: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: { 200: Type.Array(OrgUnitView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as { parentId?: string; under?: string; kind?: OrgKind; code?: string; q?: string };
      const page = pageOf(req.query as never, 'name' as 'name' | 'code' | 'kind' | 'createdAt');
      const r = await inUserContext(db, req, 'core.org-unit.read', ({ tx, access }) =>
        listUnits(tx, { ...q, ...page, scope: access.scope('core.org-unit.read') }),
      );
      return sendList(reply, { rows: r.rows.map((u) => ({ ...u, ...iso(u) })), total: r.total });
    },
  );

  app.get(
    '/org-units/:id',
    {
      config: perm('core.org-unit.read'),
      schema: { tags, params: IdParams, response: { 200: OrgUnitView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const u = await inUserContext(db, req, 'core.org-unit.read', (ctx) =>
        unitFor(ctx, id, 'core.org-unit.read'),
      );
      return { ...u, ...iso(u) };
    },
  );

  app.post(
    '/org-units',
    {
      config: perm('core.org-unit.create'),
      schema: { tags, body: CreateBody, response: { 201: OrgUnitView, ...errorResponses } },
    },
    async (req, reply) => {
      const body = req.body as OrgUnitInput & { parentId: string };
      const u = await inUserContext(db, req, 'core.org-unit.create', async (ctx) => {
        const parent = await getUnit(ctx.tx, body.parentId);
        if (!parent || !ctx.access.can('core.org-unit.read', parent.ancestorIds))
          throw badInput('parentId', 'no such org unit');
        if (!ctx.access.can('core.org-unit.create', parent.ancestorIds))
          throw forbidden('you may create units only inside your own scope');
        const unit = await createUnit(ctx.tx, body);
        await ctx.audit({
          action: 'org-unit.create',
          targetType: 'org-unit',
          targetId: unit.id,
          orgUnitId: unit.id,
          after: unit,
        });
        return unit;
      });
      return reply.status(201).send({ ...u, ...iso(u) });
    },
  );

  app.patch(
    '/org-units/:id',
    {
      config: perm('core.org-unit.update'),
      schema: { tags, params: IdParams, body: PatchBody, response: { 200: OrgUnitView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const u = await inUserContext(db, req, 'core.org-unit.update', async (ctx) => {
        await unitFor(ctx, id, 'core.org-unit.update');
        const { before, after } = await updateUnit(ctx.tx, id, req.body as OrgUnitPatch);
        await ctx.audit({
          action: 'org-unit.update',
          targetType: 'org-unit',
          targetId: id,
          orgUnitId: id,
          before,
          after,
        });
        return after;
      });
      return { ...u, ...iso(u) };
    },
  );

  app.post(
    '/org-units/:id/move',
    {
      config: perm('core.org-unit.move'),
      schema: {
        tags,
        summary: 'Re-zone: move a unit and its subtree under another parent',
        params: IdParams,
        body: Type.Object({ parentId: Uuid }, { additionalProperties: false }),
        response: { 200: OrgUnitView, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const { parentId } = req.body as { parentId: string };
      const u = await inUserContext(db, req, 'core.org-unit.move', async (ctx) => {
        await unitFor(ctx, id, 'core.org-unit.move');
        const parent = await getUnit(ctx.tx, parentId);
        if (!parent || !ctx.access.can('core.org-unit.read', parent.ancestorIds))
          throw badInput('parentId', 'no such org unit');
        if (!ctx.access.can('core.org-unit.move', parent.ancestorIds))
          throw forbidden('you may move units only inside your own scope');
        const { before, after, moved } = await moveUnit(ctx.tx, id, parentId);
        await ctx.audit({
          action: 'org-unit.move',
          targetType: 'org-unit',
          targetId: id,
          orgUnitId: id,
          before: { parentId: before.parentId },
          after: { parentId: after.parentId, unitsMoved: moved },
        });
        return after;
      });
      return { ...u, ...iso(u) };
    },
  );

  app.delete(
    '/org-units/:id',
    {
      config: perm('core.org-unit.delete'),
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      await inUserContext(db, req, 'core.org-unit.delete', async (ctx) => {
        const unit = await unitFor(ctx, id, 'core.org-unit.delete');
        if (!unit.parentId) throw new AppError(409, 'is_root', "the tenant's root unit cannot be deleted");
        await deleteUnit(ctx.tx, id);
        await ctx.audit({
          action: 'org-unit.delete',
          targetType: 'org-unit',
          targetId: id,
          orgUnitId: unit.parentId,
          before: unit,
        });
      });
      return reply.status(204).send();
    },
  );

  app.post(
    '/org-units/import-division',
    {
      config: perm('core.org-unit.import'),
      schema: {
        tags,
        summary: "Import the tenant's streets and communities from the national division codes (idempotent)",
        body: Type.Object(
          { districtCode: Type.String({ pattern: '^[0-9]{6}$' }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            streets: Type.Integer(),
            communities: Type.Integer(),
            inserted: Type.Integer(),
            skipped: Type.Integer(),
          }),
          501: errorResponses[400],
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { districtCode } = req.body as { districtCode: string };
      const importer = await app.deps.divisionImporter?.();
      if (!importer) {
        throw new AppError(
          501,
          'division_data_unavailable',
          'division data is not installed on this server; use the CLI',
        );
      }
      return inUserContext(db, req, 'core.org-unit.import', async (ctx) => {
        if (ctx.access.scope('core.org-unit.import') !== 'all')
          throw forbidden('importing divisions needs a tenant-wide grant');
        const [root] = await ctx.tx.query<{ id: string }>(
          `select id from org_unit where tenant_id = ? and parent_id is null`,
          [ctx.tx.tenantId],
        );
        // The importer's errors are AppErrors already (400 for an unknown code, 409 for a code taken).
        const result = await importer.importDivision(ctx.tx, { rootUnitId: root!.id, districtCode });
        await ctx.audit({
          action: 'org-unit.import-division',
          targetType: 'org-unit',
          targetId: root!.id,
          orgUnitId: root!.id,
          after: { districtCode, ...result },
        });
        return result;
      });
    },
  );
}
