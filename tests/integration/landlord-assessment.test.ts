import {
  createJobClient,
  type JobClient,
  previousPeriod,
  type RunningWorker,
  startWorker,
} from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.ts';
import { rawQueue, runReaches, type TestBackend, testBackend } from '../support/jobs.ts';
import {
  type LandlordCity,
  landlordCity,
  M,
  monthRows,
  person,
  record,
  rentedHouse,
  shop,
  subject,
  Y1,
  Y2,
} from './landlord-fixture.ts';

/**
 * The monthly assessment run by a real worker on a hand-built city whose flags are known: June of
 * last year, default settings (base 12, yellow flag at 6 or below, referral at 0, red-flag shops: no
 * deduction in three months and at least one bonus point).
 */
let t: TestApp;
let backend: TestBackend;
let jobs: JobClient;
let worker: RunningWorker;
let c: LandlordCity;
const s: Record<string, string> = {};
const P = `${Y1}-06`;

const run = async (tenantId: string, period: string, jobId: string) => {
  await jobs.enqueue('landlord-scoring', 'assess', { tenantId, period, chunkSize: 3 }, { jobId });
  return runReaches(t.db, tenantId, jobId, 'completed', 'failed', 'skipped');
};

beforeAll(async () => {
  backend = await testBackend('redis', 'landlord');
  const opts = { backend: backend.cfg, prefix: backend.prefix };
  t = await startApp({
    jobs: (host, db) => {
      jobs = createJobClient({ ...opts, host, db });
      return jobs;
    },
    // The worker below shares the API's pool: 2 × its concurrency + 3, as apps/worker sizes its own.
    poolSize: 7,
  });
  worker = await startWorker({ ...opts, host: t.app.deps.modules.host, db: t.db, concurrency: 2 });
  c = await landlordCity(t);
  const u = c.units;
  const made = await t.db.withTenant(c.tenantId, async (tx) => {
    const p: Record<string, string> = {};
    for (const [k, unit] of [
      ['L1', u.gridA1a],
      ['L2', u.gridA1a],
      ['L3', u.gridA2a],
      ['L4', u.gridB1a],
      ['L5', u.gridA1a],
      ['L6', u.gridA1a],
    ] as const)
      p[k] = await person(tx, unit, `房东${k}`);
    p.house2 = await rentedHouse(tx, u.gridA1a, '绣湖小区5幢');
    // L2's three tenants: two declared (one by L2 herself, one found on a visit), one not at all.
    for (const k of ['T1', 'T2', 'T3'])
      p[k] = await person(tx, u.gridA1a, `租客${k}`, { houseId: p.house2, movedIn: `${Y1}-02-01` });
    for (const [k, unit] of [
      ['S1', u.gridA1a],
      ['S2', u.gridA1b],
      ['S3', u.gridB1a],
      ['S4', u.gridA2a],
    ] as const)
      p[k] = await shop(tx, unit, `商铺${k}`, await person(tx, unit, `店主${k}`));
    return p;
  });
  const reg = (k: string, on: string, extra = {}) =>
    subject(c.admin, { kind: 'landlord', personId: made[k], registeredOn: on, ...extra });
  s.L1 = await reg('L1', `${Y1}-01-01`);
  s.L2 = await reg('L2', `${Y1}-01-01`, { houseIds: [made.house2] });
  s.L3 = await reg('L3', `${Y1}-01-01`);
  s.L4 = await reg('L4', `${Y2}-01-01`);
  s.L5 = await reg('L5', `${Y1}-01-01`);
  s.L6 = await reg('L6', `${Y1}-08-01`);
  for (const k of ['S1', 'S2', 'S3', 'S4'])
    s[k] = await subject(c.admin, { kind: 'shop', shopId: made[k], registeredOn: `${Y1}-01-01` });

  const rec = async (k: string, item: string, on: string) =>
    expect((await record(c.admin, s[k]!, item, on)).statusCode).toBe(201);
  await rec('L1', 'three-in-one', `${Y1}-02-10`);
  await rec('L1', 'overcrowding', `${Y1}-05-10`);
  await rec('L1', 'rubbish', `${Y1}-07-10`); // after June: not in June's score
  await rec('L2', 'rubbish', `${Y1}-03-10`);
  await rec('L3', 'no-household-file', `${Y1}-01-10`);
  await rec('L4', 'no-household-file', `${Y2}-12-10`); // last year's: the year starts again at 12
  await rec('L5', 'overcrowding', `${Y1}-03-10`);
  await rec('S1', 'joined-patrol', `${Y1}-05-10`);
  await rec('S2', 'rubbish', `${Y1}-04-10`);
  await rec('S2', 'joined-patrol', `${Y1}-04-11`);
  await rec('S3', 'rubbish', `${Y1}-02-10`); // before the three-month window
  await rec('S3', 'customer-praise', `${Y1}-06-10`);
  // L5's deduction is voided on appeal.
  const l5 = (await c.admin.get(`${M}/subjects/${s.L5}?year=${Y1}`)).json().records[0].id;
  const appeal = (await c.admin.post(`${M}/records/${l5}/appeals`, { reason: '误记' })).json().id;
  await c.admin.post(`${M}/appeals/${appeal}/decision`, { decision: 'upheld', note: '核实为误记' });

  const residences = await t.db.withTenant(c.tenantId, (tx) =>
    tx.query<{ id: string; resident: string }>(
      `select id, resident_id as resident from residence where resident_id = any(?::uuid[])`,
      [[made.T1, made.T2]],
    ),
  );
  for (const r of residences) {
    const res = await c.clients.worker.post(`${M}/declarations`, {
      residenceId: r.id,
      source: r.resident === made.T1 ? 'landlord' : 'visit',
      declaredOn: `${Y1}-03-01`,
    });
    expect(res.statusCode, res.body).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await jobs?.close();
  await backend?.drop();
  await t?.close();
});

const row = (subjectId: string, o: Record<string, unknown>) => ({
  subject_id: subjectId,
  deductions: 0,
  bonuses: 0,
  score: 12,
  flag: null,
  improvement_class: false,
  referral: false,
  tenants_verified: 0,
  tenants_self_declared: 0,
  ...o,
});

describe('the monthly assessment', () => {
  it('scores every subject of the month, flags, enrols, reports and tells the grids', async () => {
    expect((await run(c.tenantId, P, 'june-1')).state).toBe('completed');
    const rows = await monthRows(t, c.tenantId, P);
    const bySubject = Object.fromEntries(rows.assessments.map((r) => [r.subject_id, r]));
    expect(Object.keys(bySubject).sort()).toEqual(
      ['L1', 'L2', 'L3', 'L4', 'L5', 'S1', 'S2', 'S3', 'S4'].map((k) => s[k]).sort(),
    ); // L6 registered in August
    const expected = {
      L1: { deductions: 7, score: 5, flag: 'yellow', improvement_class: true },
      L2: { deductions: 1, score: 11, tenants_verified: 2, tenants_self_declared: 1 },
      L3: { deductions: 12, score: 0, flag: 'yellow', improvement_class: true, referral: true },
      L4: {},
      L5: {},
      S1: { bonuses: 1, flag: 'red' },
      S2: { deductions: 1, bonuses: 1 },
      S3: { deductions: 1, bonuses: 1, flag: 'red' },
      S4: {},
    };
    for (const [k, o] of Object.entries(expected)) expect(bySubject[s[k]!], k).toMatchObject(row(s[k]!, o));
    expect(rows.enrolments).toEqual(
      [s.L1, s.L3].sort().map((id) => ({ subject_id: id, class_month: `${Y1}-07`, attended_on: null })),
    );

    const report = Object.fromEntries(rows.reports.map((r) => [r.org_unit_id, r]));
    expect(report[c.units.root]).toMatchObject({
      level: 'total',
      landlords: 5,
      yellow_landlords: 2,
      improvement_class: 2,
      referrals: 1,
      shops: 4,
      red_shops: 2,
      tenants_verified: 2,
      tenants_self_declared: 1,
    });
    expect(report[c.units.streetA]).toMatchObject({
      level: 'street',
      landlords: 4,
      yellow_landlords: 2,
      shops: 3,
      red_shops: 1,
    });
    expect(report[c.units.streetB]).toMatchObject({
      landlords: 1,
      yellow_landlords: 0,
      shops: 1,
      red_shops: 1,
    });
    expect(report[c.units.gridA1a]).toMatchObject({
      level: 'grid',
      landlords: 3,
      yellow_landlords: 1,
      shops: 1,
    });

    const [event] = await t.db.withTenant(c.tenantId, (tx) =>
      tx.query<{ payload: Record<string, unknown> }>(
        `select payload from event_outbox where type = 'landlord-scoring.assessed'`,
      ),
    );
    expect(event!.payload).toMatchObject({
      period: P,
      subjects: 9,
      yellowLandlords: 2,
      redShops: 2,
      enrolled: 2,
    });
    expect((event!.payload.flaggedUnitIds as string[]).sort()).toEqual(
      [c.units.gridA1a, c.units.gridA2a].sort(),
    );
  });

  it('serves the flag lists, the report with its rate, and the live declaration rate, in scope', async () => {
    const yellow = (await c.admin.get(`${M}/assessments?period=${P}&flag=yellow`)).json();
    expect(yellow.map((r: { subjectId: string }) => r.subjectId).sort()).toEqual([s.L1, s.L3].sort());
    // The subjects list carries the latest assessment's flag and filters by it.
    const flagged = (await c.admin.get(`${M}/subjects?flag=yellow&_end=100`)).json();
    expect(flagged.map((r: { id: string }) => r.id).sort()).toEqual([s.L1, s.L3].sort());
    expect(flagged.every((r: { flag: string }) => r.flag === 'yellow')).toBe(true);
    // A later month half written (its run still running, L1 unflagged in it so far) changes nothing:
    // the list shows the latest completed month; the file lists every month written.
    const july = `${Y1}-07`;
    const halfWritten = (sql: string) =>
      t.db.withTenant(c.tenantId, async (tx) => {
        for (const table of ['landlord_scoring_assessment', 'landlord_scoring_assessment_run'])
          await tx.query(`delete from ${table} where tenant_id = ? and period = ?`, [tx.tenantId, july]);
        if (sql) await tx.query(sql, [tx.tenantId, july, s.L1]);
      });
    await halfWritten(
      `with run as (insert into landlord_scoring_assessment_run (tenant_id, period, run_id, state)
                    values ($1, $2, gen_random_uuid(), 'running'))
       insert into landlord_scoring_assessment (tenant_id, period, subject_id, kind, org_unit_id, deductions,
         bonuses, score, flag, improvement_class, referral)
       select tenant_id, $2, subject_id, kind, org_unit_id, 0, 0, 12, null, false, false
         from landlord_scoring_assessment where tenant_id = $1 and period = '${P}' and subject_id = $3`,
    );
    const still = (await c.admin.get(`${M}/subjects?flag=yellow&_end=100`)).json();
    expect(still.map((r: { id: string }) => r.id).sort()).toEqual([s.L1, s.L3].sort());
    const file = (await c.admin.get(`${M}/subjects/${s.L1}?year=${Y1}`)).json();
    expect(file.assessments.map((a: { period: string }) => a.period)).toEqual([july, P]);
    await halfWritten('');
    // The grid leader of 绣湖第1网格 sees her grid's rows only.
    const leader = (await c.clients.leader.get(`${M}/assessments?period=${P}&_end=100`)).json();
    expect(leader).toHaveLength(4);
    const total = (await c.admin.get(`${M}/reports?period=${P}&level=total`)).json();
    expect(total).toEqual([expect.objectContaining({ landlords: 5, selfDeclarationRate: 0.5 })]);
    const live = (await c.admin.get(`${M}/declaration-rates?level=grid&on=${Y1}-06-30`)).json();
    expect(live).toEqual([
      expect.objectContaining({
        orgUnitId: c.units.gridA1a,
        verified: 2,
        selfDeclared: 1,
        selfDeclarationRate: 0.5,
      }),
    ]);
    expect((await c.clients.worker.get(`${M}/reports?period=${P}`)).statusCode).toBe(403);
  });

  it('a second run of the month writes identical rows (from the route, as a clerk would)', async () => {
    const before = await monthRows(t, c.tenantId, P);
    const res = await c.admin.post(`${M}/assessments/run`, { period: P });
    expect(res.statusCode, res.body).toBe(202);
    expect((await runReaches(t.db, c.tenantId, res.json().jobId, 'completed', 'failed')).state).toBe(
      'completed',
    );
    expect(await monthRows(t, c.tenantId, P)).toEqual(before);
    const future = await c.admin.post(`${M}/assessments/run`, { period: '2999-01' });
    expect(future.json().details[0].field).toBe('period');
  });

  it('records a class attended; a re-run of the month keeps it', async () => {
    const url = `${M}/subjects/${s.L1}/classes/${Y1}-07/attendance`;
    expect((await c.clients.worker.post(url, { attendedOn: `${Y1}-07-15` })).statusCode).toBe(200);
    expect((await c.clients.worker.post(url, { attendedOn: `${Y1}-07-16` })).json().code).toBe('attended');
    expect(
      (
        await c.clients.worker.post(`${M}/subjects/${s.L2}/classes/${Y1}-07/attendance`, {
          attendedOn: `${Y1}-07-15`,
        })
      ).statusCode,
    ).toBe(404);
    expect((await run(c.tenantId, P, 'june-3')).state).toBe('completed');
    const f = (await c.admin.get(`${M}/subjects/${s.L1}?year=${Y1}`)).json();
    expect(f.classes).toEqual([{ classMonth: `${Y1}-07`, period: P, attendedOn: `${Y1}-07-15` }]);
  });

  it('starts every year again at the base; the past year stays, in its own rows and in the file', async () => {
    expect((await run(c.tenantId, `${Y2}-12`, 'dec-before')).state).toBe('completed');
    const dec = await monthRows(t, c.tenantId, `${Y2}-12`);
    expect(dec.assessments).toEqual([
      row(s.L4!, {
        kind: 'landlord',
        org_unit_id: c.units.gridB1a,
        deductions: 12,
        score: 0,
        flag: 'yellow',
        improvement_class: true,
        referral: true,
      }),
    ]);
    const june = await monthRows(t, c.tenantId, P);
    expect(june.assessments.find((r) => r.subject_id === s.L4)).toMatchObject({ score: 12, flag: null });
    const f = (await c.admin.get(`${M}/subjects/${s.L4}?year=${Y1}`)).json();
    expect(f).toMatchObject({ score: 12, records: [] });
    expect(f.history).toEqual([{ year: Y2, deductions: 12, bonuses: 0, score: 0 }]);
    expect(f.assessments.map((a: { period: string }) => a.period)).toEqual([P, `${Y2}-12`]);
  });

  it('is scheduled per tenant at 02:00 on the 1st in its zone; a firing assesses the month just ended', async () => {
    const raw = rawQueue(backend, 'landlord-scoring');
    try {
      const mine = async () =>
        (await raw.queue.getJobSchedulers()).find((x) => x.key === `landlord-scoring-assess-${c.tenantId}`);
      // What apps/api does after a module switch or a change of the cron setting (onModuleSwitched).
      await jobs.reconcileTenant(c.tenantId);
      expect(await mine()).toMatchObject({ pattern: '0 2 1 * *', tz: 'Asia/Shanghai' });
      // A tenant's own time (the setting), validated; the schedule follows once the change is saved.
      const bad = await c.admin.put('/modules/landlord-scoring', {
        enabled: true,
        settings: { assessmentCron: 'monthly' },
      });
      expect(bad.json().details[0].field).toBe('settings.assessmentCron');
      const own = await c.admin.put('/modules/landlord-scoring', {
        enabled: true,
        settings: { assessmentCron: '0 3 2 * *' },
      });
      expect(own.statusCode, own.body).toBe(200);
      await jobs.reconcileTenant(c.tenantId);
      expect(await mine()).toMatchObject({ pattern: '0 3 2 * *', tz: 'Asia/Shanghai' });
      await c.admin.put('/modules/landlord-scoring', { enabled: true, settings: {} });
      await jobs.reconcileTenant(c.tenantId);
      expect(await mine()).toMatchObject({ pattern: '0 2 1 * *' });
    } finally {
      await raw.close();
    }
    // Queued without a period (as a firing is): the month before, in the tenant's zone.
    const last = previousPeriod('month', new Date(), 'Asia/Shanghai');
    await jobs.enqueue('landlord-scoring', 'assess', { tenantId: c.tenantId }, { jobId: 'firing' });
    const r = await runReaches(t.db, c.tenantId, 'firing', 'completed', 'failed');
    expect(r).toMatchObject({ state: 'completed', period: last });
    expect((await monthRows(t, c.tenantId, last)).assessments).toHaveLength(10);
  });

  it('does not run for a tenant that switched the module off', async () => {
    const off = await landlordCity(t);
    const p = await t.db.withTenant(off.tenantId, (tx) => person(tx, off.units.gridA1a, '房东'));
    await subject(off.admin, { kind: 'landlord', personId: p, registeredOn: `${Y1}-01-01` });
    expect((await off.admin.put('/modules/landlord-scoring', { enabled: false })).statusCode).toBe(200);
    const r = await run(off.tenantId, P, 'off-june');
    expect(r.state).toBe('skipped');
    expect((await monthRows(t, off.tenantId, P)).assessments).toEqual([]);
  });
});
