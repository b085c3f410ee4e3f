import type { Tx } from '@civicgrid/db';
import type { JobContext, JobDefinition } from '@civicgrid/kernel';

const COUNTS = [
  'reported',
  'responded_on_time',
  'resolved_on_time',
  'followed_up',
  'satisfied',
  'accepted',
  'accept_secs',
  'resolved',
  'resolve_secs',
  'verified',
  'verify_secs',
  'escalations',
  'cards',
];

/**
 * Folds the rollup's delta rows back into one row per (location, day) for the transaction's tenant:
 * the rows of every (location, day) holding more than one are deleted and their sums inserted, in one
 * statement. Rows other writers commit meanwhile are not in its snapshot: left for the next pass.
 * Keys whose counts all sum to zero (their events merged or returned) are dropped.
 */
export async function compactRollup(tx: Tx): Promise<{ folded: number; kept: number }> {
  const [r] = await tx.query<{ folded: number; kept: number }>(
    `with gone as (
       delete from events_unit_day d
        using (select org_unit_id, day from events_unit_day where tenant_id = ?
                group by org_unit_id, day having count(*) > 1) k
        where d.tenant_id = ? and d.org_unit_id = k.org_unit_id and d.day = k.day
       returning d.*),
     sums as (
       select tenant_id, org_unit_id, day, ${COUNTS.map((c) => `sum(${c}) as ${c}`).join(', ')}
         from gone group by tenant_id, org_unit_id, day),
     kept as (
       insert into events_unit_day (tenant_id, org_unit_id, day, ${COUNTS.join(', ')})
       select * from sums where ${COUNTS.map((c) => `${c} <> 0`).join(' or ')}
       returning 1)
     select (select count(*) from gone)::int as folded, (select count(*) from kept)::int as kept`,
    [tx.tenantId, tx.tenantId],
  );
  return r!;
}

/** Every ten minutes per tenant: the rollup's rows of the last minutes folded into one per (location, day). */
export const compactJob: JobDefinition = {
  name: 'rollup-compact',
  title: { 'zh-CN': '三率汇总整理', en: 'Three-rate rollup compaction' },
  schedule: { cron: '*/10 * * * *' },
  async process(ctx: JobContext) {
    return compactRollup(ctx.tx);
  },
};
