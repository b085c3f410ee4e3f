import type { Tx } from '@civicgrid/db';
import { AppError, badInput, type JobContext, type JobDefinition } from '@civicgrid/kernel';
import { assessmentCompleted, type ScoringSettings } from '../common/index.ts';
import { monthEnd, nextMonth, scoreExpr, totalsRange, windowStart } from './score.ts';

const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
/** Below and above every generated id: where the first chunk starts and the last ends. */
const NIL = '00000000-0000-0000-0000-000000000000';
const MAX = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
const DEFAULT_CHUNK = 10_000;
/**
 * Chunks written side by side, on the worker's idle job slots: two keeps one tenant's run to about
 * the cores of a small database server, and a borrowed lane goes back as soon as another job waits.
 */
const DEFAULT_LANES = 2;

/** What one month's assessment covers: the year up to the month's last day, and the red-flag window. */
interface Window {
  period: string;
  yearStart: string;
  end: string;
  redFrom: string;
  nextMonth: string;
}

/**
 * Assesses one chunk of subjects (ids in `(lo, hi]` registered by the month's end) in one statement:
 * the year's scores, the red-flag window's totals, the declared tenants, the flags; writes their
 * assessment rows and enrols the landlords due for the next improvement class. Set-based per chunk:
 * its records, houses and declarations are read by range scans over the id range (records through an
 * index that covers what is read), so a run reads each record once whatever the chunking. The rows are
 * inserted, not upserted: a run starts by clearing its month and marks each chunk done with its rows.
 * Answers the rows written and the chunk's tallies per unit (UNIT_TALLY, JSON), which the month's
 * report adds up instead of reading every row again after the chunks.
 */
export async function assessChunk(
  tx: Tx,
  w: Window,
  s: ScoringSettings,
  lo: string,
  hi: string,
): Promise<{ subjects: number; units: string }> {
  const t = tx.tenantId!;
  // Row-level security keeps the planner from the statistics, so it guesses a few dozen subjects and
  // would read them by bitmap and sort them; without bitmap scans it walks the primary key in id order
  // and reads the chunk's records in subject order from their index.
  await tx.query('set local enable_bitmapscan = off');
  // The chunk's records grouped per subject, item and month (~6 groups a subject) stay in memory.
  await tx.query(`set local work_mem = '64MB'`);
  // The records arrive in subject order (their index): grouping them by a sort of each subject's few
  // records keeps that order for the joins after it, where hashing all the chunk's groups costs more.
  await tx.query('set local enable_hashagg = off');
  // Without statistics (a database just filled) it guesses one row everywhere and joins the subjects to
  // their totals by a nested loop that aggregates the chunk's records again for every subject: 4,000
  // subjects took 9 s. The joins that want a loop (the items, a house's declarations and residences)
  // are laterals, which stay loops; the others are hashed or merged whatever the guesses.
  await tx.query('set local enable_nestloop = off');
  // Those forced loops add the planner's "disabled" cost, which would pass JIT's threshold: compiling took
  // a second, a chunk computes in a few hundred milliseconds.
  await tx.query('set local jit = off');
  // The chunk's bounds, (lo, hi], as init plans: index range conditions for every table read.
  const totals = totalsRange('(select lo from b)', '(select hi from b)', t, {
    yearStart: w.yearStart,
    winFrom: w.redFrom,
    to: w.end,
  });
  const score = scoreExpr('tot.y_ded', 'tot.y_bon', s);
  const [row] = await tx.query<{ n: number; units: string }>(
    `with b as materialized (select ?::uuid as lo, ?::uuid as hi),
     s as materialized (
       select id, kind, org_unit_id from landlord_scoring_subject
        where tenant_id = ? and id > (select lo from b) and id <= (select hi from b) and registered_on <= ?::date
        order by id),
     tot as ${totals.sql},
     tn as (
       select sh.subject_id, count(*)::int as verified, count(*) filter (where d.source = 'landlord')::int as self
         from landlord_scoring_subject_house sh
         cross join lateral (
           select d.source, d.residence_id from landlord_scoring_declaration d
            where d.tenant_id = sh.tenant_id and d.house_id = sh.house_id and d.declared_on <= ?::date offset 0) d
         cross join lateral (
           select 1 from residence rs where rs.tenant_id = sh.tenant_id and rs.id = d.residence_id
              and rs.moved_in <= ?::date and (rs.moved_out is null or rs.moved_out > ?::date) offset 0) rs
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
       returning subject_id),
     enrolled as (
       insert into landlord_scoring_enrolment (tenant_id, subject_id, class_month, period)
       select ?, id, ?, ? from flagged where improvement
       on conflict do nothing returning 1)
     select (select count(*)::int from written) as n, (select count(*) from enrolled) as enrolled,
            (select coalesce(jsonb_agg(u), '[]')::text from (
               select org_unit_id as unit, count(*) filter (where kind = 'landlord')::int as landlords,
                      count(*) filter (where kind = 'landlord' and flag = 'yellow')::int as yl,
                      count(*) filter (where improvement)::int as ic, count(*) filter (where referral)::int as rf,
                      count(*) filter (where kind = 'shop')::int as shops,
                      count(*) filter (where kind = 'shop' and flag = 'yellow')::int as ys,
                      count(*) filter (where flag = 'red')::int as rs, sum(verified)::int as tv,
                      sum(self)::int as tsd
                 from flagged group by org_unit_id) u) as units`,
    [
      lo,
      hi,
      t,
      w.end,
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
  return { subjects: row!.n, units: row!.units };
}

/** A chunk's tally of one unit (the `units` of assessChunk), as the report reads it back. */
const UNIT_TALLY = `u(unit uuid, landlords int, yl int, ic int, rf int, shops int, ys int, rs int, tv int, tsd int)`;

interface MonthSummary {
  subjects: number;
  yellow: number;
  red: number;
  enrolled: number;
  units: string[] | null;
}

/**
 * The month's report: per street, community and grid (and the city as `total`), from the chunks' tallies
 * per unit (every chunk of the run is written, checked before); the city's row and the units with
 * yellow-flag subjects are the summary the event carries.
 */
async function writeReport(tx: Tx, period: string): Promise<MonthSummary> {
  const t = tx.tenantId!;
  await tx.query('delete from landlord_scoring_report where tenant_id = ? and period = ?', [t, period]);
  // Ancestors come from the unit's path (its labels are unit ids without hyphens): primary-key lookups,
  // no ltree operator (not leakproof, so off the index under row-level security).
  const [summary] = await tx.query<MonthSummary>(
    `with per_unit as materialized (
       select u.unit as org_unit_id, sum(u.landlords) as landlords, sum(u.yl) as yl, sum(u.ic) as ic,
              sum(u.rf) as rf, sum(u.shops) as shops, sum(u.ys) as ys, sum(u.rs) as rs, sum(u.tv) as tv,
              sum(u.tsd) as tsd
         from landlord_scoring_assessment_chunk c cross join lateral jsonb_to_recordset(c.units) as ${UNIT_TALLY}
        where c.tenant_id = ? and c.period = ? group by u.unit),
     up as (
       select p.*, a.id as anc, case when a.parent_id is null then 'total' else a.kind end as level
         from per_unit p join org_unit u on u.tenant_id = ? and u.id = p.org_unit_id
         cross join lateral unnest(string_to_array(u.path::text, '.')) as l(label)
         join org_unit a on a.tenant_id = ? and a.id = l.label::uuid
        where a.parent_id is null or a.kind in ('street', 'community', 'grid')),
     written as (
       insert into landlord_scoring_report (tenant_id, period, org_unit_id, level, landlords, yellow_landlords,
              improvement_class, referrals, shops, yellow_shops, red_shops, tenants_verified, tenants_self_declared)
       select ?, ?, anc, level, sum(landlords), sum(yl), sum(ic), sum(rf), sum(shops), sum(ys), sum(rs),
              sum(tv), sum(tsd)
         from up group by anc, level)
     select coalesce(sum(landlords + shops), 0)::int as subjects, coalesce(sum(yl), 0)::int as yellow,
            coalesce(sum(rs), 0)::int as red, coalesce(sum(ic), 0)::int as enrolled,
            array_agg(org_unit_id order by org_unit_id) filter (where yl + ys > 0) as units
       from per_unit`,
    [t, period, t, t, t, period],
  );
  return summary!;
}

/** A run's chunks: `bounds` are the last ids of all but the last, which runs to the end of the ids. */
const chunkRange = (bounds: string[], seq: number) => ({
  lo: seq === 0 ? NIL : bounds[seq - 1]!,
  hi: seq < bounds.length ? bounds[seq]! : MAX,
});

/**
 * Start a run of the month — clear what an earlier run wrote and fix the chunks, every `size`-th
 * subject id a bound — or resume this very run (same job run): its chunks, and the ones already done.
 */
async function startOrResume(ctx: JobContext, period: string, size: number) {
  return ctx.db.withTenant(ctx.tenantId, async (tx) => {
    const t = tx.tenantId;
    const [run] = await tx.query<{ runId: string; bounds: string[] }>(
      `select run_id as "runId", bounds from landlord_scoring_assessment_run
        where tenant_id = ? and period = ? for update`,
      [t, period],
    );
    if (run?.runId === ctx.runId) {
      const done = await tx.query<{ seq: number }>(
        'select seq from landlord_scoring_assessment_chunk where tenant_id = ? and period = ?',
        [t, period],
      );
      return { bounds: run.bounds, done: new Set(done.map((d) => d.seq)) };
    }
    // Another run of the month (or none yet): start over, so every row comes from this run's reading.
    for (const table of [
      'landlord_scoring_report',
      'landlord_scoring_assessment',
      'landlord_scoring_assessment_chunk',
    ])
      await tx.query(`delete from ${table} where tenant_id = ? and period = ?`, [t, period]);
    await tx.query(
      `delete from landlord_scoring_enrolment where tenant_id = ? and period = ? and attended_on is null`,
      [t, period],
    );
    // Every subject's id, not only those registered by the month's end (each chunk keeps to those): each
    // bound is the `size`-th id after the last one, skipped to along the primary key without a heap read
    // (numbering every id and keeping each `size`-th took three times as long).
    const [{ bounds } = { bounds: [] }] = await tx.query<{ bounds: string[] }>(
      `with recursive b(id, n) as (
         select (select id from landlord_scoring_subject where tenant_id = ? order by id offset ? limit 1), 1
         union all
         select (select s.id from landlord_scoring_subject s where s.tenant_id = ? and s.id > b.id
                  order by s.id offset ? limit 1), b.n + 1
           from b where b.id is not null)
       select array(select id from b where id is not null order by n) as bounds`,
      [t, size - 1, t, size - 1],
    );
    await tx.query(
      `insert into landlord_scoring_assessment_run (tenant_id, period, run_id, bounds, subjects, state)
       values (?, ?, ?, ?::uuid[], 0, 'running')
       on conflict (tenant_id, period) do update set run_id = excluded.run_id, bounds = excluded.bounds,
         subjects = 0, state = 'running'`,
      [t, period, ctx.runId, bounds],
    );
    return { bounds, done: new Set<number>() };
  });
}

/**
 * Holds the run's row while this run still owns the month: shared by the chunks written side by side,
 * and taken exclusively by a later run of the same month, which waits for them and then takes over.
 */
async function ownRun(tx: Tx, period: string, runId: string, lock: 'share' | 'update') {
  const owned = await tx.query(
    `select 1 from landlord_scoring_assessment_run where tenant_id = ? and period = ? and run_id = ? for ${lock}`,
    [tx.tenantId, period, runId],
  );
  if (!owned.length)
    throw new AppError(409, 'superseded', `another run of ${period} took over this assessment`);
}

/** One chunk in its own transaction, marked done with its rows; a chunk already marked is left alone. */
async function writeChunk(ctx: JobContext, w: Window, s: ScoringSettings, bounds: string[], seq: number) {
  return ctx.db.withTenant(ctx.tenantId, async (tx) => {
    // The chunk's commit need not wait for its WAL to reach the disk: nothing relies on a chunk until the
    // run completes in the job's own transaction, whose (synchronous) commit flushes the WAL before it,
    // every chunk's included. A database crash before then loses chunks whole, rows and mark together,
    // and the retried run writes them again.
    await tx.query('set local synchronous_commit = off');
    await ownRun(tx, w.period, ctx.runId, 'share');
    const mine = await tx.query(
      `insert into landlord_scoring_assessment_chunk (tenant_id, period, seq) values (?, ?, ?)
       on conflict do nothing returning seq`,
      [tx.tenantId, w.period, seq],
    );
    if (!mine.length) return;
    const { lo, hi } = chunkRange(bounds, seq);
    const { subjects, units } = await assessChunk(tx, w, s, lo, hi);
    await tx.query(
      `update landlord_scoring_assessment_chunk set subjects = ?, units = ?::jsonb
        where tenant_id = ? and period = ? and seq = ?`,
      [subjects, units, tx.tenantId, w.period, seq],
    );
  });
}

const wholeNumber = (field: string, value: unknown, fallback: number, max: number) => {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw badInput(field, `must be a whole number from 1 to ${max}`);
  return n;
};

/**
 * The monthly assessment of one tenant. The month's subjects are cut into chunks by id when the run
 * starts; each chunk commits on its own (`ctx.db`), marked done with its rows, side by side on up to
 * `lanes` connections while the worker has idle slots. A worker killed mid-run leaves whole chunks; the
 * retried attempt (same job run) does the others, and the report, the event and the run's completion
 * commit in the job's own transaction with its record. Every row is keyed by (period, subject): a run
 * of the month again replaces them, never doubles them.
 */
export async function assessMonth(ctx: JobContext) {
  const period = ctx.period;
  if (!period || !MONTH.test(period))
    throw badInput('period', 'the assessment needs a month such as 2026-11');
  const size = wholeNumber('chunkSize', ctx.data.chunkSize, DEFAULT_CHUNK, 10_000);
  const lanes = wholeNumber('lanes', ctx.data.lanes, DEFAULT_LANES, 8);
  const settings = await ctx.settings<ScoringSettings>();
  const w: Window = {
    period,
    yearStart: `${period.slice(0, 4)}-01-01`,
    end: monthEnd(period),
    redFrom: windowStart(period, settings.redFlag.months),
    nextMonth: nextMonth(period),
  };
  const t0 = performance.now();
  const { bounds, done } = await startOrResume(ctx, period, size);
  const t1 = performance.now();
  const chunks = bounds.length + 1;
  const todo = Array.from({ length: chunks }, (_, seq) => seq).filter((seq) => !done.has(seq));
  let finished = done.size;
  // One report at a time, in order: lanes finishing together must not move the bar backwards.
  let reported = Promise.resolve();
  await ctx.inLanes(todo, lanes, async (seq) => {
    await writeChunk(ctx, w, settings, bounds, seq);
    const percent = (++finished / chunks) * 95;
    reported = reported.then(() => ctx.progress(percent));
    await reported;
  });
  const t2 = performance.now();
  const { tx } = ctx;
  await ownRun(tx, period, ctx.runId, 'update');
  const [chunked] = await tx.query<{ chunks: number; subjects: number }>(
    `select count(*)::int as chunks, coalesce(sum(subjects), 0)::int as subjects
       from landlord_scoring_assessment_chunk where tenant_id = ? and period = ?`,
    [ctx.tenantId, period],
  );
  if (chunked!.chunks !== chunks)
    throw new Error(`${chunks - chunked!.chunks} chunks of ${period} not written`);
  const sum = await writeReport(tx, period);
  // Where a month's time goes, for the operator reading the worker's log.
  const ms = (a: number, b: number) => Math.round(b - a);
  ctx.log.info(
    {
      period,
      chunks,
      resumed: done.size,
      startMs: ms(t0, t1),
      chunksMs: ms(t1, t2),
      reportMs: ms(t2, performance.now()),
    },
    'assessment written',
  );
  await ctx.events.publish(tx, assessmentCompleted, {
    period,
    subjects: sum.subjects,
    yellowLandlords: sum.yellow,
    redShops: sum.red,
    enrolled: sum.enrolled,
    flaggedUnitIds: sum.units ?? [],
  });
  await tx.query(
    `update landlord_scoring_assessment_run set state = 'completed', subjects = ?
      where tenant_id = ? and period = ?`,
    [chunked!.subjects, ctx.tenantId, period],
  );
  await ctx.progress(100);
  return { period, subjects: sum.subjects, yellowLandlords: sum.yellow, redShops: sum.red };
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
