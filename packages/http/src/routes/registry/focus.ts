import { orgScopeSql } from '@civicgrid/authz';
import { badInput, conflict, notFound } from '@civicgrid/kernel';
import { listFocusTags } from '@civicgrid/registry';
import { findUnitPath, getUnit, TENANT_TODAY_SQL, TENANT_ZONE_SQL } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, type UserContext } from '../../context.ts';
import { errorResponses, IdParams, Nullable, Uuid } from '../../schemas.ts';
import { residentFor } from './residents.ts';

const SENSITIVE = 'registry.sensitive-group.read';

const TagView = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  sensitive: Type.Boolean(),
  visitEveryDays: Nullable(Type.Integer()),
  system: Type.Boolean(),
});
const TagBody = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }),
    name: Type.String({ minLength: 1, maxLength: 50, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
    visitEveryDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 366 }))),
  },
  { additionalProperties: false },
);
const VisitBody = Type.Object(
  {
    visitedAt: Type.String({ format: 'date-time' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    photoRef: Type.Optional(Type.String({ maxLength: 300, pattern: '^[A-Za-z0-9/._-]+$' })),
  },
  { additionalProperties: false },
);
const DueView = Type.Object({
  residentId: Type.String(),
  name: Type.String(),
  orgUnitId: Type.String(),
  tag: Type.String(),
  tagName: Type.String(),
  visitEveryDays: Type.Integer(),
  lastVisitAt: Nullable(Type.String()),
  dueAt: Type.String(),
});

const VisitView = Type.Object({
  id: Type.String(),
  visitedAt: Type.String(),
  note: Nullable(Type.String()),
  visitorName: Nullable(Type.String()),
});

const CoverageView = Type.Object({
  orgUnitId: Type.String(),
  orgUnitName: Type.String(),
  tag: Type.String(),
  tagName: Type.String(),
  /** residents in the group who live in the unit */
  tagged: Type.Integer(),
  /** of them, visited within the group's cadence */
  covered: Type.Integer(),
  /** covered ÷ tagged, in per cent (one decimal) */
  coverage: Type.Number(),
});

/** A tag the caller may see (sensitive ones only with their permission); otherwise a 400 on `tagId`. */
async function tagFor(ctx: UserContext, tagId: string) {
  const [t] = await ctx.tx.query<{ id: string; sensitive: boolean }>(
    `select id, sensitive from focus_tag where tenant_id = ? and id = ?`,
    [ctx.tx.tenantId, tagId],
  );
  if (!t || (t.sensitive && !ctx.access.holdsAnywhere(SENSITIVE)))
    throw badInput('tagId', 'no such focus group');
  return t;
}

/** The subtree of a unit the caller may read, as scope paths (`under`); a unit outside it is a 400. */
async function subtreeOf(ctx: UserContext, unitId: string) {
  const unit = await getUnit(ctx.tx, unitId);
  if (!unit || !ctx.access.can('registry.resident.read', unit.ancestorIds))
    throw badInput('under', 'no such org unit');
  return [(await findUnitPath(ctx.tx, unitId))!.path];
}

export async function focusRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  const tags = ['registry'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  app.get(
    '/focus-tags',
    {
      config: perm('registry.resident.read'),
      schema: { tags, response: { 200: Type.Array(TagView), ...errorResponses } },
    },
    async (req, reply) => {
      const list = await inUserContext(db, req, 'registry.resident.read', ({ tx, access }) =>
        listFocusTags(tx, access.holdsAnywhere(SENSITIVE)),
      );
      reply.header('x-total-count', String(list.length));
      return list;
    },
  );

  app.post(
    '/focus-tags',
    {
      config: perm('registry.focus-tag.manage'),
      schema: { tags, body: TagBody, response: { 201: TagView, ...errorResponses } },
    },
    async (req, reply) => {
      const body = req.body as { key: string; name: string; visitEveryDays?: number | null };
      const created = await inUserContext(db, req, 'registry.focus-tag.manage', async (ctx) => {
        const [t] = await ctx.tx.query<{ id: string }>(
          `insert into focus_tag (tenant_id, key, name, visit_every_days) values (?, ?, ?, ?)
           on conflict (tenant_id, key) do nothing returning id`,
          [ctx.tx.tenantId, body.key, body.name, body.visitEveryDays ?? null],
        );
        if (!t) throw conflict('duplicate', 'a focus group with this key exists', 'key');
        await ctx.audit({
          action: 'registry.focus-tag.create',
          targetType: 'focus-tag',
          targetId: t.id,
          after: body,
        });
        return (await listFocusTags(ctx.tx, true)).find((x) => x.id === t.id)!;
      });
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/residents/:id/tags',
    {
      config: perm('registry.resident.manage'),
      schema: {
        tags,
        params: IdParams,
        body: Type.Object(
          { tagId: Uuid, since: Type.Optional(Type.String({ format: 'date' })) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const { tagId, since } = req.body as { tagId: string; since?: string };
      await inUserContext(db, req, 'registry.resident.manage', async (ctx) => {
        const r = await residentFor(ctx, id, 'registry.resident.manage');
        await tagFor(ctx, tagId);
        await ctx.tx.query(
          `insert into resident_tag (tenant_id, resident_id, tag_id, since) values (?, ?, ?, coalesce(?::date, ${TENANT_TODAY_SQL}))
           on conflict do nothing`,
          [ctx.tx.tenantId, id, tagId, since ?? null],
        );
        await ctx.audit({
          action: 'registry.resident.tag',
          targetType: 'resident',
          targetId: id,
          orgUnitId: r.orgUnitId,
          after: { tagId },
        });
      });
      return reply.status(204).send();
    },
  );

  app.delete(
    '/residents/:id/tags/:tagId',
    {
      config: perm('registry.resident.manage'),
      schema: {
        tags,
        params: Type.Object({ id: Uuid, tagId: Uuid }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id, tagId } = req.params as { id: string; tagId: string };
      await inUserContext(db, req, 'registry.resident.manage', async (ctx) => {
        const r = await residentFor(ctx, id, 'registry.resident.manage');
        await tagFor(ctx, tagId);
        const gone = await ctx.tx.query(
          `delete from resident_tag where tenant_id = ? and resident_id = ? and tag_id = ? returning 1`,
          [ctx.tx.tenantId, id, tagId],
        );
        if (!gone.length) throw notFound('tag on this resident');
        await ctx.audit({
          action: 'registry.resident.untag',
          targetType: 'resident',
          targetId: id,
          orgUnitId: r.orgUnitId,
          before: { tagId },
        });
      });
      return reply.status(204).send();
    },
  );

  app.post(
    '/residents/:id/visits',
    {
      config: perm('registry.visit.create'),
      schema: {
        tags,
        params: IdParams,
        body: VisitBody,
        response: { 201: Type.Object({ id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = req.body as { visitedAt: string; note?: string; photoRef?: string };
      if (new Date(body.visitedAt).getTime() > Date.now() + 5 * 60_000)
        throw badInput('visitedAt', 'is in the future');
      const created = await inUserContext(db, req, 'registry.visit.create', async (ctx) => {
        const r = await residentFor(ctx, id, 'registry.visit.create');
        const [v] = await ctx.tx.query<{ id: string }>(
          `insert into visit (tenant_id, resident_id, visitor_id, org_unit_id, visited_at, note, photo_ref)
           values (?, ?, ?, ?, ?, ?, ?) returning id`,
          [
            ctx.tx.tenantId,
            id,
            ctx.user.id,
            r.orgUnitId,
            body.visitedAt,
            body.note ?? null,
            body.photoRef ?? null,
          ],
        );
        return v!;
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/residents/:id/visits',
    {
      config: perm('registry.resident.read'),
      schema: {
        tags,
        description: "A resident's visits, newest first (the detail page's list).",
        params: IdParams,
        querystring: Type.Object(
          { _end: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(VisitView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const limit = (req.query as { _end?: number })._end ?? 100;
      const rows = await inUserContext(db, req, 'registry.resident.read', async (ctx) => {
        await residentFor(ctx, id, 'registry.resident.read');
        return ctx.tx.query<Record<string, unknown>>(
          `select v.id, v.visited_at as "visitedAt", v.note, u.display_name as "visitorName"
             from visit v left join app_user u on u.tenant_id = v.tenant_id and u.id = v.visitor_id
            where v.tenant_id = ? and v.resident_id = ? order by v.visited_at desc, v.id limit ?`,
          [ctx.tx.tenantId, id, limit],
        );
      });
      reply.header('x-total-count', String(rows.length));
      return rows.map((r) => ({ ...r, visitedAt: new Date(r.visitedAt as string).toISOString() }));
    },
  );

  app.get(
    '/visits/coverage',
    {
      config: perm('registry.resident.read'),
      schema: {
        tags,
        description:
          'Visit coverage per unit and focus group: how many of its tagged residents were visited within the cadence.',
        querystring: Type.Object(
          { under: Type.Optional(Uuid), tagId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(CoverageView), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query as { under?: string; tagId?: string };
      return inUserContext(db, req, 'registry.resident.read', async (ctx) => {
        const { tx, access } = ctx;
        if (q.tagId) await tagFor(ctx, q.tagId);
        const s = orgScopeSql(access.scope('registry.resident.read'), tx.tenantId, 'r.org_unit_id');
        const under = q.under
          ? orgScopeSql(await subtreeOf(ctx, q.under), tx.tenantId, 'r.org_unit_id')
          : null;
        // Covered: the last visit is recent enough that the next one is not yet due (the due list's rule).
        const rows = await tx.query<{ tagged: number; covered: number } & Record<string, unknown>>(
          `select r.org_unit_id as "orgUnitId", u.name as "orgUnitName", t.key as tag, t.name as "tagName",
             count(*)::int as tagged,
             count(*) filter (where lv.last + make_interval(days => t.visit_every_days) > now())::int as covered
           from resident_tag rt
           join focus_tag t on t.tenant_id = rt.tenant_id and t.id = rt.tag_id
           join resident r on r.tenant_id = rt.tenant_id and r.id = rt.resident_id
           join org_unit u on u.tenant_id = r.tenant_id and u.id = r.org_unit_id
           left join lateral (select max(v.visited_at) as last from visit v
                               where v.tenant_id = r.tenant_id and v.resident_id = r.id) lv on true
           where rt.tenant_id = ? and t.visit_every_days is not null and (? or not t.sensitive) and ${s.sql}
             ${under ? `and ${under.sql}` : ''} ${q.tagId ? 'and t.id = ?' : ''}
           group by r.org_unit_id, u.name, t.key, t.name
           order by u.name, r.org_unit_id, t.key`,
          [
            tx.tenantId,
            access.holdsAnywhere(SENSITIVE),
            ...s.params,
            ...(under?.params ?? []),
            ...(q.tagId ? [q.tagId] : []),
          ],
        );
        return rows.map((r) => ({ ...r, coverage: Math.round((1000 * r.covered) / r.tagged) / 10 }));
      });
    },
  );

  app.get(
    '/visits/due',
    {
      config: perm('registry.visit.create'),
      schema: {
        tags,
        querystring: Type.Object(
          { _end: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(DueView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const limit = (req.query as { _end?: number })._end ?? 100;
      const rows = await inUserContext(db, req, 'registry.visit.create', async ({ tx, access }) => {
        const s = orgScopeSql(access.scope('registry.visit.create'), tx.tenantId, 'r.org_unit_id');
        // Due: never visited since the tag was given, or the last visit is older than the cadence.
        return tx.query<Record<string, unknown>>(
          `select r.id as "residentId", r.name, r.org_unit_id as "orgUnitId", t.key as tag, t.name as "tagName",
             t.visit_every_days as "visitEveryDays", lv.last as "lastVisitAt",
             coalesce(lv.last + make_interval(days => t.visit_every_days), (rt.since::timestamp at time zone ${TENANT_ZONE_SQL})) as "dueAt"
           from resident_tag rt
           join focus_tag t on t.tenant_id = rt.tenant_id and t.id = rt.tag_id
           join resident r on r.tenant_id = rt.tenant_id and r.id = rt.resident_id
           left join lateral (select max(v.visited_at) as last from visit v
                               where v.tenant_id = r.tenant_id and v.resident_id = r.id) lv on true
           where rt.tenant_id = ? and t.visit_every_days is not null and (? or not t.sensitive) and ${s.sql}
             and coalesce(lv.last + make_interval(days => t.visit_every_days), (rt.since::timestamp at time zone ${TENANT_ZONE_SQL})) <= now()
           order by "dueAt", r.id limit ?`,
          [tx.tenantId, access.holdsAnywhere(SENSITIVE), ...s.params, limit],
        );
      });
      reply.header('x-total-count', String(rows.length));
      return rows.map((r) => ({
        ...r,
        lastVisitAt: r.lastVisitAt ? new Date(r.lastVisitAt as string).toISOString() : null,
        dueAt: new Date(r.dueAt as string).toISOString(),
      }));
    },
  );
}
