import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.ts';
import {
  file,
  type LandlordCity,
  landlordCity,
  M,
  person,
  record,
  rentedHouse,
  shop,
  subject,
  Y1,
} from './landlord-fixture.ts';

/** Appeals (voiding, never deleting), who may do what where (scope), and tenants kept apart. */
let t: TestApp;
let c: LandlordCity;
let other: LandlordCity;
const subjects: Record<'a1a' | 'a1b' | 'a2a' | 'b1a' | 'shopA1a', string> = {} as never;

beforeAll(async () => {
  t = await startApp();
  c = await landlordCity(t);
  other = await landlordCity(t);
  const people = await t.db.withTenant(c.tenantId, async (tx) => {
    const out: Record<string, { person: string; house: string }> = {};
    for (const [k, unit] of [
      ['a1a', c.units.gridA1a],
      ['a1b', c.units.gridA1b],
      ['a2a', c.units.gridA2a],
      ['b1a', c.units.gridB1a],
    ] as const)
      out[k] = {
        person: await person(tx, unit, `房东${k}`),
        house: await rentedHouse(tx, unit, `出租屋${k}`),
      };
    out.shop = { person: await person(tx, c.units.gridA1a, '店主'), house: '' };
    out.shop.house = await shop(tx, c.units.gridA1a, '绣湖小吃店', out.shop.person);
    return out;
  });
  for (const k of ['a1a', 'a1b', 'a2a', 'b1a'] as const)
    subjects[k] = await subject(c.admin, {
      kind: 'landlord',
      personId: people[k]!.person,
      houseIds: [people[k]!.house],
      registeredOn: `${Y1}-01-01`,
    });
  subjects.shopA1a = await subject(c.clients.worker, {
    kind: 'shop',
    shopId: people.shop!.house,
    registeredOn: `${Y1}-01-01`,
  });
});
afterAll(async () => {
  await t?.close();
});

describe('appeals', () => {
  it('an upheld appeal voids the record (kept, with the reason); corrections never delete', async () => {
    const rec = await record(c.clients.worker, subjects.a1a, 'dangling-cable-charging', `${Y1}-03-01`);
    expect(rec.statusCode, rec.body).toBe(201);
    const recordId = rec.json().id;
    expect(await file(c.admin, subjects.a1a, Y1)).toMatchObject({ deductions: 3, score: 9 });

    const filed = await c.clients.worker.post(`${M}/records/${recordId}/appeals`, {
      reason: '充电线已拆除，系误记',
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const again = await c.clients.worker.post(`${M}/records/${recordId}/appeals`, { reason: '再次申诉' });
    expect(again.json().code).toBe('appeal_pending');
    const appealId = filed.json().id;
    // Grid staff file appeals; the community level reviews them.
    for (const grid of [c.clients.worker, c.clients.leader])
      expect(
        (await grid.post(`${M}/appeals/${appealId}/decision`, { decision: 'upheld', note: 'x' })).statusCode,
      ).toBe(403);
    const noNote = await c.clients.secretary.post(`${M}/appeals/${appealId}/decision`, {
      decision: 'upheld',
    });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().details[0].field).toBe('note');
    const upheld = await c.clients.secretary.post(`${M}/appeals/${appealId}/decision`, {
      decision: 'upheld',
      note: '核实为误记',
    });
    expect(upheld.statusCode, upheld.body).toBe(200);
    const f = await file(c.admin, subjects.a1a, Y1);
    expect(f).toMatchObject({ deductions: 0, score: 12 });
    expect(f.records).toEqual([
      expect.objectContaining({
        id: recordId,
        voided: true,
        voidReason: '核实为误记',
        appealState: 'upheld',
      }),
    ]);
    expect(
      (await c.clients.secretary.post(`${M}/appeals/${appealId}/decision`, { decision: 'rejected' })).json()
        .code,
    ).toBe('appeal_decided');
    expect(
      (await c.clients.worker.post(`${M}/records/${recordId}/appeals`, { reason: '…' })).json().code,
    ).toBe('voided');
    const [rows] = await t.db.withTenant(c.tenantId, (tx) =>
      tx.query<{ n: number }>('select count(*)::int as n from landlord_scoring_record where id = ?', [
        recordId,
      ]),
    );
    expect(rows!.n).toBe(1);
  });

  it('a rejected appeal leaves the record counting', async () => {
    const recordId = (await record(c.clients.worker, subjects.a1a, 'rubbish', `${Y1}-04-01`)).json().id;
    const appealId = (
      await c.clients.worker.post(`${M}/records/${recordId}/appeals`, { reason: '不服' })
    ).json().id;
    const pending = (await c.clients.secretary.get(`${M}/appeals?state=pending`)).json();
    expect(pending.map((a: { id: string }) => a.id)).toEqual([appealId]);
    expect(
      (await c.clients.secretary.post(`${M}/appeals/${appealId}/decision`, { decision: 'rejected' }))
        .statusCode,
    ).toBe(200);
    expect(await file(c.admin, subjects.a1a, Y1)).toMatchObject({ deductions: 1, score: 11 });
  });
});

describe('scope', () => {
  it('a grid worker sees and records only in her grid', async () => {
    const listed = (await c.clients.worker.get(`${M}/subjects?_end=100`)).json();
    expect(listed.map((s: { id: string }) => s.id).sort()).toEqual([subjects.a1a, subjects.shopA1a].sort());
    expect((await record(c.clients.worker, subjects.shopA1a, 'touting', `${Y1}-03-02`)).statusCode).toBe(201);
    for (const outside of [subjects.a1b, subjects.a2a, subjects.b1a]) {
      const res = await record(c.clients.worker, outside, 'rubbish', `${Y1}-03-02`);
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].field).toBe('subjectId');
      expect((await c.clients.worker.get(`${M}/subjects/${outside}`)).statusCode).toBe(404);
    }
  });

  it('a street admin works across her street only; an inspector reads but does not record', async () => {
    expect((await record(c.clients.street, subjects.a2a, 'rubbish', `${Y1}-03-03`)).statusCode).toBe(201);
    expect((await record(c.clients.street, subjects.b1a, 'rubbish', `${Y1}-03-03`)).statusCode).toBe(400);
    const street = (await c.clients.street.get(`${M}/subjects?_end=100&kind=landlord`)).json();
    expect(street.map((s: { id: string }) => s.id).sort()).toEqual(
      [subjects.a1a, subjects.a1b, subjects.a2a].sort(),
    );
    // `under` takes a unit's whole subtree: a community's grids, not the street's other community.
    const community = (
      await c.clients.street.get(`${M}/subjects?_end=100&kind=landlord&under=${c.units.commA1}`)
    ).json();
    expect(community.map((s: { id: string }) => s.id).sort()).toEqual([subjects.a1a, subjects.a1b].sort());
    expect((await c.clients.inspector.get(`${M}/subjects/${subjects.b1a}`)).statusCode).toBe(200);
    expect((await record(c.clients.inspector, subjects.b1a, 'rubbish', `${Y1}-03-03`)).statusCode).toBe(403);
    // The secretary of 绣湖社区 reviews her community's appeals, not 宾王's.
    const mine = (await file(c.clients.street, subjects.a2a, Y1)).records[0].id;
    const appeal = (await c.clients.street.post(`${M}/records/${mine}/appeals`, { reason: '不服' })).json()
      .id;
    expect(
      (await c.clients.secretary.post(`${M}/appeals/${appeal}/decision`, { decision: 'rejected' }))
        .statusCode,
    ).toBe(404);
  });

  it('registering a subject outside one’s scope is refused', async () => {
    const p = await t.db.withTenant(c.tenantId, (tx) => person(tx, c.units.gridB1a, '外街房东'));
    const res = await c.clients.worker.post(`${M}/subjects`, { kind: 'landlord', personId: p });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].field).toBe('orgUnitId');
  });
});

describe('tenants', () => {
  it('another city sees none of it and cannot touch it by id', async () => {
    expect((await other.admin.get(`${M}/subjects?_end=100`)).json()).toEqual([]);
    expect((await other.admin.get(`${M}/subjects/${subjects.a1a}`)).statusCode).toBe(404);
    const res = await record(other.admin, subjects.a1a, 'rubbish', `${Y1}-03-01`);
    expect(res.json().details[0].field).toBe('subjectId');
    expect((await other.admin.get(`${M}/appeals?_end=100`)).json()).toEqual([]);
    // Each city has its own catalogue: a version added here is not there.
    expect((await other.admin.get(`${M}/rules/landlord/versions`)).json()).toHaveLength(1);
  });

  it('with the module off its routes answer module_disabled', async () => {
    await other.admin.put('/modules/landlord-scoring', { enabled: false });
    expect((await other.admin.get(`${M}/subjects`)).json().code).toBe('module_disabled');
  });
});
