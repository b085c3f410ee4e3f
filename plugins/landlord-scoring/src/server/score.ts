import type { Tx } from '@civicgrid/db';
import type { ScoringSettings } from '../common/index.ts';

/**
 * The scoring arithmetic, as SQL fragments every reader shares (the subject file, lists, the monthly
 * job): one set-based pass over the records of a set of subjects, never a loop per subject.
 *
 * Over a date window: deductions = the points of the window's deduction records that are not void;
 * bonuses = per item code and calendar month, the points recorded capped at the item's monthly cap
 * (the smallest cap if the rule changed mid-month), summed. Each record carries the points of the
 * rule version it was scored under, so a catalogue change never rewrites the past.
 */
export function windowCtes(name: string, subjects: string, tenantId: string, from: string, to: string) {
  const sql = `${name}_ded as (
      select r.subject_id, sum(r.points)::int as points
        from ${subjects} s join landlord_scoring_record r
          on r.tenant_id = ? and r.subject_id = s.id and r.occurred_on between ?::date and ?::date
       where r.effect = 'deduction' and not r.voided
       group by r.subject_id),
    ${name}_bon_month as (
      select r.subject_id, least(sum(r.points), min(i.monthly_cap))::int as points
        from ${subjects} s join landlord_scoring_record r
          on r.tenant_id = ? and r.subject_id = s.id and r.occurred_on between ?::date and ?::date
        join landlord_scoring_item i on i.tenant_id = r.tenant_id and i.id = r.item_id
       where r.effect = 'bonus' and not r.voided
       group by r.subject_id, i.code, date_trunc('month', r.occurred_on)),
    ${name}_bon as (
      select subject_id, sum(points)::int as points from ${name}_bon_month group by subject_id)`;
  return { sql, params: [tenantId, from, to, tenantId, from, to] };
}

/**
 * The year's score from the window's totals: the base, less deductions, plus bonuses — bonuses only
 * offset deductions, so never above the base — and not below zero when the settings floor it.
 * Columns `d` and `b` are the deduction and bonus totals (null when none).
 */
export function scoreExpr(d: string, b: string, s: Pick<ScoringSettings, 'base' | 'floorAtZero'>) {
  const raw = `least(?::int, ?::int - coalesce(${d}, 0) + coalesce(${b}, 0))`;
  return {
    sql: s.floorAtZero ? `greatest(0, ${raw})` : raw,
    params: [s.base, s.base],
  };
}

export interface Score {
  deductions: number;
  bonuses: number;
  score: number;
}

/** Scores of some subjects over one window (a calendar year up to `to`), in one statement. */
export async function scoresOf(
  tx: Tx,
  subjectIds: string[],
  from: string,
  to: string,
  s: Pick<ScoringSettings, 'base' | 'floorAtZero'>,
): Promise<Map<string, Score>> {
  if (!subjectIds.length) return new Map();
  const w = windowCtes('y', 'subj', tx.tenantId!, from, to);
  const e = scoreExpr('d.points', 'b.points', s);
  const rows = await tx.query<Score & { id: string }>(
    `with subj as (select unnest(?::uuid[]) as id), ${w.sql}
     select s.id, coalesce(d.points, 0) as deductions, coalesce(b.points, 0) as bonuses, ${e.sql} as score
       from subj s left join y_ded d on d.subject_id = s.id left join y_bon b on b.subject_id = s.id`,
    [subjectIds, ...w.params, ...e.params],
  );
  return new Map(rows.map((r) => [r.id, { deductions: r.deductions, bonuses: r.bonuses, score: r.score }]));
}

/** Today's date in the tenant's time zone (the year a record belongs to is the tenant's calendar year). */
export async function tenantToday(tx: Tx): Promise<string> {
  const [row] = await tx.query<{ today: string }>(
    `select to_char((now() at time zone timezone)::date, 'YYYY-MM-DD') as today from tenant where id = ?`,
    [tx.tenantId],
  );
  return row!.today;
}

/** The last day of a month `YYYY-MM`. */
export function monthEnd(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m, 0));
  return d.toISOString().slice(0, 10);
}

/** The month after `YYYY-MM`. */
export function nextMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** The first day of the month `months - 1` months before `period`: a window of `months` months. */
export function windowStart(period: string, months: number): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - months, 1));
  return d.toISOString().slice(0, 10);
}
