import type { Access } from '@civicgrid/authz';
import { countCapped, type Tx } from '@civicgrid/db';
import { errorResponses, listQuery, pageOf, sendList, Uuid, userContextOf } from '@civicgrid/http';
import { badInput } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { clock } from '../clock.ts';
import { visibleWhere } from './events.ts';

const Rate = Type.Union([Type.Number(), Type.Null()]);
const UnitMetrics = Type.Object({
  orgUnitId: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  reported: Type.Integer(),
  respondedOnTime: Type.Integer(),
  resolvedOnTime: Type.Integer(),
  followedUp: Type.Integer(),
  satisfied: Type.Integer(),
  responseRate: Rate,
  onTimeResolutionRate: Rate,
  satisfactionRate: Rate,
  avgAcceptMinutes: Rate,
  avgResolveMinutes: Rate,
  avgVerifyMinutes: Rate,
  escalations: Type.Integer(),
  cards: Type.Integer(),
});
const DeptMetrics = Type.Object({
  orgUnitId: Type.String(),
  name: Type.String(),
  whistles: Type.Integer(),
  reportedOnTime: Type.Integer(),
  late: Type.Integer(),
  replied: Type.Integer(),
});

type Row = Record<string, number | string | null>;
const rate = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
const num = (v: unknown) => (v == null ? null : Math.round(Number(v) * 10) / 10);

export type MetricsQuery = { orgUnitId: string; from: string; to: string };
export const MetricsParams = Type.Object(
  { orgUnitId: Uuid, from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);

/** The three rates of a unit and the units directly under it, and the departments' whistles: see below. */
export async function unitMetrics(tx: Tx, access: Access, q: MetricsQuery) {
  if (new Date(q.to) <= new Date(q.from)) throw badInput('to', 'must be after from');
  const [unit] = await tx.query<{ pathKey: string }>(
    `select path_key as "pathKey" from org_unit where tenant_id = ? and id = ?`,
    [tx.tenantId, q.orgUnitId],
  );
  if (!unit) throw badInput('orgUnitId', 'no such org unit');
  const t = tx.tenantId;
  const scope = access.where(PERMISSIONS.metrics, t, 'e.org_unit_id');
  const ev = `ev as (
        select e.id, e.created_at, e.accepted_at, e.resolved_at, e.verified_at, e.accept_due_at, e.resolve_due_at,
               l.path_key as loc
          from events_event e join org_unit l on l.tenant_id = e.tenant_id and l.id = e.org_unit_id
         where e.tenant_id = ? and e.created_at >= ? and e.created_at < ? and e.status not in ('merged', 'returned')
           and l.path_key >= ? and l.path_key < ? and ${scope.sql})`;
  const evParams = [t, q.from, q.to, unit.pathKey, `${unit.pathKey}g`, ...scope.params];
  const rows = await tx.query<Row>(
    `with ${ev},
       fu as (select distinct on (f.event_id) f.event_id, f.satisfaction from events_follow_up f
               where f.tenant_id = ? and f.event_id in (select id from ev) order by f.event_id, f.at desc),
       esc as (select event_id, count(*) as n from events_timeline where tenant_id = ? and action = 'escalate'
                  and event_id in (select id from ev) group by event_id),
       sup as (select event_id, count(*) as n from events_supervision where tenant_id = ?
                  and event_id in (select id from ev) group by event_id)
       select u.id as "orgUnitId", u.name, u.kind, count(ev.id)::int as reported,
              (count(*) filter (where ev.accepted_at <= ev.accept_due_at))::int as "respondedOnTime",
              (count(*) filter (where ev.resolved_at <= ev.resolve_due_at))::int as "resolvedOnTime",
              count(fu.event_id)::int as "followedUp",
              (count(*) filter (where fu.satisfaction in ('satisfied', 'basically')))::int as satisfied,
              avg(extract(epoch from ev.accepted_at - ev.created_at) / 60)::float8 as "avgAcceptMinutes",
              avg(extract(epoch from ev.resolved_at - ev.accepted_at) / 60)::float8 as "avgResolveMinutes",
              avg(extract(epoch from ev.verified_at - ev.resolved_at) / 60)::float8 as "avgVerifyMinutes",
              coalesce(sum(esc.n), 0)::int as escalations, coalesce(sum(sup.n), 0)::int as cards
         from org_unit u
         left join ev on ev.loc >= u.path_key and ev.loc < u.path_key || 'g'
         left join fu on fu.event_id = ev.id
         left join esc on esc.event_id = ev.id
         left join sup on sup.event_id = ev.id
        where u.tenant_id = ? and (u.id = ? or u.parent_id = ?) and u.kind <> 'department'
        group by u.id, u.name, u.kind
        order by u.id = ? desc, u.name`,
    [...evParams, t, t, t, t, q.orgUnitId, q.orgUnitId, q.orgUnitId],
  );
  const departments = await tx.query<Row>(
    `with ${ev}
       select d.id as "orgUnitId", d.name, count(*)::int as whistles,
              (count(*) filter (where w.reported_at <= w.due_at))::int as "reportedOnTime",
              (count(*) filter (where coalesce(w.reported_at, ?) > w.due_at))::int as late,
              count(w.replied_at)::int as replied
         from events_whistle w join ev on ev.id = w.event_id
         join org_unit d on d.tenant_id = w.tenant_id and d.id = w.org_unit_id
        where w.tenant_id = ? and w.kind = 'department'
        group by d.id, d.name order by d.name`,
    [...evParams, clock.now(), t],
  );
  return {
    units: rows.map((r) => {
      const n = (k: string) => Number(r[k]);
      return {
        ...r,
        responseRate: rate(n('respondedOnTime'), n('reported')),
        onTimeResolutionRate: rate(n('resolvedOnTime'), n('reported')),
        satisfactionRate: rate(n('satisfied'), n('followedUp')),
        avgAcceptMinutes: num(r.avgAcceptMinutes),
        avgResolveMinutes: num(r.avgResolveMinutes),
        avgVerifyMinutes: num(r.avgVerifyMinutes),
      };
    }),
    departments,
  };
}

/**
 * The three rates (三率) and their companions for a unit and each unit directly under it, over the
 * events reported in [from, to) — merged and returned ones left out — inside the caller's scope:
 * - response rate: accepted (first time) within the accept limit ÷ reported;
 * - on-time resolution rate: resolved within the resolve limit (accept + handle, moved by approved
 *   extensions) ÷ reported;
 * - satisfaction rate: latest verdict satisfied or basically satisfied ÷ events with a verdict.
 * Plus average minutes per stage, escalations (by hand and automatic), supervision cards, and per
 * department the whistles it got, reported in on time, late and replied.
 */
export function metricsRoutes(app: FastifyInstance) {
  app.get(
    '/metrics',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.metrics } },
      schema: {
        querystring: MetricsParams,
        response: {
          200: Type.Object({ units: Type.Array(UnitMetrics), departments: Type.Array(DeptMetrics) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { tx, access } = userContextOf(req);
      return unitMetrics(tx, access, req.query as MetricsQuery);
    },
  );

  /** Stages past their limit and not done, most overdue first: the supervision board's list. */
  app.get(
    '/overdue',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.read } },
      schema: {
        querystring: listQuery(['dueAt'], {}),
        response: {
          200: Type.Array(
            Type.Object({
              eventId: Type.String(),
              title: Type.String(),
              urgency: Type.String(),
              level: Type.String(),
              handlerUnitId: Type.String(),
              stage: Type.String(),
              whistleUnitId: Type.Union([Type.String(), Type.Null()]),
              dueAt: Type.String(),
              overdueMinutes: Type.Integer(),
              supervision: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const page = pageOf(req.query as never, 'dueAt');
      const vis = visibleWhere(ctx);
      const now = clock.now();
      const from = `events_deadline d join events_event e on e.tenant_id = d.tenant_id and e.id = d.event_id
        left join events_whistle w on w.tenant_id = d.tenant_id and w.id = d.whistle_id
        where d.tenant_id = ? and d.done_at is null and d.due_at < ? and ${vis.sql}
          and d.id = (select d2.id from events_deadline d2 where d2.tenant_id = d.tenant_id and d2.event_id = d.event_id
                        and d2.whistle_id is not distinct from d.whistle_id
                        and d2.done_at is null order by d2.due_at desc limit 1)`;
      const params = [ctx.tx.tenantId, now, ...vis.params];
      const rows = await ctx.tx.query<Row & { dueAt: Date }>(
        `select e.id as "eventId", e.title, e.urgency, e.level, e.handler_unit_id as "handlerUnitId", d.stage,
                w.org_unit_id as "whistleUnitId", d.due_at as "dueAt",
                floor(extract(epoch from ?::timestamptz - d.due_at) / 60)::int as "overdueMinutes", e.supervision
           from ${from} order by d.due_at limit ? offset ?`,
        [now, ...params, page.end - page.start, page.start],
      );
      const counted = await countCapped(ctx.tx, from, params);
      return sendList(reply, {
        ...counted,
        rows: rows.map((r) => ({ ...r, dueAt: new Date(r.dueAt).toISOString() })),
      });
    },
  );
}
