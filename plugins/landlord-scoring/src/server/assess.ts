import type { Tx } from '@civicgrid/db';
import { AppError, badInput, type JobContext, type JobDefinition } from '@civicgrid/kernel';
import { assessmentCompleted, type ScoringSettings } from '../common/index.ts';
import { monthEnd, nextMonth, scoreExpr, totalsRange, windowStart } from './score.ts';

const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
/** Below every generated id: where the first chunk starts. */
const NIL = '00000000-0000-0000-0000-000000000000';
const DEFAULT_CHUNK = 10_000;

/** What one month's assessment covers: the year up to the month's last day, and the red-flag window. */
interface Window {
  period: string;
  yearStart: string;
  end: string;
  redFrom: string;
  nextMonth: string;
}

/**
 * Assesses one chunk of subjects (the next `size` ids after `cursor` registered by the month's end) in
 * one statement: the year's scores, the red-flag window's totals, the declared tenants, the flags;
 * writes their assessment rows (replacing a row an earlier attempt wrote: same inputs, same row) and
 * enrols the landlords due for the next improvement class. Set-based per chunk: the chunk is an id
 * range, and its records, houses and declarations are read by range scans over that range (records
 * through an index that covers what is read), so a run reads each record once whatever the chunking.
 */
export async function assessChunk(
  tx: Tx,
  w: Window,
  s: ScoringSettings,
  cursor: string | null,
  size: number,
) {
  const t = tx.tenantId!;
  const lo = cursor ?? NIL;
  // Row-level security keeps the planner from the statistics, so it guesses a few dozen subjects and
  // would read them by bitmap and sort them; without bitmap scans it walks the primary key in id order
  // and stops after `size`, and reads the chunk's records in subject order from their index.
  await tx.query('set local enable_bitmapscan = off');
  // The chunk's records grouped per subject, item and month (~6 groups a subject) stay in memory.
  await tx.query(`set local work_mem = '64MB'`);
  // The chunk's bounds, (lo, hi], as init plans: index range conditions for every table read.
  const totals = totalsRange('(select lo from b)', '(select hi from b)', t, {
    yearStart: w.yearStart,
    winFrom: w.redFrom,
    to: w.end,
  });
  const score = scoreExpr('tot.y_ded', 'tot.y_bon', s);
  const [row] = await tx.query<{ n: number; last: string | null }>(
    `with s as materialized (
       select id, kind, org_unit_id from landlord_scoring_subject
        where tenant_id = ? and id > ?::uuid and registered_on <= ?::date order by id limit ?),
     b as materialized (select ?::uuid as lo, (select id from s order by id desc limit 1) as hi),
     tot as ${totals.sql},
     tn as (
       select sh.subject_id, count(*)::int as verified, count(*) filter (where d.source = 'landlord')::int as self
         from landlord_scoring_subject_house sh
         join landlord_scoring_declaration d on d.tenant_id = sh.tenant_id and d.house_id = sh.house_id
              and d.declared_on <= ?::date
         join residence rs on rs.tenant_id = d.tenant_id and rs.id = d.residence_id
              and rs.moved_in <= ?::date and (rs.moved_out is null or rs.moved_out > ?::date)
        where sh.tenant_id = ? and sh.subject_id > (select lo from b) and sh.subject_id <= (select hi from b)
              and sh.since <= ?::date and (sh.until is null or sh.until > ?::date)
        group by sh.subject_id),
     scored as (
       select s.id, s.kind, s.org_unit_id, coalesce(tot.y_ded, 0) as ded, coalesce(tot.y_bon, 0) as bon,
              ${score.sql} as score, coalesce(tot.w_ded, 0) as win_ded, coalesce(tot.w_bon, 0) as win_bon,
              coalesce(tn.verified, 0) as verified, coalesce(tn.self, 0) as self
         from s left join tot on tot.subject_id = s.id left join tn on tn.subject_id = s.id),
     flagged as (
       select *, case when score <= ?::int then 'yellow'
                      when kind = 'shop' and win_ded = 0 and win_bon >= ?::int then 'red' end as flag,
              kind = 'landlord' and (score <= ?::int or score <= ?::int) as improvement,
              score <= ?::int as referral
         from scored),
     written as (
       insert into landlord_scoring_assessment (tenant_id, period, subject_id, kind, org_unit_id, deductions,
              bonuses, score, flag, improvement_class, referral, tenants_verified, tenants_self_declared)
       select ?, ?, id, kind, org_unit_id, ded, bon, score, flag, improvement, referral, verified, self
         from flagged
       on conflict (tenant_id, period, subject_id) do update set kind = excluded.kind,
              org_unit_id = excluded.org_unit_id, deductions = excluded.deductions, bonuses = excluded.bonuses,
              score = excluded.score, flag = excluded.flag, improvement_class = excluded.improvement_class,
              referral = excluded.referral, tenants_verified = excluded.tenants_verified,
              tenants_self_declared = excluded.tenants_self_declared
       returning subject_id),
     enrolled as (
       insert into landlord_scoring_enrolment (tenant_id, subject_id, class_month, period)
       select ?, id, ?, ? from flagged where improvement
       on conflict do nothing returning 1)
     select (select count(*)::int from written) as n, (select hi from b) as last,
            (select count(*) from enrolled) as enrolled`,
    [
      t,
      lo,
      w.end,
      size,
      lo,
      ...totals.params,
      w.end,
      w.end,
      w.end,
      t,
      w.end,
      w.end,
      ...score.params,
      s.yellowFlagAt,
      s.redFlag.minBonus,
      s.yellowFlagAt,
      s.improvementClassAt,
      s.referralAt,
      t,
      w.period,
      t,
      w.nextMonth,
      w.period,
    ],
  );
  return { n: row!.n, last: row!.last };
}

/** The month's report: per street, community and grid (and the city as `total`), from the month's rows. */
async function writeReport(tx: Tx, period: string) {
  const t = tx.tenantId!;
  await tx.query('delete from landlord_scoring_report where tenant_id = ? and period = ?', [t, period]);
  // Ancestors come from the unit's path (its labels are unit ids without hyphens): primary-key lookups,
  // no ltree operator (not leakproof, so off the index under row-level security).
  await tx.query(
    `with per_unit as (
       select org_unit_id,
              count(*) filter (where kind = 'landlord') as landlords,
              count(*) filter (where kind = 'landlord' and flag = 'yellow') as yl,
              count(*) filter (where improvement_class) as ic,
              count(*) filter (where referral) as rf,
              count(*) filter (where kind = 'shop') as shops,
              count(*) filter (where kind = 'shop' and flag = 'yellow') as ys,
              count(*) filter (where flag = 'red') as rs,
              sum(tenants_verified) as tv, sum(tenants_self_declared) as tsd
         from landlord_scoring_assessment where tenant_id = ? and period = ? group by org_unit_id),
     up as (
       select p.*, a.id as anc, case when a.parent_id is null then 'total' else a.kind end as level
         from per_unit p join org_unit u on u.tenant_id = ? and u.id = p.org_unit_id
         cross join lateral unnest(string_to_array(u.path::text, '.')) as l(label)
         join org_unit a on a.tenant_id = ? and a.id = l.label::uuid
        where a.parent_id is null or a.kind in ('street', 'community', 'grid'))
     insert into landlord_scoring_report (tenant_id, period, org_unit_id, level, landlords, yellow_landlords,
            improvement_class, referrals, shops, yellow_shops, red_shops, tenants_verified, tenants_self_declared)
     select ?, ?, anc, level, sum(landlords), sum(yl), sum(ic), sum(rf), sum(shops), sum(ys), sum(rs),
            sum(tv), sum(tsd)
       from up group by anc, level`,
    [t, period, t, t, t, period],
  );
}

/** Start a run of the month, or resume this very run (same job run) after the chunks it committed. */
async function startOrResume(ctx: JobContext, period: string): Promise<string | null> {
  return ctx.db.withTenant(ctx.tenantId, async (tx) => {
    const [run] = await tx.query<{ runId: string; cursor: string | null }>(
      `select run_id as "runId", cursor from landlord_scoring_assessment_run
        where tenant_id = ? and period = ? for update`,
      [tx.tenantId, period],
    );
    if (run?.runId === ctx.runId) return run.cursor;
    // Another run of the month (or none yet): start over, so every row comes from this run's reading.
    for (const table of ['landlord_scoring_report', 'landlord_scoring_assessment'])
      await tx.query(`delete from ${table} where tenant_id = ? and period = ?`, [tx.tenantId, period]);
    await tx.query(
      `delete from landlord_scoring_enrolment where tenant_id = ? and period = ? and attended_on is null`,
      [tx.tenantId, period],
    );
    await tx.query(
      `insert into landlord_scoring_assessment_run (tenant_id, period, run_id, cursor, subjects, state)
       values (?, ?, ?, null, 0, 'running')
       on conflict (tenant_id, period) do update set run_id = excluded.run_id, cursor = null, subjects = 0,
         state = 'running'`,
      [tx.tenantId, period, ctx.runId],
    );
    return null;
  });
}

/** The run row, locked, if this run still owns the month (a later run of the same month takes it over). */
async function ownRun(tx: Tx, period: string, runId: string) {
  const [run] = await tx.query<{ cursor: string | null; subjects: number }>(
    `select cursor, subjects from landlord_scoring_assessment_run
      where tenant_id = ? and period = ? and run_id = ? for update`,
    [tx.tenantId, period, runId],
  );
  if (!run) throw new AppError(409, 'superseded', `another run of ${period} took over this assessment`);
  return run;
}

/**
 * The monthly assessment of one tenant. Chunks of subjects commit on their own (`ctx.db`), each with
 * the run's cursor, so a worker killed mid-run leaves whole chunks and the cursor after the last; the
 * retried attempt (same job run) resumes there, and the report, the event and the run's completion
 * commit in the job's own transaction with its record. Every row is keyed by (period, subject): a run
 * of the month again replaces them, never doubles them.
 */
export async function assessMonth(ctx: JobContext) {
  const period = ctx.period;
  if (!period || !MONTH.test(period))
    throw badInput('period', 'the assessment needs a month such as 2026-11');
  const size = Number(ctx.data.chunkSize ?? DEFAULT_CHUNK);
  if (!Number.isInteger(size) || size < 1 || size > 10_000)
    throw badInput('chunkSize', 'must be a whole number from 1 to 10000');
  const settings = await ctx.settings<ScoringSettings>();
  const w: Window = {
    period,
    yearStart: `${period.slice(0, 4)}-01-01`,
    end: monthEnd(period),
    redFrom: windowStart(period, settings.redFlag.months),
    nextMonth: nextMonth(period),
  };
  const [{ total } = { total: 0 }] = await ctx.tx.query<{ total: number }>(
    `select count(*)::int as total from landlord_scoring_subject where tenant_id = ? and registered_on <= ?::date`,
    [ctx.tenantId, w.end],
  );
  let cursor = await startOrResume(ctx, period);
  for (;;) {
    const { n, done } = await ctx.db.withTenant(ctx.tenantId, async (tx) => {
      const run = await ownRun(tx, period, ctx.runId);
      cursor = run.cursor;
      const chunk = await assessChunk(tx, w, settings, cursor, size);
      if (chunk.n)
        await tx.query(
          `update landlord_scoring_assessment_run set cursor = ?, subjects = subjects + ?
            where tenant_id = ? and period = ?`,
          [chunk.last, chunk.n, tx.tenantId, period],
        );
      return { n: chunk.n, done: run.subjects + chunk.n };
    });
    if (n < size) break;
    await ctx.progress(Math.min(95, (done / Math.max(1, total)) * 95));
  }
  const { tx } = ctx;
  await ownRun(tx, period, ctx.runId);
  await writeReport(tx, period);
  const [sum] = await tx.query<{
    subjects: number;
    yellow: number;
    red: number;
    enrolled: number;
    units: string[] | null;
  }>(
    `select count(*)::int as subjects,
            count(*) filter (where kind = 'landlord' and flag = 'yellow')::int as yellow,
            count(*) filter (where flag = 'red')::int as red,
            count(*) filter (where improvement_class)::int as enrolled,
            array_agg(distinct org_unit_id) filter (where flag = 'yellow') as units
       from landlord_scoring_assessment where tenant_id = ? and period = ?`,
    [ctx.tenantId, period],
  );
  await ctx.events.publish(tx, assessmentCompleted, {
    period,
    subjects: sum!.subjects,
    yellowLandlords: sum!.yellow,
    redShops: sum!.red,
    enrolled: sum!.enrolled,
    flaggedUnitIds: sum!.units ?? [],
  });
  await tx.query(
    `update landlord_scoring_assessment_run set state = 'completed' where tenant_id = ? and period = ?`,
    [ctx.tenantId, period],
  );
  await ctx.progress(100);
  return { period, subjects: sum!.subjects, yellowLandlords: sum!.yellow, redShops: sum!.red };
}

export const assessmentJob: JobDefinition = {
  name: 'assess',
  title: { 'zh-CN': '房东、商铺月度考评', en: 'Monthly landlord and shop assessment' },
  // 02:00 on the 1st in the tenant's time zone, or the tenant's `assessmentCron`: the month before.
  schedule: { cron: '0 2 1 * *', period: 'month', cronSetting: 'assessmentCron' },
  attempts: 3,
  backoffMs: 5_000,
  process: assessMonth,
};
