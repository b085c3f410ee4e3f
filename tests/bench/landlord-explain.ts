/**
 * Where one chunk of the monthly assessment spends its time, for `pnpm bench landlord`: the job's own
 * chunk statement (`assessChunk` of plugins/landlord-scoring) under EXPLAIN (ANALYZE, BUFFERS), as the
 * application role with the tenant set (row-level security on), on a chunk from the middle of the id
 * range, in a transaction rolled back. It writes under a month label of its own ('1999-12', next class
 * '2000-01') with the assessed month's dates, so it takes the insert path as a first run does.
 */
import { DEFAULT_APP_ROLE, type Tx, toNumbered } from '@civicgrid/db';
import type pg from 'pg';
import { assessChunk } from '../../plugins/landlord-scoring/src/server/assess.ts';
import { SETTINGS, windowOf } from './landlord-sql.ts';

export interface ChunkProfile {
  subjects: number;
  executionMs: number;
  /** the chunk's rows computed (subjects, records read and aggregated, tenants, flags), before writing */
  computeMs: number;
  /** the assessment rows' insert (heap, primary key, WAL), its foreign keys not included */
  insertMs: number;
  /** each foreign-key trigger's time over the chunk's rows */
  triggers: Array<{ constraint: string; ms: number; calls: number }>;
  plan: string[];
}

const num = (re: RegExp, lines: string[]) => {
  for (const l of lines) {
    const m = re.exec(l);
    if (m) return Number(m[1]);
  }
  return Number.NaN;
};

export async function profileChunk(
  owner: pg.Client,
  tenantId: string,
  period: string,
  size: number,
): Promise<ChunkProfile> {
  // A chunk from the middle of the ids: after the middle one up to the `size`-th after it.
  const { rows: mid } = await owner.query<{ id: string }>(
    `select id from landlord_scoring_subject where tenant_id = $1 order by id
      offset (select count(*) / 2 from landlord_scoring_subject where tenant_id = $1) limit $2 + 1`,
    [tenantId, size],
  );
  const w = windowOf(period);
  let plan: string[] = [];
  await owner.query('begin');
  try {
    await owner.query(`set local role ${DEFAULT_APP_ROLE}`);
    await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    const tx = {
      tenantId,
      async query(sql: string, params: unknown[] = []) {
        if (!/^\s*with /.test(sql)) return (await owner.query(toNumbered(sql), params as unknown[])).rows;
        const r = await owner.query(`explain (analyze, buffers) ${toNumbered(sql)}`, params as unknown[]);
        plan = r.rows.map((x) => x['QUERY PLAN'] as string);
        return [{ n: 0 }];
      },
    } as unknown as Tx;
    const window = {
      period: '1999-12',
      yearStart: w.yearStart,
      end: w.end,
      redFrom: w.redFrom,
      nextMonth: '2000-01',
    };
    await assessChunk(tx, window, SETTINGS as Parameters<typeof assessChunk>[2], mid[0]!.id, mid.at(-1)!.id);
  } finally {
    await owner.query('rollback');
  }
  const insert = plan.find((l) => l.includes('Insert on landlord_scoring_assessment')) ?? '';
  const [, start, end] = /actual time=([\d.]+)\.\.([\d.]+)/.exec(insert) ?? [];
  const triggers = plan.flatMap((l) => {
    const m = /^Trigger for constraint (\S+)(?: on \S+)?: time=([\d.]+) calls=(\d+)/.exec(l);
    return m ? [{ constraint: m[1]!, ms: Math.round(Number(m[2])), calls: Number(m[3]) }] : [];
  });
  return {
    subjects: num(/Insert on landlord_scoring_assessment .*rows=(\d+) loops/, plan),
    executionMs: Math.round(num(/^Execution Time: ([\d.]+)/, plan)),
    computeMs: Math.round(Number(start)),
    insertMs: Math.round(Number(end) - Number(start)),
    triggers,
    plan,
  };
}
