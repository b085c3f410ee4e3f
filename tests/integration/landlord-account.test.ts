import { createResident, makeIdCard } from '@civicgrid/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, PASSWORD, startApp, type TestApp, testPii } from '../support/app.ts';
import {
  file,
  type LandlordCity,
  landlordCity,
  M,
  person,
  rentedHouse,
  subject,
  Y1,
} from './landlord-fixture.ts';

/**
 * A landlord's own login: a tenant user granted the `landlord` role at her grid and linked to her file.
 * The role's permissions carry the condition `own`, so she reads her file and declares her tenants —
 * by who they are, holding their ID cards, without any right to the registry — and nothing else.
 */
let t: TestApp;
let c: LandlordCity;
let mine: string;
let theirs: string;
let house: string;
let landlordUser: string;
let me: Client;
const known = { name: '郑租客', idNumber: makeIdCard('330782', '19880808', 41) };

beforeAll(async () => {
  t = await startApp();
  c = await landlordCity(t);
  const u = c.units;
  const made = await t.db.withTenant(c.tenantId, async (tx) => {
    const owner = await person(tx, u.gridA1a, '钱房东');
    const owner2 = await person(tx, u.gridA1a, '孙房东');
    const h = await rentedHouse(tx, u.gridA1a, '宾王小区3幢201');
    const h2 = await rentedHouse(tx, u.gridA1a, '宾王小区3幢202');
    // Someone the registry knows already, living elsewhere in the city.
    await createResident(
      tx,
      testPii,
      {
        name: known.name,
        idType: 'resident-id',
        idNumber: known.idNumber,
        registration: 'floating',
        movedIn: `${Y1}-01-01`,
      },
      u.gridB1a,
    );
    return { owner, owner2, h, h2 };
  });
  house = made.h;
  mine = await subject(c.admin, {
    kind: 'landlord',
    personId: made.owner,
    houseIds: [made.h],
    registeredOn: `${Y1}-01-01`,
  });
  theirs = await subject(c.admin, {
    kind: 'landlord',
    personId: made.owner2,
    houseIds: [made.h2],
    registeredOn: `${Y1}-01-01`,
  });
  // Her login, made and granted like any other user's, by the community's secretary.
  const user = await c.clients.secretary.post('/users', {
    orgUnitId: u.gridA1a,
    username: 'landlord-qian',
    displayName: '钱房东',
    password: PASSWORD,
  });
  expect(user.statusCode, user.body).toBe(201);
  landlordUser = user.json().id;
  const roles = (await c.admin.get('/roles?_end=100')).json() as Array<{
    id: string;
    key: string;
    permissions: string[];
  }>;
  const role = roles.find((r) => r.key === 'landlord')!;
  expect(role.permissions.sort()).toEqual([
    'landlord-scoring.appeal.create?own',
    'landlord-scoring.subject.read?own',
    'landlord-scoring.tenant.declare?own',
  ]);
  const g = await c.clients.secretary.post('/grants', {
    userId: landlordUser,
    roleId: role.id,
    orgUnitId: u.gridA1a,
  });
  expect(g.statusCode, g.body).toBe(201);
  me = as(t.app, (await login(t.app, c.code, 'landlord-qian')).accessToken);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const declare = (body: object, client = me, id = mine) =>
  client.post(`${M}/subjects/${id}/tenants`, { houseId: house, movedIn: `${Y1}-03-01`, ...body });

describe('a landlord’s own login', () => {
  it('is linked by staff who keep her file; before that her file is not hers to see', async () => {
    expect((await me.get(`${M}/subjects/${mine}`)).statusCode).toBe(404);
    expect(
      (await c.clients.inspector.put(`${M}/subjects/${mine}/account`, { userId: landlordUser })).statusCode,
    ).toBe(403);
    expect(
      (await c.clients.worker.put(`${M}/subjects/${mine}/account`, { userId: c.units.gridA1a })).json()
        .details[0].field,
    ).toBe('userId');
    const link = await c.clients.worker.put(`${M}/subjects/${mine}/account`, { userId: landlordUser });
    expect(link.statusCode, link.body).toBe(200);
    expect((await file(c.clients.worker, mine)).accountId).toBe(landlordUser);
  });

  it('sees her own file and only hers', async () => {
    const list = await me.get(`${M}/subjects`);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().map((s: { id: string }) => s.id)).toEqual([mine]);
    expect(list.headers['x-total-count']).toBe('1');
    expect((await file(me, mine)).score).toBe(12);
    expect((await me.get(`${M}/subjects/${theirs}`)).statusCode).toBe(404);
    expect(
      (await declare({ person: { ...known, idType: 'resident-id', registration: 'floating' } }, me, theirs))
        .statusCode,
    ).toBe(404);
  });

  it('declares a newcomer by identity, and someone the registry knows once her name matches', async () => {
    const newcomer = {
      name: '王新来',
      idType: 'resident-id',
      idNumber: makeIdCard('510116', '19970707', 9),
      registration: 'floating',
    };
    const a = await declare({ person: newcomer });
    expect(a.statusCode, a.body).toBe(201);
    // The known person, named wrong: refused on the name, nothing moved.
    const wrong = await declare({
      person: { ...known, name: '郑某', idType: 'resident-id', registration: 'floating' },
    });
    expect(wrong.statusCode, wrong.body).toBe(409);
    expect(wrong.json().details[0].field).toBe('person.name');
    const b = await declare({ person: { ...known, idType: 'resident-id', registration: 'floating' } });
    expect(b.statusCode, b.body).toBe(201);
    expect(b.json().moved).toBe(true);
    const tenants = (await me.get(`${M}/subjects/${mine}/tenants`)).json().houses[0].tenants as Array<{
      personId: string;
      name: string;
      declaredOn: string | null;
    }>;
    expect(tenants.map((x) => x.name).sort()).toEqual(['王新来', '郑租客'].sort());
    expect(tenants.every((x) => x.declaredOn)).toBe(true);
    // The known person was not registered twice: she moved from grid B1a into the house.
    const same = await t.db.withTenant(c.tenantId, (tx) =>
      tx.query<{ n: number }>('select count(*)::int as n from resident where name = ?', [known.name]),
    );
    expect(same[0]!.n).toBe(1);
    // A bad ID number is refused on its field.
    const bad = await declare({
      person: { ...newcomer, name: '李', idNumber: `${newcomer.idNumber.slice(0, 17)}0` },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].field).toBe('person.idNumber');
  });

  it('declares a departure; a grid worker’s round then counts her declared tenant as self-declared', async () => {
    const [h] = (await me.get(`${M}/subjects/${mine}/tenants`)).json().houses;
    const leaving = h.tenants.find((x: { name: string }) => x.name === '王新来');
    const staying = h.tenants.find((x: { name: string }) => x.name === '郑租客');
    const out = await me.post(`${M}/subjects/${mine}/tenants/${leaving.residenceId}/move-out`, {
      movedOut: `${Y1}-04-01`,
    });
    expect(out.statusCode, out.body).toBe(200);
    // Today, after she declared (today): declared by the landlord herself, nothing deducted.
    const visit = await c.clients.worker.post(`${M}/subjects/${mine}/visits`, {
      houseId: house,
      present: [staying.residenceId],
    });
    expect(visit.statusCode, visit.body).toBe(201);
    expect(visit.json()).toMatchObject({ verified: 1, undeclared: 0, recordIds: [] });
    const after = (await me.get(`${M}/subjects/${mine}/tenants`)).json().houses[0].tenants;
    expect(after).toEqual([expect.objectContaining({ name: '郑租客', source: 'landlord' })]);
  });

  it('does nothing else: no registry, no records, no rounds, no other files, no links', async () => {
    expect((await me.get('/residents')).statusCode).toBe(403);
    const someone = (
      await t.db.withTenant(c.tenantId, (tx) => tx.query<{ id: string }>('select id from resident limit 1'))
    )[0]!.id;
    expect((await declare({ personId: someone })).json().details[0].field).toBe('personId');
    for (const [method, url, body] of [
      ['post', `${M}/records`, { subjectId: mine, itemCode: 'tenant-undeclared', occurredOn: `${Y1}-05-01` }],
      ['post', `${M}/subjects/${mine}/visits`, { houseId: house, present: [] }],
      ['post', `${M}/declarations`, { residenceId: someone, source: 'landlord' }],
      ['put', `${M}/subjects/${mine}/account`, { userId: null }],
      ['post', `${M}/subjects`, { kind: 'landlord', personId: someone }],
    ] as const) {
      const r = await me[method](url, body);
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(403);
    }
    expect((await file(c.clients.worker, mine)).records).toEqual([]);
  });

  it('appeals a deduction on her own file — one the community then reviews — and no one else’s', async () => {
    const rec = await c.clients.worker.post(`${M}/records`, {
      subjectId: mine,
      itemCode: 'tenant-undeclared',
      occurredOn: `${Y1}-05-01`,
    });
    expect(rec.statusCode, rec.body).toBe(201);
    const appeal = await me.post(`${M}/records/${rec.json().id}/appeals`, { reason: '租客已按时申报' });
    expect(appeal.statusCode, appeal.body).toBe(201);
    const pending = (await c.clients.secretary.get(`${M}/appeals?state=pending`)).json() as Array<{
      id: string;
    }>;
    expect(pending.map((a) => a.id)).toContain(appeal.json().id);
    const other = await c.clients.worker.post(`${M}/records`, {
      subjectId: theirs,
      itemCode: 'tenant-undeclared',
      occurredOn: `${Y1}-05-01`,
    });
    expect((await me.post(`${M}/records/${other.json().id}/appeals`, { reason: '不服' })).statusCode).toBe(
      404,
    );
  });

  it('loses her file when staff unlink her login', async () => {
    expect((await c.clients.worker.put(`${M}/subjects/${mine}/account`, { userId: null })).statusCode).toBe(
      200,
    );
    expect((await me.get(`${M}/subjects/${mine}`)).statusCode).toBe(404);
    expect((await me.get(`${M}/subjects`)).json()).toEqual([]);
    const audit = await t.db.withTenant(c.tenantId, (tx) =>
      tx.query<{ n: number }>(
        `select count(*)::int as n from audit_log where action = 'landlord-scoring.subject.account' and target_id = ?`,
        [mine],
      ),
    );
    expect(audit[0]!.n).toBe(2);
  });
});
