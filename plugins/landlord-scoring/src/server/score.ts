import type { Tx } from '@civicgrid/db';
import type { ScoringSettings } from '../common/index.ts';

/**
 * The scoring arithmetic, as SQL every reader shares (the subject file, lists, the monthly job): one
 * set-based statement over a set of subjects, never a loop per subject in the application.
 *
 * Over a window: deductions = the points of the window's deduction records that are not void;
 * bonuses = per item code and calendar month, the points recorded capped at the item's monthly cap
 * (the smallest cap if the rule changed mid-month), summed. Each record carries the points of the
 * rule version it was scored under, so a catalogue change never rewrites the past.
 *
 * Two windows in one pass: the year (`yearStart`…`to`) and a second one (`winFrom`…`to`, the red-flag
 * months); both start on a month's first day, so each month's group lies wholly inside or outside each.
 * Columns: y_ded, y_bon, w_ded, w_bon. Two shapes of the same arithmetic:
 *
 * - `totalsLateral`, a LATERAL subquery on one subject (a column of the outer row): an index range scan
 *   of that subject's records (tenant_id, subject_id, occurred_on) — for a few subjects (a file, a page
 *   of a list), index probes whatever the planner believes of the row counts (row-level security keeps
 *   it from the statistics);
 * - `totalsRange`, per subject of an id range (the monthly job's chunk): one range scan of the records
 *   index over the chunk's subjects, aggregated in one pass — each record read once per run whatever
 *   the chunking, with no per-subject probe.
 */
type Windows = { yearStart: string; winFrom: string; to: string };

/** The window's records grouped by subject, effect, item code and month; `where` picks the subjects. */
function monthGroups(where: string) {
  return `select r.subject_id, r.effect, min(i.monthly_cap) as cap,
                 sum(r.points) filter (where r.occurred_on >= ?::date) as y,
                 sum(r.points) filter (where r.occurred_on >= ?::date) as w
            from landlord_scoring_record r
            cross join lateral (select i.code, i.monthly_cap from landlord_scoring_item i
                                 where i.tenant_id = r.tenant_id and i.id = r.item_id offset 0) i
           where ${where} and r.occurred_on between ?::date and ?::date and not r.voided
           group by r.subject_id, r.effect, i.code, date_trunc('month', r.occurred_on::timestamp)`;
}

const TOTALS = `coalesce(sum(y) filter (where effect = 'deduction'), 0)::int as y_ded,
       coalesce(sum(least(y, cap)) filter (where effect = 'bonus' and y is not null), 0)::int as y_bon,
       coalesce(sum(w) filter (where effect = 'deduction'), 0)::int as w_ded,
       coalesce(sum(least(w, cap)) filter (where effect = 'bonus' and w is not null), 0)::int as w_bon`;

/** ISO dates: the earlier of the two window starts is the first day read. */
const firstDay = (w: Windows) => [w.winFrom, w.yearStart].sort()[0]!;

export function totalsLateral(subjectId: string, tenantId: string, w: Windows) {
  const sql = `(select ${TOTALS} from (${monthGroups(`r.tenant_id = ? and r.subject_id = ${subjectId}`)}) m)`;
  return { sql, params: [w.yearStart, w.winFrom, tenantId, firstDay(w), w.to] };
}

/**
 * The totals of every subject with records in the id range (`after`, `upTo`] (SQL expressions, the
 * bounds of a chunk): rows (subject_id, y_ded, y_bon, w_ded, w_bon); subjects without records have no
 * row (their totals are 0). The records come from one index range scan in subject order (the
 * `landlord_scoring_record_assess` index covers the columns read, so the table itself is not read).
 */
export function totalsRange(after: string, upTo: string, tenantId: string, w: Windows) {
  const where = `r.tenant_id = ? and r.subject_id > ${after} and r.subject_id <= ${upTo}`;
  const sql = `(select subject_id, ${TOTALS} from (${monthGroups(where)}) m group by subject_id)`;
  return { sql, params: [w.yearStart, w.winFrom, tenantId, firstDay(w), w.to] };
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
  const w = totalsLateral('s.id', tx.tenantId!, { yearStart: from, winFrom: from, to });
  const e = scoreExpr('t.y_ded', 't.y_bon', s);
  const rows = await tx.query<Score & { id: string }>(
    `select s.id, t.y_ded as deductions, t.y_bon as bonuses, ${e.sql} as score
       from unnest(?::uuid[]) as s(id) cross join lateral ${w.sql} t`,
    [...e.params, subjectIds, ...w.params],
  );
  return new Map(rows.map((r) => [r.id, { deductions: r.deductions, bonuses: r.bonuses, score: r.score }]));
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
