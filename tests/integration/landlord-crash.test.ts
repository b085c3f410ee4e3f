import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createJobClient, type JobClient } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.ts';
import {
  exitOf,
  rowsOf,
  runIn,
  runReaches,
  spawnTestWorker,
  type TestBackend,
  testBackend,
  waitFor,
} from '../support/jobs.ts';
import { type LandlordCity, landlordCity, monthRows, Y1 } from './landlord-fixture.ts';

/**
 * The monthly assessment commits chunk by chunk, two side by side: a worker killed (SIGKILL) mid-run
 * leaves whole chunks, each marked done with its rows; the stalled job, taken up by another worker as
 * the same job run, does the chunks not marked and ends with exactly the rows an undisturbed run writes.
 */
const ENTRY = fileURLToPath(new URL('./landlord-worker.ts', import.meta.url));
const N = 4000;
const P = `${Y1}-06`;

let t: TestApp;
let backend: TestBackend;
let jobs: JobClient;
let c: LandlordCity;
const children: ChildProcess[] = [];

async function spawnWorker(): Promise<ChildProcess> {
  const child = await spawnTestWorker(ENTRY, backend);
  children.push(child);
  return child;
}

/** The run's state, and the subjects of the chunks marked done (the run's own count comes at the end). */
const runRow = async () =>
  (
    await rowsOf<{ subjects: number; chunked: number; chunks: number; state: string }>(
      t.db,
      c.tenantId,
      `select r.subjects, r.state, coalesce(sum(k.subjects), 0)::int as chunked, count(k.seq)::int as chunks
         from landlord_scoring_assessment_run r
         left join landlord_scoring_assessment_chunk k on k.tenant_id = r.tenant_id and k.period = r.period
        where r.period = '${P}' group by r.tenant_id, r.period`,
    )
  )[0];

/** N subjects (every fifth a shop) on the four grids, with 0–3 records each spread over the half-year. */
async function population() {
  await t.db.withTenant(c.tenantId, async (tx) => {
    const units = [c.units.gridA1a, c.units.gridA1b, c.units.gridA2a, c.units.gridB1a];
    await tx.query(
      `insert into resident (tenant_id, id, org_unit_id, name, gender, birth_date, id_type, id_cipher, id_hash,
         id_masked, pii_key, registration)
       select ?, md5('p' || g)::uuid, (?::uuid[])[1 + g % 4], '房东' || g, 'male', '1980-01-01', 'resident-id',
              '\\x00'::bytea, decode(md5('h' || g), 'hex'), '330782********0000', 'test', 'floating'
         from generate_series(1, ?) g`,
      [tx.tenantId, units, N],
    );
    await tx.query(
      `insert into shop (tenant_id, id, org_unit_id, name, operator_id)
       select ?, md5('s' || g)::uuid, (?::uuid[])[1 + g % 4], '商铺' || g, md5('p' || g)::uuid
         from generate_series(5, ?, 5) g`,
      [tx.tenantId, units, N],
    );
    await tx.query(
      `insert into landlord_scoring_subject (tenant_id, id, kind, person_id, shop_id, org_unit_id, registered_on)
       select ?, md5('x' || g)::uuid, case when g % 5 = 0 then 'shop' else 'landlord' end, md5('p' || g)::uuid,
              case when g % 5 = 0 then md5('s' || g)::uuid end, (?::uuid[])[1 + g % 4], ?::date
         from generate_series(1, ?) g`,
      [tx.tenantId, units, `${Y1}-01-01`, N],
    );
    const items = await tx.query<{ id: string; kind: string }>(
      `select i.id, v.kind from landlord_scoring_item i
         join landlord_scoring_rule_version v on v.tenant_id = i.tenant_id and v.id = i.version_id
        order by v.kind, i.category_code, i.position`,
    );
    const ofKind = (k: string) => items.filter((i) => i.kind === k).map((i) => i.id);
    await tx.query(
      `insert into landlord_scoring_record (tenant_id, subject_id, item_id, effect, points, occurred_on, recorded_by)
       select ?, md5('x' || g)::uuid, i.id, i.effect, i.points, make_date(?::int, 1 + (g + n) % 6, 1 + (g * n) % 28), ?
         from generate_series(1, ?) g cross join lateral generate_series(1, g % 4) n
         join landlord_scoring_item i on i.tenant_id = ? and i.id =
              case when g % 5 = 0 then (?::uuid[])[1 + (g * 7 + n) % ?::int] else (?::uuid[])[1 + (g * 7 + n) % ?::int] end`,
      [
        tx.tenantId,
        Y1,
        c.users.admin,
        N,
        tx.tenantId,
        ofKind('shop'),
        ofKind('shop').length,
        ofKind('landlord'),
        ofKind('landlord').length,
      ],
    );
  });
}

beforeAll(async () => {
  backend = await testBackend('redis', 'landlord_crash');
  t = await startApp({
    jobs: (host, db) => {
      jobs = createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix });
      return jobs;
    },
  });
  c = await landlordCity(t);
  await population();
}, 120_000);
afterAll(async () => {
  for (const ch of children) if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
  await jobs?.close();
  await backend?.drop();
  await t?.close();
});

describe('the assessment and a worker killed mid-run', () => {
  it('resumes after the last committed chunk and ends with the rows of an undisturbed run', async () => {
    const first = await spawnWorker();
    const jobId = await jobs.enqueue(
      'landlord-scoring',
      'assess',
      { tenantId: c.tenantId, period: P, chunkSize: 40 },
      { jobId: 'crash-1' },
    );
    await waitFor(
      'the assessment to be part-way',
      async () => {
        const r = await runRow();
        return r && r.chunked > 0 && r.chunked < N;
      },
      60_000,
      10,
    );
    first.kill('SIGKILL');
    expect((await exitOf(first)).signal).toBe('SIGKILL');
    // Whole chunks only, each marked with its count; the report and the completion are not there.
    const half = (await runRow())!;
    expect(half.state).toBe('running');
    expect(half.chunked).toBeLessThan(N);
    expect(half.chunked % 40).toBe(0);
    const [written] = await rowsOf<{ n: number; reports: number }>(
      t.db,
      c.tenantId,
      `select (select count(*)::int from landlord_scoring_assessment where period = '${P}') as n,
              (select count(*)::int from landlord_scoring_report where period = '${P}') as reports`,
    );
    expect(written).toEqual({ n: half.chunked, reports: 0 });

    await spawnWorker();
    // Its lock lapses within a second; the resumed attempt does the remaining chunks (some seconds here).
    const run = await waitFor(
      'the resumed run to finish',
      async () => {
        const r = await runIn(t.db, c.tenantId, jobId);
        return r && ['completed', 'failed'].includes(r.state) ? r : null;
      },
      90_000,
      200,
    );
    expect(run.state, run.error ?? '').toBe('completed');
    expect(run.attempts).toBeGreaterThanOrEqual(2);
    const resumed = await monthRows(t, c.tenantId, P);
    expect(resumed.assessments).toHaveLength(N);
    expect(resumed.reports.length).toBeGreaterThan(0);

    // The same month again, undisturbed: a new run starts over and must arrive at the same rows.
    const calm = await jobs.enqueue(
      'landlord-scoring',
      'assess',
      { tenantId: c.tenantId, period: P },
      { jobId: 'calm-1' },
    );
    expect((await runReaches(t.db, c.tenantId, calm, 'completed', 'failed')).state).toBe('completed');
    expect(await monthRows(t, c.tenantId, P)).toEqual(resumed);
    // The calm run's chunks are the job's default size: all N subjects in one.
    expect((await runRow())!).toEqual({ subjects: N, chunked: N, chunks: 1, state: 'completed' });
  }, 180_000);
});
