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

const DAY = 86_400_000;

/**
 * Splits [from, to) into the whole UTC days inside it, read from the rollup `events_unit_day`, and
 * the hours before and after them, read from the events (at most two partial days).
 */
export function splitRange(from: Date, to: Date) {
  const f = from.getTime();
  const t = to.getTime();
  const a = Math.ceil(f / DAY) * DAY;
  const b = Math.floor(t / DAY) * DAY;
  if (a >= b) return { days: null, edges: [from, to, to, to] as Date[] };
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { days: [day(a), day(b)] as const, edges: [from, new Date(a), new Date(b), to] };
}

/** The rollup's columns, summed: from the rollup rows `r` or from the events' shares `m`. */
const SUMS = `sum(x.reported) as reported, sum(x.responded_on_time) as responded_on_time,
  sum(x.resolved_on_time) as resolved_on_time, sum(x.followed_up) as followed_up, sum(x.satisfied) as satisfied,
  sum(x.accepted) as accepted, sum(x.accept_secs) as accept_secs, sum(x.resolved) as resolved,
  sum(x.resolve_secs) as resolve_secs, sum(x.verified) as verified, sum(x.verify_secs) as verify_secs,
  sum(x.escalations) as escalations, sum(x.cards) as cards`;
/** Each event's share of the rollup (`events_measure`, the same definition the trigger keeps). */
export const MEASURE = `cross join lateral events_measure(e.tenant_id, e.org_unit_id, e.status, e.created_at,
  e.accepted_at, e.accept_due_at, e.resolved_at, e.resolve_due_at, e.verified_at, e.satisfaction, e.escalations,
  e.cards) x`;

/** The three rates of a unit and the units directly under it, and the departments' whistles: see below. */
export async function unitMetrics(tx: Tx, access: Access, q: MetricsQuery) {
  const from = new Date(q.from);
  const to = new Date(q.to);
  if (to <= from) throw badInput('to', 'must be after from');
  const [unit] = await tx.query<{ pathKey: string }>(
    `select path_key as "pathKey" from org_unit where tenant_id = ? and id = ?`,
    [tx.tenantId, q.orgUnitId],
  );
  if (!unit) throw badInput('orgUnitId', 'no such org unit');
  const t = tx.tenantId;
  const range = [unit.pathKey, `${unit.pathKey}g`];
  const { days, edges } = splitRange(from, to);
  const rscope = access.where(PERMISSIONS.metrics, t, 'r.org_unit_id');
  const escope = access.where(PERMISSIONS.metrics, t, 'e.org_unit_id');
  // Per location: the whole days from the rollup, the edges from the events themselves.
  const rolled = days
    ? `select l.path_key as loc, ${SUMS.replaceAll('x.', 'r.')}
         from events_unit_day r join org_unit l on l.tenant_id = r.tenant_id and l.id = r.org_unit_id
        where r.tenant_id = ? and r.day >= ?::date and r.day < ?::date and l.path_key >= ? and l.path_key < ?
          and ${rscope.sql}
        group by l.path_key
       union all `
    : '';
  const rows = await tx.query<Row>(
    `with per as (
       ${rolled}select l.path_key as loc, ${SUMS}
         from events_event e ${MEASURE} join org_unit l on l.tenant_id = e.tenant_id and l.id = e.org_unit_id
        where e.tenant_id = ? and (e.created_at >= ? and e.created_at < ? or e.created_at >= ? and e.created_at < ?)
          and l.path_key >= ? and l.path_key < ? and ${escope.sql}
        group by l.path_key)
     select u.id as "orgUnitId", u.name, u.kind, coalesce(sum(per.reported), 0)::int as reported,
            coalesce(sum(per.responded_on_time), 0)::int as "respondedOnTime",
            coalesce(sum(per.resolved_on_time), 0)::int as "resolvedOnTime",
            coalesce(sum(per.followed_up), 0)::int as "followedUp", coalesce(sum(per.satisfied), 0)::int as satisfied,
            (sum(per.accept_secs) / nullif(sum(per.accepted), 0) / 60)::float8 as "avgAcceptMinutes",
            (sum(per.resolve_secs) / nullif(sum(per.resolved), 0) / 60)::float8 as "avgResolveMinutes",
            (sum(per.verify_secs) / nullif(sum(per.verified), 0) / 60)::float8 as "avgVerifyMinutes",
            coalesce(sum(per.escalations), 0)::int as escalations, coalesce(sum(per.cards), 0)::int as cards
       from org_unit u
       left join per on per.loc >= u.path_key and per.loc < u.path_key || 'g'
      where u.tenant_id = ? and (u.id = ? or u.parent_id = ?) and u.kind <> 'department'
      group by u.id, u.name, u.kind
      order by u.id = ? desc, u.name`,
    [
      ...(days ? [t, days[0], days[1], ...range, ...rscope.params] : []),
      t,
      ...edges,
      ...range,
      ...escope.params,
      t,
      q.orgUnitId,
      q.orgUnitId,
      q.orgUnitId,
    ],
  );
  // Whistles come after their event was reported: those called since `from` hold the period's.
  const departments = await tx.query<Row>(
    `select d.id as "orgUnitId", d.name, count(*)::int as whistles,
            (count(*) filter (where w.reported_at <= w.due_at))::int as "reportedOnTime",
            (count(*) filter (where coalesce(w.reported_at, ?) > w.due_at))::int as late,
            count(w.replied_at)::int as replied
       from events_whistle w
       join events_event e on e.tenant_id = w.tenant_id and e.id = w.event_id
       join org_unit l on l.tenant_id = e.tenant_id and l.id = e.org_unit_id
       join org_unit d on d.tenant_id = w.tenant_id and d.id = w.org_unit_id
      where w.tenant_id = ? and w.kind = 'department' and w.called_at >= ?
        and e.created_at >= ? and e.created_at < ? and e.status not in ('merged', 'returned')
        and l.path_key >= ? and l.path_key < ? and ${escope.sql}
      group by d.id, d.name order by d.name`,
    [clock.now(), t, from, from, to, ...range, ...escope.params],
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
