import type { JobContext, JobDefinition } from '@civicgrid/kernel';
import { badInput } from '@civicgrid/kernel';

const PERIOD = /^([0-9]{4})-([0-9]{2})$/;

/**
 * Counts each unit's notices of one month into `bulletin_tally`, replacing that month's rows: a re-run
 * (a retry, or a worker killed half-way) ends with the same rows, never twice the count.
 */
export async function tallyMonth(ctx: JobContext) {
  const period = ctx.period;
  const m = period ? PERIOD.exec(period) : null;
  if (!m) throw badInput('period', 'the tally needs a month such as 2026-11');
  const { tx, tenantId } = ctx;
  await tx.query(`delete from bulletin_tally where tenant_id = ? and period = ?`, [tenantId, period]);
  await ctx.progress(50);
  // The month's bounds in the tenant's own time zone: a notice posted at 23:30 on the 30th in Yiwu
  // belongs to that month even though it is already the next day in UTC… or the other way round.
  const [row] = await tx.query<{ units: number }>(
    `with bounds as (
       select (make_date(?::int, ?::int, 1)::timestamp at time zone t.timezone) as lo,
              ((make_date(?::int, ?::int, 1) + interval '1 month')::timestamp at time zone t.timezone) as hi
         from tenant t where t.id = ?),
     counted as (
       insert into bulletin_tally (tenant_id, period, org_unit_id, notices, run_id)
       select n.tenant_id, ?, n.org_unit_id, count(*), ?
         from bulletin_notice n, bounds b
        where n.tenant_id = ? and n.created_at >= b.lo and n.created_at < b.hi
        group by n.tenant_id, n.org_unit_id
       returning 1)
     select count(*)::int as units from counted`,
    [m[1], m[2], m[1], m[2], tenantId, period, ctx.runId, tenantId],
  );
  await ctx.progress(100);
  return { period, units: row?.units ?? 0 };
}

export const tallyJob: JobDefinition = {
  name: 'tally',
  title: { 'zh-CN': '公告月度统计', en: 'Monthly notice tally' },
  // 02:00 on the 1st, in the tenant's time zone: the month that just ended.
  schedule: { cron: '0 2 1 * *', period: 'month' },
  attempts: 3,
  backoffMs: 5_000,
  process: tallyMonth,
};
