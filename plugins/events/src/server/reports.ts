import type { Tx } from '@civicgrid/db';
import { badInput, type JobContext, type JobDefinition } from '@civicgrid/kernel';
import { idsOfPath } from '@civicgrid/tenancy';
import { clock } from './clock.ts';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER = /^(\d{4})-Q([1-4])$/;

export type ReportKind = 'month' | 'quarter';

/** One street's or community's line of a report. */
export interface ReportRow {
  orgUnitId: string;
  name: string;
  kind: 'street' | 'community';
  parentName: string | null;
  /** root first, itself last: what the reader's scope is checked against */
  ancestors: string[];
  reported: number;
  respondedOnTime: number;
  resolvedOnTime: number;
  followedUp: number;
  satisfied: number;
  responseRate: number | null;
  onTimeResolutionRate: number | null;
  satisfactionRate: number | null;
  avgAcceptMinutes: number | null;
  avgResolveMinutes: number | null;
  escalations: number;
  cards: number;
}

const rate = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
const num = (v: unknown) => (v == null ? null : Math.round(Number(v) * 10) / 10);

/** `2026-11` → a month; `2026-Q4` → a quarter (first month 10, three months). */
export function parsePeriod(period: string): {
  kind: ReportKind;
  year: number;
  month: number;
  months: number;
} {
  const m = MONTH.exec(period);
  if (m) return { kind: 'month', year: Number(m[1]), month: Number(m[2]), months: 1 };
  const q = QUARTER.exec(period);
  if (q) return { kind: 'quarter', year: Number(q[1]), month: (Number(q[2]) - 1) * 3 + 1, months: 3 };
  throw badInput('period', 'a month such as 2026-11 or a quarter such as 2026-Q4');
}

/**
 * Writes (or rewrites) the three-rate report of one period for every street and community of the
 * tenant, over the events reported in the period — its bounds are local midnights in the tenant's time
 * zone — with the same definitions as `GET /metrics`. Set-based: each event's location is mapped to
 * the streets and communities above it through the distinct locations (a few thousand), not per event.
 * Idempotent: one row per (kind, period), replaced by a re-run.
 */
export async function writeReport(tx: Tx, period: string, runId: string | null) {
  const p = parsePeriod(period);
  const t = tx.tenantId;
  const [b] = await tx.query<{ start: Date; end: Date }>(
    `select (make_date(?::int, ?::int, 1)::timestamp at time zone tz.timezone) as start,
            ((make_date(?::int, ?::int, 1)::timestamp + make_interval(months => ?::int)) at time zone tz.timezone) as end
       from tenant tz where tz.id = ?`,
    [p.year, p.month, p.year, p.month, p.months, t],
  );
  const rows = await tx.query<Record<string, unknown>>(
    `with ev as (
       select e.id, e.org_unit_id, e.created_at, e.accepted_at, e.accept_due_at, e.resolved_at, e.resolve_due_at
         from events_event e
        where e.tenant_id = ? and e.created_at >= ? and e.created_at < ? and e.status not in ('merged', 'returned')),
     loc as (select distinct org_unit_id as id from ev),
     anc as (
       select loc.id as loc_id, a.id as unit_id from loc
         join org_unit l on l.tenant_id = ? and l.id = loc.id
         join org_unit a on a.tenant_id = ? and a.kind in ('street', 'community')
          and a.path_key <= l.path_key and l.path_key < a.path_key || 'g'),
     fu as (select distinct on (f.event_id) f.event_id, f.satisfaction from events_follow_up f
             where f.tenant_id = ? and f.event_id in (select id from ev) order by f.event_id, f.at desc),
     esc as (select event_id, count(*) as n from events_timeline where tenant_id = ? and action = 'escalate'
                and event_id in (select id from ev) group by event_id),
     sup as (select event_id, count(*) as n from events_supervision where tenant_id = ?
                and event_id in (select id from ev) group by event_id),
     per as (
       select anc.unit_id, count(*)::int as reported,
              (count(*) filter (where ev.accepted_at <= ev.accept_due_at))::int as "respondedOnTime",
              (count(*) filter (where ev.resolved_at <= ev.resolve_due_at))::int as "resolvedOnTime",
              count(fu.event_id)::int as "followedUp",
              (count(*) filter (where fu.satisfaction in ('satisfied', 'basically')))::int as satisfied,
              avg(extract(epoch from ev.accepted_at - ev.created_at) / 60)::float8 as "avgAcceptMinutes",
              avg(extract(epoch from ev.resolved_at - ev.accepted_at) / 60)::float8 as "avgResolveMinutes",
              coalesce(sum(esc.n), 0)::int as escalations, coalesce(sum(sup.n), 0)::int as cards
         from ev join anc on anc.loc_id = ev.org_unit_id
         left join fu on fu.event_id = ev.id
         left join esc on esc.event_id = ev.id
         left join sup on sup.event_id = ev.id
        group by anc.unit_id)
     select u.id as "orgUnitId", u.name, u.kind, p.name as "parentName", u.path::text as path,
            coalesce(per.reported, 0) as reported, coalesce(per."respondedOnTime", 0) as "respondedOnTime",
            coalesce(per."resolvedOnTime", 0) as "resolvedOnTime", coalesce(per."followedUp", 0) as "followedUp",
            coalesce(per.satisfied, 0) as satisfied, per."avgAcceptMinutes", per."avgResolveMinutes",
            coalesce(per.escalations, 0) as escalations, coalesce(per.cards, 0) as cards
       from org_unit u
       left join org_unit p on p.tenant_id = u.tenant_id and p.id = u.parent_id
       left join per on per.unit_id = u.id
      where u.tenant_id = ? and u.kind in ('street', 'community')
      order by u.path_key`,
    [t, b!.start, b!.end, t, t, t, t, t, t],
  );
  const out: ReportRow[] = rows.map((r) => {
    const n = (k: string) => Number(r[k]);
    return {
      orgUnitId: String(r.orgUnitId),
      name: String(r.name),
      kind: r.kind as ReportRow['kind'],
      parentName: (r.parentName as string | null) ?? null,
      ancestors: idsOfPath(String(r.path)),
      reported: n('reported'),
      respondedOnTime: n('respondedOnTime'),
      resolvedOnTime: n('resolvedOnTime'),
      followedUp: n('followedUp'),
      satisfied: n('satisfied'),
      responseRate: rate(n('respondedOnTime'), n('reported')),
      onTimeResolutionRate: rate(n('resolvedOnTime'), n('reported')),
      satisfactionRate: rate(n('satisfied'), n('followedUp')),
      avgAcceptMinutes: num(r.avgAcceptMinutes),
      avgResolveMinutes: num(r.avgResolveMinutes),
      escalations: n('escalations'),
      cards: n('cards'),
    };
  });
  const [saved] = await tx.query<{ id: string }>(
    `insert into events_report (tenant_id, kind, period, period_start, period_end, generated_at, run_id, rows)
     values (?, ?, ?, ?, ?, ?, ?, ?::jsonb)
     on conflict (tenant_id, kind, period) do update set period_start = excluded.period_start,
       period_end = excluded.period_end, generated_at = excluded.generated_at, run_id = excluded.run_id,
       rows = excluded.rows
     returning id`,
    [t, p.kind, period, b!.start, b!.end, clock.now(), runId, JSON.stringify(out)],
  );
  return { id: saved!.id, kind: p.kind, period, units: out.length };
}

/**
 * The monthly job: the month before its firing (its period, in the tenant's time zone) and, when that
 * month closes a quarter, the quarter too. Its cron is the tenant's `reportCron` setting (default
 * 02:30 on the 1st). A run given `period` writes that month (and its quarter likewise), or a quarter
 * (`2026-Q4`) alone.
 */
export const reportJob: JobDefinition = {
  name: 'three-rate-report',
  title: { 'zh-CN': '三率月报/季报', en: 'Three-rate monthly and quarterly reports' },
  schedule: { cron: '30 2 1 * *', period: 'month', cronSetting: 'reportCron' },
  attempts: 3,
  async process(ctx: JobContext) {
    const period = ctx.period;
    if (!period) throw badInput('period', 'the report needs a period');
    const done = [await writeReport(ctx.tx, period, ctx.runId)];
    const m = MONTH.exec(period);
    if (m && Number(m[2]) % 3 === 0)
      done.push(await writeReport(ctx.tx, `${m[1]}-Q${Number(m[2]) / 3}`, ctx.runId));
    return { reports: done };
  },
};
