import { countCapped } from '@civicgrid/db';
import {
  errorResponses,
  IdParams,
  listQuery,
  pageOf,
  sendList,
  type UserContext,
  userContextOf,
} from '@civicgrid/http';
import { badInput, forbidden, type PluginDeps } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { ensureCatalogue } from '../catalogue.ts';
import { clock } from '../clock.ts';
import { duplicatesOf, type IntakeInput, intake } from '../intake.ts';
import { actorOf, visibleEvent } from '../machine.ts';
import type { EventsSettings } from '../settings.ts';
import { EVENT_COLUMNS, type EventRow, eventView, timelineOf, unitInfo } from '../store.ts';
import { Duplicate, EventView, IntakeBody, ListFilters, TimelineEntry } from './schemas.ts';

const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());
const NEXT_DUE = `(select min(d.due_at) from events_deadline d where d.tenant_id = e.tenant_id and d.event_id = e.id
    and d.done_at is null and d.fired_at is null)`;
const URGENCY_RANK = `array_position(array['red','orange','yellow','green'], e.urgency)`;
const SORTS = {
  createdAt: 'e.created_at',
  urgency: `${URGENCY_RANK}, ${NEXT_DUE}`,
  nextDueAt: `${NEXT_DUE}`,
} as const;

/**
 * The events a caller may see, as SQL on `events_event e`: where they happened is in her read scope,
 * or they were whistled to a unit where she reports in (department staff: those only).
 */
export function visibleWhere(ctx: UserContext) {
  const t = ctx.tx.tenantId;
  const read = ctx.access.where(PERMISSIONS.read, t, 'e.org_unit_id');
  const rep = ctx.access.where(PERMISSIONS.reportIn, t, 'w.org_unit_id');
  return {
    sql: `(${read.sql} or exists (select 1 from events_whistle w where w.tenant_id = e.tenant_id
            and w.event_id = e.id and ${rep.sql}))`,
    params: [...read.params, ...rep.params],
  };
}

/**
 * "Mine": the units where she holds the handle permission by a grant of her own — each level handles
 * what stands on its rung (a grid worker her grid's events, a secretary what was escalated to her
 * community, the street admin what reached the street), not everything below it, though her grant
 * lets her act there too. The ids go in as a literal array, so the planner sees one or two units
 * (not a subtree it must guess at) and keeps to the handler index instead of a parallel scan.
 */
export function handlingUnits(ctx: UserContext): string[] {
  return [
    ...new Set(
      ctx.access.grants.filter((g) => g.permissions.includes(PERMISSIONS.handle)).map((g) => g.orgUnitId),
    ),
  ];
}

export function eventRoutes(app: FastifyInstance, deps: PluginDeps) {
  const rt = { jobs: deps.jobs, events: deps.events };

  app.get(
    '/events',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        querystring: listQuery(Object.keys(SORTS), ListFilters),
        response: { 200: Type.Array(EventView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      if (!ctx.access.holdsAnywhere(PERMISSIONS.read) && !ctx.access.holdsAnywhere(PERMISSIONS.reportIn))
        throw forbidden(`you need the permission ${PERMISSIONS.read}`);
      const q = req.query as Record<string, string | boolean | undefined>;
      const page = pageOf(req.query as never, 'createdAt' as keyof typeof SORTS);
      const vis = visibleWhere(ctx);
      const parts = ['e.tenant_id = ?', vis.sql];
      const params: unknown[] = [ctx.tx.tenantId, ...vis.params];
      for (const [key, col] of [
        ['status', 'e.status'],
        ['urgency', 'e.urgency'],
        ['level', 'e.level'],
        ['channel', 'e.channel'],
        ['categoryId', 'e.category_id'],
      ] as const) {
        if (q[key] !== undefined) {
          parts.push(`${col} = ?`);
          params.push(q[key]);
        }
      }
      if (q.under) {
        const u = await unitInfo(ctx.tx, String(q.under));
        if (!u) throw badInput('under', 'no such org unit');
        parts.push(`e.org_unit_id = any(array(select id from org_unit where tenant_id = ? and path_key >= (
            select path_key from org_unit where tenant_id = ? and id = ?) and path_key < (
            select path_key || 'g' from org_unit where tenant_id = ? and id = ?)))`);
        params.push(ctx.tx.tenantId, ctx.tx.tenantId, q.under, ctx.tx.tenantId, q.under);
      }
      if (q.mine) {
        parts.push(
          `e.status in ('reported', 'accepted', 'escalated', 'handled') and e.handler_unit_id = any(?::uuid[])`,
        );
        params.push(handlingUnits(ctx));
      }
      const where = parts.join(' and ');
      const rows = await ctx.tx.query<EventRow & { nextDueAt: Date | null }>(
        `select ${EVENT_COLUMNS}, ${NEXT_DUE} as "nextDueAt" from events_event e where ${where}
          order by ${SORTS[page.sort]} ${page.order} nulls last, e.id limit ? offset ?`,
        [...params, page.end - page.start, page.start],
      );
      const counted = await countCapped(ctx.tx, `events_event e where ${where}`, params);
      return sendList(reply, {
        ...counted,
        rows: rows.map((r) => ({ ...eventView(r), nextDueAt: iso(r.nextDueAt) })),
      });
    },
  );

  app.post(
    '/events',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.create } },
      schema: {
        body: IntakeBody,
        response: {
          201: Type.Object({ event: EventView, duplicates: Type.Array(Duplicate) }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const input = req.body as IntakeInput;
      const unit = await unitInfo(ctx.tx, input.orgUnitId);
      if (!unit) throw badInput('orgUnitId', 'no such org unit');
      if (!ctx.access.can(PERMISSIONS.create, unit.ancestors)) {
        // Outside every scope of hers the unit is as unknown as one that does not exist.
        if (!ctx.access.can(PERMISSIONS.read, unit.ancestors))
          throw badInput('orgUnitId', 'no such org unit');
        throw forbidden('you may report events only inside your own area');
      }
      await ensureCatalogue(ctx.tx);
      const s = await deps.settings<EventsSettings>(ctx.tx);
      const ev = await intake(ctx.tx, rt, s, input, { actor: actorOf(ctx), now: clock.now() });
      const dups = await duplicatesOf(
        ctx.tx,
        s,
        ev,
        ctx.access.where(PERMISSIONS.read, ctx.tx.tenantId, 'e.org_unit_id'),
      );
      await ctx.audit({
        action: 'events.event.create',
        targetType: 'events.event',
        targetId: ev.id,
        orgUnitId: ev.orgUnitId,
        after: { title: ev.title, channel: ev.channel, urgency: ev.urgency },
      });
      reply.code(201);
      return { event: eventView(ev), duplicates: dups.map((d) => ({ ...d, createdAt: iso(d.createdAt) })) };
    },
  );

  app.get(
    '/events/:id',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { params: IdParams, response: { 200: EventView, ...errorResponses } },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { ev } = await visibleEvent(ctx, (req.params as { id: string }).id);
      return eventView(ev);
    },
  );

  app.get(
    '/events/:id/timeline',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { params: IdParams, response: { 200: Type.Array(TimelineEntry), ...errorResponses } },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { ev } = await visibleEvent(ctx, (req.params as { id: string }).id);
      const rows = await timelineOf(ctx.tx, ev.id);
      return rows.map((r) => ({ ...r, at: iso(r.at as Date) }));
    },
  );

  app.get(
    '/events/:id/duplicates',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.read } },
      schema: { params: IdParams, response: { 200: Type.Array(Duplicate), ...errorResponses } },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { ev } = await visibleEvent(ctx, (req.params as { id: string }).id);
      const s = await deps.settings<EventsSettings>(ctx.tx);
      const dups = await duplicatesOf(
        ctx.tx,
        s,
        ev,
        ctx.access.where(PERMISSIONS.read, ctx.tx.tenantId, 'e.org_unit_id'),
      );
      return dups.map((d) => ({ ...d, createdAt: iso(d.createdAt) }));
    },
  );
}
