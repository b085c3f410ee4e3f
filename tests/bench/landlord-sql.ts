/**
 * The floor of `pnpm bench landlord`: the month's assessment rows written by hand as one set-based
 * statement — the year's records aggregated per subject, item code and month in one pass (bonus caps
 * per month), the red-flag window in the same pass, the declared tenants, the flags — inserted into an
 * unlogged table, as the owner (no row-level security), outside any job, ORM or chunking. And the
 * comparison that makes the benchmark worth reading: every assessment row against the floor's.
 */
import type pg from 'pg';

/** The module's settings the bench tenants run with (the defaults of plugins/landlord-scoring settings.ts). */
export const SETTINGS = {
  base: 12,
  yellowFlagAt: 6,
  improvementClassAt: 6,
  referralAt: 0,
  floorAtZero: true,
  redFlag: { months: 3, minBonus: 1 },
};

/** The month `period` covers: the year to its last day, the red-flag window, the first day read. */
export function windowOf(period: string, months = SETTINGS.redFlag.months) {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const yearStart = `${y}-01-01`;
  const redFrom = iso(new Date(Date.UTC(y, m - months, 1)));
  const end = iso(new Date(Date.UTC(y, m, 0)));
  return { yearStart, redFrom, end, from: [yearStart, redFrom].sort()[0]! };
}

export const FLOOR_TABLE = `create unlogged table if not exists bench_floor (
  tenant_id uuid not null, subject_id uuid not null, kind text not null, org_unit_id uuid not null,
  deductions int not null, bonuses int not null, score int not null, flag text, improvement_class boolean not null,
  referral boolean not null, tenants_verified int not null, tenants_self_declared int not null,
  primary key (tenant_id, subject_id))`;

/** $1 tenant, $2 year start, $3 red-flag window start, $4 the month's last day, $5 first day read. */
export const FLOOR_SELECT = `
with m as (
  select r.subject_id, r.effect, min(i.monthly_cap) as cap,
         sum(r.points) filter (where r.occurred_on >= $2::date) as y,
         sum(r.points) filter (where r.occurred_on >= $3::date) as w
    from landlord_scoring_record r
    join landlord_scoring_item i on i.tenant_id = r.tenant_id and i.id = r.item_id
   where r.tenant_id = $1 and r.occurred_on between $5::date and $4::date and not r.voided
   group by r.subject_id, r.effect, i.code, date_trunc('month', r.occurred_on::timestamp)),
tot as (
  select subject_id,
         coalesce(sum(y) filter (where effect = 'deduction'), 0)::int as ded,
         coalesce(sum(least(y, cap)) filter (where effect = 'bonus' and y is not null), 0)::int as bon,
         coalesce(sum(w) filter (where effect = 'deduction'), 0)::int as wded,
         coalesce(sum(least(w, cap)) filter (where effect = 'bonus' and w is not null), 0)::int as wbon
    from m group by subject_id),
tn as (
  select sh.subject_id, count(*)::int as verified, count(*) filter (where d.source = 'landlord')::int as self
    from landlord_scoring_subject_house sh
    join landlord_scoring_declaration d on d.tenant_id = sh.tenant_id and d.house_id = sh.house_id
         and d.declared_on <= $4::date
    join residence rs on rs.tenant_id = d.tenant_id and rs.id = d.residence_id and rs.moved_in <= $4::date
         and (rs.moved_out is null or rs.moved_out > $4::date)
   where sh.tenant_id = $1 and sh.since <= $4::date and (sh.until is null or sh.until > $4::date)
   group by sh.subject_id),
sc as (
  select s.id, s.kind, s.org_unit_id, coalesce(tot.ded, 0) as ded, coalesce(tot.bon, 0) as bon,
         greatest(0, least(${SETTINGS.base}, ${SETTINGS.base} - coalesce(tot.ded, 0) + coalesce(tot.bon, 0))) as score,
         coalesce(tot.wded, 0) as wded, coalesce(tot.wbon, 0) as wbon,
         coalesce(tn.verified, 0) as verified, coalesce(tn.self, 0) as self
    from landlord_scoring_subject s
    left join tot on tot.subject_id = s.id
    left join tn on tn.subject_id = s.id
   where s.tenant_id = $1 and s.registered_on <= $4::date)
select $1, id, kind, org_unit_id, ded, bon, score,
       case when score <= ${SETTINGS.yellowFlagAt} then 'yellow'
            when kind = 'shop' and wded = 0 and wbon >= ${SETTINGS.redFlag.minBonus} then 'red' end,
       kind = 'landlord' and (score <= ${SETTINGS.yellowFlagAt} or score <= ${SETTINGS.improvementClassAt}),
       score <= ${SETTINGS.referralAt}, verified, self
  from sc`;
const FLOOR = `insert into bench_floor ${FLOOR_SELECT}`;

/** Runs the floor for one tenant's month (replacing its earlier rows); answers ms and rows. */
export async function runFloor(owner: pg.Client, tenantId: string, period: string) {
  const w = windowOf(period);
  await owner.query(FLOOR_TABLE);
  await owner.query('delete from bench_floor where tenant_id = $1', [tenantId]);
  const t0 = performance.now();
  const r = await owner.query(FLOOR, [tenantId, w.yearStart, w.redFrom, w.end, w.from]);
  return { ms: Math.round(performance.now() - t0), rows: r.rowCount ?? 0 };
}

/**
 * The floor's rows written into the real assessment table instead (heap, its primary key, two foreign
 * keys checked row by row, WAL), in a transaction rolled back: how much of the job's time is writing
 * the rows at all. Informational, for the report; run after the assessments (a label of its own period).
 */
export async function runFloorIntoAssessments(owner: pg.Client, tenantId: string, period: string) {
  const w = windowOf(period);
  await owner.query('begin');
  try {
    const t0 = performance.now();
    const r = await owner.query(
      `insert into landlord_scoring_assessment (tenant_id, subject_id, kind, org_unit_id, deductions, bonuses,
         score, flag, improvement_class, referral, tenants_verified, tenants_self_declared, period)
       select *, '1999-12' from (${FLOOR_SELECT}) f`,
      [tenantId, w.yearStart, w.redFrom, w.end, w.from],
    );
    return { ms: Math.round(performance.now() - t0), rows: r.rowCount ?? 0 };
  } finally {
    await owner.query('rollback');
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the floor, for the report's JSON. */
export async function explainFloor(owner: pg.Client, tenantId: string, period: string) {
  const w = windowOf(period);
  await owner.query('begin');
  try {
    await owner.query('delete from bench_floor where tenant_id = $1', [tenantId]);
    const { rows } = await owner.query(`explain (analyze, buffers, format text) ${FLOOR}`, [
      tenantId,
      w.yearStart,
      w.redFrom,
      w.end,
      w.from,
    ]);
    return rows.map((r) => r['QUERY PLAN'] as string);
  } finally {
    await owner.query('rollback');
  }
}

const COLUMNS = `kind, org_unit_id, deductions, bonuses, score, flag, improvement_class, referral, tenants_verified,
  tenants_self_declared`;

/**
 * Assessment rows of the month against the floor's, subject by subject: rows that differ in any column,
 * subjects the floor has and the month lacks, and month rows the floor does not have. `sampleOnly`:
 * only the month's rows are checked (the per-subject baseline wrote a sample).
 */
export async function compareWithFloor(
  owner: pg.Client,
  tenantId: string,
  period: string,
  sampleOnly = false,
) {
  const { rows } = await owner.query<{ differ: number; missing: number; extra: number; rows: number }>(
    `with f as (select subject_id, ${COLUMNS} from bench_floor where tenant_id = $1),
          a as (select subject_id, ${COLUMNS} from landlord_scoring_assessment where tenant_id = $1 and period = $2)
     select count(*) filter (where f.subject_id is not null and a.subject_id is not null
                               and row(f.*) is distinct from row(a.*))::int as differ,
            count(*) filter (where a.subject_id is null)::int as missing,
            count(*) filter (where f.subject_id is null)::int as extra,
            count(a.subject_id)::int as rows
       from f ${sampleOnly ? 'right' : 'full'} join a on a.subject_id = f.subject_id`,
    [tenantId, period],
  );
  const r = rows[0]!;
  return { ...r, mismatching: r.differ + r.missing + r.extra };
}

/** Share of the floor's subjects by flag, for the report (the data should look like a city). */
export async function floorShares(owner: pg.Client, tenantId: string) {
  const { rows } = await owner.query<Record<string, number>>(
    `select count(*)::int as subjects, count(*) filter (where flag = 'yellow')::int as yellow,
            count(*) filter (where flag = 'red')::int as red, count(*) filter (where improvement_class)::int as enrolled,
            count(*) filter (where referral)::int as referrals, sum(tenants_verified)::int as verified,
            sum(tenants_self_declared)::int as "selfDeclared", round(avg(score), 2)::float8 as "meanScore"
       from bench_floor where tenant_id = $1`,
    [tenantId],
  );
  return rows[0]!;
}
