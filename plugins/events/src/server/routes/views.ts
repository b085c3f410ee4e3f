import { countCapped } from '@civicgrid/db';
import { errorResponses, IdParams, listQuery, pageOf, sendList, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, forbidden, type PluginDeps } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { clock } from '../clock.ts';
import { duplicatesOf } from '../intake.ts';
import { type Action, TRANSITIONS, visibleEvent } from '../machine.ts';
import type { EventsSettings } from '../settings.ts';
import { type EventRow, unitInfo } from '../store.ts';
import { visibleWhere } from './events.ts';
import { Duplicate } from './schemas.ts';

const NStr = Type.Union([Type.String(), Type.Null()]);
const Named = Type.Object({ id: Type.String(), name: Type.String() });

/**
 * What the admin's pages need beside the workflow routes: the names around an event and the actions
 * the caller may take on it now (the same rule `authorize` applies, so buttons she cannot use stay
 * hidden — the transition routes still decide), the department units the street may whistle to, and
 * likely duplicates of an event still being typed in.
 */
export function viewRoutes(app: FastifyInstance, deps: PluginDeps) {
  app.get(
    '/events/:id/context',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        params: IdParams,
        response: {
          200: Type.Object({
            location: Type.Object({
              id: Type.String(),
              name: Type.String(),
              path: Type.Array(Type.String()),
            }),
            handler: Named,
            category: Type.Object({ name: Type.String(), domain: Type.String() }),
            createdByName: NStr,
            units: Type.Record(Type.String(), Type.String()),
            actions: Type.Array(Type.String()),
            reportIn: Type.Array(Type.String()),
            pendingExtension: Type.Union([
              Type.Object({ id: Type.String(), minutes: Type.Integer(), reason: Type.String() }),
              Type.Null(),
            ]),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const l = await visibleEvent(ctx, (req.params as { id: string }).id);
      const t = ctx.tx.tenantId;
      const ev = l.ev;
      const whistled = await ctx.tx.query<{ id: string; orgUnitId: string }>(
        `select id, org_unit_id as "orgUnitId" from events_whistle where tenant_id = ? and event_id = ?`,
        [t, ev.id],
      );
      const ids = [...new Set([...l.location, ev.handlerUnitId, ...whistled.map((w) => w.orgUnitId)])];
      const names = await ctx.tx.query<{ id: string; name: string }>(
        `select id, name from org_unit where tenant_id = ? and id = any(?::uuid[])`,
        [t, ids],
      );
      const units = Object.fromEntries(names.map((n) => [n.id, n.name]));
      const [cat] = await ctx.tx.query<{ name: string; domain: string }>(
        `select c.name, coalesce(p.name, '') as domain from events_category c
           left join events_category p on p.tenant_id = c.tenant_id and p.id = c.parent_id
          where c.tenant_id = ? and c.id = ?`,
        [t, ev.categoryId],
      );
      // Who reported it, as the timeline recorded her name then.
      const [by] = await ctx.tx.query<{ name: string }>(
        `select actor_name as name from events_timeline where tenant_id = ? and event_id = ? and action = 'report'
          order by at limit 1`,
        [t, ev.id],
      );
      const [x] = await ctx.tx.query<{ id: string; minutes: number; reason: string }>(
        `select id, minutes, reason from events_extension where tenant_id = ? and event_id = ? and decision is null
          order by requested_at desc limit 1`,
        [t, ev.id],
      );
      const actions = (Object.keys(TRANSITIONS) as Action[]).filter((a) => {
        const tr = TRANSITIONS[a];
        const at = tr.at === 'location' ? l.location : tr.at === 'above' ? l.handler.slice(0, -1) : l.handler;
        if (!(tr.from as readonly string[]).includes(ev.status) || !ctx.access.can(tr.permission, at))
          return false;
        if (a === 'whistle') return ev.level === 'joint-meeting' || ev.level === 'street';
        if (a === 'decide') return x != null;
        if (a === 'extend') return x == null;
        return true;
      });
      // The called-in units whose staff she is: her report-in and reply buttons.
      const reportIn: string[] = [];
      if (ctx.access.holdsAnywhere(PERMISSIONS.reportIn))
        for (const w of whistled) {
          const u = await unitInfo(ctx.tx, w.orgUnitId);
          if (u && ctx.access.can(PERMISSIONS.reportIn, u.ancestors)) reportIn.push(w.id);
        }
      return {
        location: { id: ev.orgUnitId, name: units[ev.orgUnitId] ?? '', path: l.location },
        handler: { id: ev.handlerUnitId, name: units[ev.handlerUnitId] ?? '' },
        category: cat ?? { name: '', domain: '' },
        createdByName: by?.name ?? null,
        units,
        actions,
        reportIn,
        pendingExtension: x ?? null,
      };
    },
  );

  app.get(
    '/departments',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.whistle } },
      schema: {
        response: {
          200: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), parentName: Type.String() })),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { tx } = userContextOf(req);
      // Departments sit under the city or a street, outside a street admin's own tree: the whistle's
      // targets are listed for anyone who may blow it (names only).
      return tx.query<{ id: string; name: string; parentName: string }>(
        `select d.id, d.name, coalesce(p.name, '') as "parentName" from org_unit d
           left join org_unit p on p.tenant_id = d.tenant_id and p.id = d.parent_id
          where d.tenant_id = ? and d.kind = 'department' order by p.name, d.name`,
        [tx.tenantId],
      );
    },
  );

  app.get(
    '/duplicates',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.create } },
      schema: {
        querystring: Type.Object(
          {
            categoryId: Uuid,
            orgUnitId: Uuid,
            houseId: Type.Optional(Uuid),
            lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
            lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Duplicate), ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const q = req.query as {
        categoryId: string;
        orgUnitId: string;
        houseId?: string;
        lat?: number;
        lng?: number;
      };
      const unit = await unitInfo(ctx.tx, q.orgUnitId);
      if (!unit) throw badInput('orgUnitId', 'no such org unit');
      // As intake answers: outside every scope of hers the unit is as unknown as one that does not exist.
      if (!ctx.access.can(PERMISSIONS.create, unit.ancestors)) {
        if (!ctx.access.can(PERMISSIONS.read, unit.ancestors))
          throw badInput('orgUnitId', 'no such org unit');
        throw forbidden('you may report events only inside your own area');
      }
      const s = await deps.settings<EventsSettings>(ctx.tx);
      // The event being typed in, as if reported now: the same rule intake answers with.
      const draft = {
        id: '00000000-0000-0000-0000-000000000000',
        categoryId: q.categoryId,
        orgUnitId: q.orgUnitId,
        houseId: q.houseId ?? null,
        lat: q.lat ?? null,
        lng: q.lng ?? null,
        createdAt: clock.now(),
      } as EventRow;
      const dups = await duplicatesOf(
        ctx.tx,
        s,
        draft,
        ctx.access.where(PERMISSIONS.read, ctx.tx.tenantId, 'e.org_unit_id'),
      );
      return dups.map((d) => ({ ...d, createdAt: new Date(d.createdAt).toISOString() }));
    },
  );
  /**
   * The supervision cards (督办黄牌/红牌) on events the caller may see, newest first: each with the unit
   * held to account (the handler then, or the late department) and the event as it stands now. `open`
   * keeps those whose event is still being worked on (an escalated event is carded but no longer overdue).
   */
  app.get(
    '/supervision',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.read } },
      schema: {
        querystring: listQuery(['issuedAt'], {
          card: Type.Optional(Type.Union([Type.Literal('yellow'), Type.Literal('red')])),
          open: Type.Optional(Type.Boolean()),
        }),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              eventId: Type.String(),
              title: Type.String(),
              urgency: Type.String(),
              status: Type.String(),
              level: Type.String(),
              stage: Type.String(),
              card: Type.String(),
              orgUnitId: Type.String(),
              unitName: Type.String(),
              unitKind: Type.String(),
              whistle: Type.Boolean(),
              issuedAt: Type.String(),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const q = req.query as { card?: string; open?: boolean };
      const page = pageOf(req.query as never, 'issuedAt');
      const vis = visibleWhere(ctx);
      const parts = ['s.tenant_id = ?', vis.sql];
      const params: unknown[] = [ctx.tx.tenantId, ...vis.params];
      if (q.card) {
        parts.push('s.card = ?');
        params.push(q.card);
      }
      if (q.open) parts.push(`e.status in ('reported', 'accepted', 'escalated', 'handled')`);
      const from = `events_supervision s join events_event e on e.tenant_id = s.tenant_id and e.id = s.event_id
        join org_unit u on u.tenant_id = s.tenant_id and u.id = s.org_unit_id where ${parts.join(' and ')}`;
      const rows = await ctx.tx.query<{ issuedAt: Date }>(
        `select s.id, s.event_id as "eventId", e.title, e.urgency, e.status, e.level, s.stage, s.card,
                s.org_unit_id as "orgUnitId", u.name as "unitName", u.kind as "unitKind",
                s.whistle_id is not null as whistle, s.issued_at as "issuedAt"
           from ${from} order by s.issued_at ${page.order}, s.id limit ? offset ?`,
        [...params, page.end - page.start, page.start],
      );
      const counted = await countCapped(ctx.tx, from, params);
      return sendList(reply, {
        ...counted,
        rows: rows.map((r) => ({ ...r, issuedAt: new Date(r.issuedAt).toISOString() })),
      });
    },
  );
}
