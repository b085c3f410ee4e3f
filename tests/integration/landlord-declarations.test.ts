import { createJobClient, type JobClient, type RunningWorker, startWorker } from '@civicgrid/jobs';
import { makeIdCard } from '@civicgrid/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';
import { runReaches, type TestBackend, testBackend } from '../support/jobs.ts';
import {
  file,
  type LandlordCity,
  landlordCity,
  M,
  monthRows,
  person,
  rentedHouse,
  subject,
  Y1,
} from './landlord-fixture.ts';

/**
 * Tenant declarations and their verification: the landlord declares who moves in and out (the
 * registry's residences), a grid worker verifies on her round, a tenant found undeclared becomes a
 * population-management deduction with the visit as its evidence, and the self-declaration rate — of
 * the month's report and the live one — counts verified tenants only.
 */
let t: TestApp;
let backend: TestBackend;
let jobs: JobClient;
let worker: RunningWorker;
let c: LandlordCity;
let landlord: string;
let other: string; // a landlord of grid A1b, outside the worker's grid
let shopSubject: string;
const p: Record<string, string> = {}; // people and houses
const res: Record<string, string> = {}; // residences by person key

const assess = async (period: string, jobId: string) => {
  await jobs.enqueue('landlord-scoring', 'assess', { tenantId: c.tenantId, period }, { jobId });
  return runReaches(t.db, c.tenantId, jobId, 'completed', 'failed', 'skipped');
};
const tenantsOf = async (id = landlord) => {
  const r = await c.clients.worker.get(`${M}/subjects/${id}/tenants`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
const declare = (body: object, client = c.clients.worker, id = landlord) =>
  client.post(`${M}/subjects/${id}/tenants`, body);
const visit = (body: object, client = c.clients.worker, id = landlord) =>
  client.post(`${M}/subjects/${id}/visits`, body);
const residenceOf = async (personId: string) =>
  t.db.withTenant(c.tenantId, async (tx) =>
    tx.query<{ id: string; houseId: string | null; movedOut: string | null }>(
      `select id, house_id as "houseId", to_char(moved_out, 'YYYY-MM-DD') as "movedOut" from residence
        where resident_id = ? order by moved_in desc, moved_out desc nulls first`,
      [personId],
    ),
  );

beforeAll(async () => {
  backend = await testBackend('redis', 'landlord_decl');
  const opts = { backend: backend.cfg, prefix: backend.prefix };
  t = await startApp({
    jobs: (host, db) => {
      jobs = createJobClient({ ...opts, host, db });
      return jobs;
    },
  });
  worker = await startWorker({ ...opts, host: t.app.deps.modules.host, db: t.db, concurrency: 1 });
  c = await landlordCity(t);
  const u = c.units;
  Object.assign(
    p,
    await t.db.withTenant(c.tenantId, async (tx) => ({
      owner: await person(tx, u.gridA1a, '周房东'),
      owner2: await person(tx, u.gridA1b, '吴房东'),
      h1: await rentedHouse(tx, u.gridA1a, '绣湖小区8幢101'),
      h2: await rentedHouse(tx, u.gridA1b, '绣湖小区9幢101'),
      T1: await person(tx, u.gridA1a, '租客甲', { movedIn: `${Y1}-01-01` }),
      T2: await person(tx, u.gridA1a, '租客乙', { movedIn: `${Y1}-01-01` }),
      T3: await person(tx, u.gridA1a, '租客丙', { movedIn: `${Y1}-01-01` }),
      T4: await person(tx, u.gridA1a, '租客丁', { movedIn: `${Y1}-01-01` }),
      T5: await person(tx, u.gridB1a, '租客戊', { movedIn: `${Y1}-01-01` }),
    })),
  );
  landlord = await subject(c.admin, {
    kind: 'landlord',
    personId: p.owner,
    houseIds: [p.h1],
    registeredOn: `${Y1}-01-01`,
  });
  other = await subject(c.admin, {
    kind: 'landlord',
    personId: p.owner2,
    houseIds: [p.h2],
    registeredOn: `${Y1}-01-01`,
  });
  const shopId = await t.db.withTenant(c.tenantId, async (tx) => {
    const [s] = await tx.query<{ id: string }>(
      `insert into shop (tenant_id, org_unit_id, name, operator_id) values (?, ?, '周记', ?) returning id`,
      [tx.tenantId, u.gridA1a, p.owner],
    );
    return s!.id;
  });
  shopSubject = await subject(c.admin, { kind: 'shop', shopId, registeredOn: `${Y1}-01-01` });
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await jobs?.close();
  await backend?.drop();
  await t?.close();
});

describe('tenant declarations', () => {
  it('the landlord declares tenants moving in: the registry moves them into the house', async () => {
    for (const k of ['T1', 'T2']) {
      const r = await declare({
        houseId: p.h1,
        personId: p[k],
        movedIn: `${Y1}-02-01`,
        declaredOn: `${Y1}-02-02`,
      });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json().moved).toBe(true);
      res[k] = r.json().residenceId;
      const [now, before] = await residenceOf(p[k]!);
      expect(now).toMatchObject({ id: res[k], houseId: p.h1, movedOut: null });
      expect(before!.movedOut).toBe(`${Y1}-02-01`);
    }
    const again = await declare({ houseId: p.h1, personId: p.T1, movedIn: `${Y1}-02-01` });
    expect(again.statusCode).toBe(409);
    expect(again.json().details[0].field).toBe('personId');
    const [h] = (await tenantsOf()).houses;
    expect(h.tenants.map((x: { name: string }) => x.name).sort()).toEqual(['租客甲', '租客乙'].sort());
    expect(h.tenants.find((x: { name: string }) => x.name === '租客甲')).toMatchObject({
      declaredOn: `${Y1}-02-02`,
      verifiedOn: null,
      source: null,
    });
    const f = await file(c.clients.worker, landlord);
    expect(f.tenants).toEqual({ current: 2, landlordDeclared: 2, declared: 0, selfDeclared: 0 });
  });

  it('refuses what cannot be declared, naming the field; scope as the file’s', async () => {
    const bad = async (body: object, field: string, status = 400, id = landlord) => {
      const r = await declare(body, c.clients.worker, id);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().details[0].field).toBe(field);
      expect(r.body).not.toContain('    at ');
    };
    await bad({ houseId: p.h2, personId: p.T4, movedIn: `${Y1}-02-01` }, 'houseId');
    await bad({ houseId: p.h1, personId: p.h1, movedIn: `${Y1}-02-01` }, 'personId');
    // A resident of another street is not the worker's to read, nor to move.
    await bad({ houseId: p.h1, personId: p.T5, movedIn: `${Y1}-02-01` }, 'personId');
    await bad({ houseId: p.h1, personId: p.T4, movedIn: '2999-01-01' }, 'movedIn');
    await bad({ houseId: p.h1, personId: p.T4, movedIn: `${Y1 - 5}-01-01` }, 'houseId'); // the house was not let by her then
    await bad({ houseId: p.h1, personId: p.T4, movedIn: `${Y1}-02-30` }, 'movedIn');
    await bad({ houseId: p.h1, personId: p.T4, movedIn: `${Y1}-02-01` }, 'houseId', 400, shopSubject);
    // Grid A1b's landlord is not in the worker's grid; the inspector reads but keeps no files.
    expect(
      (await declare({ houseId: p.h2, personId: p.T4, movedIn: `${Y1}-02-01` }, c.clients.worker, other))
        .statusCode,
    ).toBe(404);
    expect(
      (await declare({ houseId: p.h1, personId: p.T4, movedIn: `${Y1}-02-01` }, c.clients.inspector))
        .statusCode,
    ).toBe(403);
    expect((await residenceOf(p.T4!))[0]!.houseId).toBeNull(); // nothing moved
  });

  it('registers a newcomer to the registry and declares her at once; refusals name person.<field>', async () => {
    const idNumber = makeIdCard('510116', '19950312', 7);
    const newcomer = {
      name: '租客己',
      idType: 'resident-id',
      idNumber,
      phone: '13800138000',
      registration: 'floating',
    };
    const r = await declare({ houseId: p.h1, person: newcomer, movedIn: `${Y1}-02-10` });
    expect(r.statusCode, r.body).toBe(201);
    const { personId, residenceId, moved } = r.json();
    expect(moved).toBe(true);
    expect(await residenceOf(personId)).toEqual([{ id: residenceId, houseId: p.h1, movedOut: null }]);
    const registered = (await c.clients.worker.get(`/residents/${personId}`)).json();
    expect(registered).toMatchObject({
      name: '租客己',
      registration: 'floating',
      birthDate: '1995-03-12',
      gender: 'male',
    });
    expect(registered.idNumber).not.toBe(idNumber); // masked, as every reader sees it
    const declared = (await tenantsOf()).houses[0].tenants.find(
      (x: { personId: string }) => x.personId === personId,
    );
    expect(declared).toMatchObject({ residenceId, movedIn: `${Y1}-02-10`, verifiedOn: null });
    expect(declared.declaredOn).not.toBeNull();
    const audit = await t.db.withTenant(c.tenantId, (tx) =>
      tx.query<{ action: string }>(
        `select action from audit_log where target_id = ? or (action = 'landlord-scoring.tenant.declare'
           and diff->'personId'->>1 = ?) order by action`,
        [personId, personId],
      ),
    );
    expect(audit.map((a) => a.action)).toEqual([
      'landlord-scoring.tenant.declare',
      'registry.resident.create',
    ]);

    const residents = async () =>
      (
        await t.db.withTenant(c.tenantId, (tx) =>
          tx.query('select 1 from resident where name = ?', ['租客庚']),
        )
      ).length;
    const refused = async (body: object, field: string | null, status: number) => {
      const res = await declare({ houseId: p.h1, movedIn: `${Y1}-02-10`, ...body });
      expect(res.statusCode, res.body).toBe(status);
      if (field) expect(res.json().details[0].field).toBe(field);
      expect(await residents()).toBe(0);
    };
    const other = { ...newcomer, name: '租客庚', idNumber: makeIdCard('510116', '19960101', 8) };
    await refused({ personId: p.T4, person: other }, 'personId', 400);
    await refused({}, 'personId', 400);
    await refused(
      { person: { ...other, idNumber: `${other.idNumber.slice(0, 17)}0` } },
      'person.idNumber',
      400,
    );
    await refused({ person: { ...other, birthDate: '1990-01-01' } }, 'person.birthDate', 400);
    await refused({ person: { ...other, idNumber } }, 'person.idNumber', 409); // registered already
    // Registering needs the registry's own permission where the house is, beside keeping files.
    const roles = (await c.admin.get('/roles?_end=100')).json() as Array<{ id: string; key: string }>;
    const role = roles.find((x) => x.key === 'grid-worker')!;
    const perms = (await c.admin.get(`/roles/${role.id}`)).json().permissions as string[];
    const patch = (permissions: string[]) => c.admin.patch(`/roles/${role.id}`, { permissions });
    expect((await patch(perms.filter((x) => x !== 'registry.resident.manage'))).statusCode).toBe(200);
    try {
      await refused({ person: other }, null, 403);
    } finally {
      expect((await patch(perms)).statusCode).toBe(200);
    }
    const again = await declare({ houseId: p.h1, person: other, movedIn: `${Y1}-02-10` });
    expect(again.statusCode, again.body).toBe(201);
    // Both leave again (declared), so the rounds below see the house as before.
    for (const rid of [residenceId, again.json().residenceId]) {
      const out = await c.clients.worker.post(`${M}/subjects/${landlord}/tenants/${rid}/move-out`, {
        movedOut: `${Y1}-02-20`,
      });
      expect(out.statusCode, out.body).toBe(200);
    }
  });
});

describe('verification on a visit', () => {
  it('verifies the tenants seen; one found undeclared and one gone undeclared become deductions with the visit as evidence', async () => {
    const r = await visit({
      houseId: p.h1,
      visitedOn: `${Y1}-03-10`,
      present: [res.T1],
      found: [{ personId: p.T3, movedIn: `${Y1}-03-01` }],
      gone: [{ residenceId: res.T2, movedOut: `${Y1}-03-05` }],
      note: '入户核查',
    });
    expect(r.statusCode, r.body).toBe(201);
    const v = r.json();
    expect(v).toMatchObject({ present: 2, verified: 2, undeclared: 1, movedOut: 1 });
    // 丙 lived there undeclared; 乙 left without the landlord declaring it: one deduction each.
    expect(v.recordIds).toHaveLength(2);
    const f = await file(c.clients.worker, landlord, Y1);
    const recs = v.recordIds.map((id: string) => f.records.find((x: { id: string }) => x.id === id));
    for (const rec of recs)
      expect(rec).toMatchObject({
        itemCode: 'tenant-undeclared',
        effect: 'deduction',
        points: 2,
        visitId: v.id,
      });
    expect(recs[0].note).toContain('未申报租客：租客丙');
    expect(recs[1].note).toContain('搬离未申报：租客乙');
    expect(f.score).toBe(8);
    const list = await tenantsOf();
    const byName = Object.fromEntries(list.houses[0].tenants.map((x: { name: string }) => [x.name, x]));
    expect(Object.keys(byName).sort()).toEqual(['租客甲', '租客丙'].sort()); // 乙 moved out
    expect(byName.租客甲).toMatchObject({ verifiedOn: `${Y1}-03-10`, source: 'landlord' });
    expect(byName.租客丙).toMatchObject({ verifiedOn: `${Y1}-03-10`, source: 'visit', declaredOn: null });
    expect(list.visits[0]).toMatchObject({
      id: v.id,
      present: 2,
      undeclared: 1,
      movedOut: 1,
      recordIds: v.recordIds,
    });
    expect((await residenceOf(p.T2!))[0]!.movedOut).toBe(`${Y1}-03-05`);
    expect((await residenceOf(p.T3!))[0]!.houseId).toBe(p.h1);
    // The worker can still appeal the automatic deduction like any other.
    expect(
      (await c.clients.worker.post(`${M}/records/${v.recordIds[0]}/appeals`, { reason: '已补报' }))
        .statusCode,
    ).toBe(201);
  });

  it('a later round confirms without deducting twice; refusals name the field and write nothing', async () => {
    const again = await visit({
      houseId: p.h1,
      visitedOn: `${Y1}-04-10`,
      present: [res.T1, (await residenceOf(p.T3!))[0]!.id],
    });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ present: 2, verified: 0, undeclared: 0, recordIds: [] });
    const bad = async (body: object, field: string, status = 400) => {
      const r = await visit(body);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().details[0].field).toBe(field);
    };
    await bad({ houseId: p.h1, present: [res.T2] }, 'present.0'); // moved out
    await bad({ houseId: p.h1, present: [], visitedOn: '2999-01-01' }, 'visitedOn');
    await bad({ houseId: p.h2, present: [] }, 'houseId');
    await bad({ houseId: p.h1, present: [res.T1], gone: [{ residenceId: res.T1 }] }, 'gone.0.residenceId');
    await bad({ houseId: p.h1, present: [], found: [{ personId: p.h1 }] }, 'found.0.personId');
    // No rule to deduct with: the whole visit is refused, nobody moved in, nothing verified.
    await c.admin.put('/modules/landlord-scoring', {
      enabled: true,
      settings: { undeclaredTenantItem: 'no-such-item' },
    });
    const visits = (await tenantsOf()).visits.length;
    await bad({ houseId: p.h1, present: [], found: [{ personId: p.T4 }] }, 'visitedOn', 409);
    expect((await residenceOf(p.T4!))[0]!.houseId).toBeNull();
    expect((await tenantsOf()).visits).toHaveLength(visits);
    await c.admin.put('/modules/landlord-scoring', { enabled: true, settings: {} });
    // Scope: another grid's landlord is not found; the inspector does not verify.
    expect((await visit({ houseId: p.h2, present: [] }, c.clients.worker, other)).statusCode).toBe(404);
    expect((await visit({ houseId: p.h1, present: [] }, c.clients.inspector)).statusCode).toBe(403);
    // Another city sees none of it.
    const cityB = await buildCity(t.db);
    const adminB = as(t.app, (await login(t.app, cityB.code, 'admin')).accessToken);
    expect((await adminB.put('/modules/landlord-scoring', { enabled: true })).statusCode).toBe(200);
    expect((await adminB.get(`${M}/subjects/${landlord}/tenants`)).statusCode).toBe(404);
    expect(
      (await adminB.post(`${M}/subjects/${landlord}/visits`, { houseId: p.h1, present: [] })).statusCode,
    ).toBe(404);
  });

  it('the landlord declares a move-out through the registry', async () => {
    const t4 = await declare({ houseId: p.h1, personId: p.T4, movedIn: `${Y1}-05-01` });
    expect(t4.statusCode, t4.body).toBe(201);
    const out = await c.clients.worker.post(
      `${M}/subjects/${landlord}/tenants/${t4.json().residenceId}/move-out`,
      {
        movedOut: `${Y1}-04-30`,
      },
    );
    expect(out.statusCode).toBe(400);
    expect(out.json().details[0].field).toBe('movedOut');
    const ok = await c.clients.worker.post(
      `${M}/subjects/${landlord}/tenants/${t4.json().residenceId}/move-out`,
      {
        movedOut: `${Y1}-05-20`,
      },
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await residenceOf(p.T4!))[0]!.movedOut).toBe(`${Y1}-05-20`);
  });
});

describe('the self-declaration rate', () => {
  it('counts verified tenants only, in the month’s report and live, per grid, community and street', async () => {
    // February: two tenants declared, none verified yet: nothing to count.
    expect((await assess(`${Y1}-02`, 'feb')).state).toBe('completed');
    const feb = await monthRows(t, c.tenantId, `${Y1}-02`);
    expect(feb.assessments.find((r) => r.subject_id === landlord)).toMatchObject({
      tenants_verified: 0,
      tenants_self_declared: 0,
    });
    // April: 甲 (declared by the landlord) and 丙 (found undeclared) verified.
    expect((await assess(`${Y1}-04`, 'apr')).state).toBe('completed');
    const apr = await monthRows(t, c.tenantId, `${Y1}-04`);
    expect(apr.assessments.find((r) => r.subject_id === landlord)).toMatchObject({
      tenants_verified: 2,
      tenants_self_declared: 1,
    });
    for (const unit of [c.units.gridA1a, c.units.commA1, c.units.streetA, c.units.root])
      expect(apr.reports.find((r) => r.org_unit_id === unit)).toMatchObject({
        tenants_verified: 2,
        tenants_self_declared: 1,
      });
    const grid = (await c.clients.leader.get(`${M}/reports?period=${Y1}-04&level=grid`)).json();
    expect(grid).toEqual([expect.objectContaining({ orgUnitId: c.units.gridA1a, selfDeclarationRate: 0.5 })]);
    for (const level of ['grid', 'community', 'street']) {
      const live = (await c.admin.get(`${M}/declaration-rates?level=${level}&on=${Y1}-04-30`)).json();
      expect(live, level).toEqual([
        expect.objectContaining({ verified: 2, selfDeclared: 1, selfDeclarationRate: 0.5 }),
      ]);
    }
    const before = (await c.admin.get(`${M}/declaration-rates?level=grid&on=${Y1}-03-01`)).json();
    expect(before).toEqual([]);
  });
});

describe('a departure the landlord did not declare', () => {
  it('is not deducted when the tenant turns deductUndeclaredDeparture off; the tenant still moves out', async () => {
    const put = await c.admin.put('/modules/landlord-scoring', {
      enabled: true,
      settings: { deductUndeclaredDeparture: false },
    });
    expect(put.statusCode, put.body).toBe(200);
    const records = (await file(c.clients.worker, landlord, Y1)).records.length;
    const t3 = (await residenceOf(p.T3!))[0]!;
    const r = await visit({
      houseId: p.h1,
      visitedOn: `${Y1}-06-10`,
      present: [res.T1],
      gone: [{ residenceId: t3.id, movedOut: `${Y1}-06-01` }],
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ movedOut: 1, recordIds: [] });
    expect((await file(c.clients.worker, landlord, Y1)).records).toHaveLength(records);
    expect((await residenceOf(p.T3!))[0]!.movedOut).toBe(`${Y1}-06-01`);
    await c.admin.put('/modules/landlord-scoring', { enabled: true, settings: {} });
  });
});
