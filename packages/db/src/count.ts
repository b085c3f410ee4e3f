import type { Tx } from './database.ts';
import type { QueryOptions } from './sql.ts';

/**
 * Lists count at most this many rows: a street's 70 k records would otherwise cost a full count on every
 * page view (and fifty pages is more than anyone pages through); past the cap the answer is "1,000+",
 * and the user narrows the filter.
 */
export const COUNT_CAP = 1_000;

export interface Counted {
  total: number;
  /** true when there are more rows than `total` says */
  capped: boolean;
}

/** Counts `from` (a `table where …` fragment) up to COUNT_CAP. */
export async function countCapped(
  tx: Tx,
  from: string,
  params: readonly unknown[],
  opts?: QueryOptions,
): Promise<Counted> {
  const [r] = await tx.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from ${from} limit ${COUNT_CAP + 1}) s`,
    params,
    opts,
  );
  const n = r!.n;
  return n > COUNT_CAP ? { total: COUNT_CAP, capped: true } : { total: n, capped: false };
}
