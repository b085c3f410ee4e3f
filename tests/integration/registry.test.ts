import { makeIdCard, nameInitials, parseIdCard } from '@civicgrid/registry';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

let t: TestApp;
let city: CityFixture;
let admin: Client;
let worker: Client;
let street: Client;
let houseA: string;
let houseB: string;

const ID_1 = makeIdCard('330782', '19800512', 123); // a man born 12 May 1980
const ID_2 = makeIdCard('330782', '19450101', 222); // a woman born 1 January 1945
const ID_3 = makeIdCard('330782', '19990909', 331);
const person = (idNumber: string, extra: Record<string, unknown> = {}) => ({
  name: '张三',
  nameInitials: 'zs',
  idType: 'resident-id',
  idNumber,
  phone: '13812345678',
  registration: 'local',
  ...extra,
});

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
  worker = as(t.app, (await login(t.app, city.code, 'workera1a')).accessToken);
  street = as(t.app, (await login(t.app, city.code, 'streeta')).accessToken);
  houseA = (
    await admin.post('/houses', {
      orgUnitId: city.units.gridA1a,
      address: '绣湖小区1幢101',
      use: 'rented',
      rooms: 3,
      occupancyCap: 6,
      escapeWindow: true,
    })
  ).json().id;
  houseB = (
    await admin.post('/houses', {
      orgUnitId: city.units.gridB1a,
      address: '青口小区2幢202',
      use: 'own-occupied',
    })
  ).json().id;
});
afterAll(() => t.close());

describe('the resident ID number (GB 11643)', () => {
  it('derives pinyin initials for search when none are given', () => {
    expect(['张三丰', '欧阳娜娜', '单田芳', 'Ali Khan', '王 Li'].map(nameInitials)).toEqual([
      'zsf',
      'oynn',
      'stf',
      'ak',
      'wl',
    ]);
  });

  it('accepts a valid number and reads its birth date and gender; refuses a wrong check digit or date', () => {
    expect(parseIdCard(ID_1)).toEqual({ birthDate: '1980-05-12', gender: 'male' });
    expect(parseIdCard(ID_2)).toEqual({ birthDate: '1945-01-01', gender: 'female' });
    const wrong = ID_1.slice(0, 17) + (ID_1[17] === '0' ? '1' : '0');
    expect(parseIdCard(wrong)).toEqual({ error: expect.stringContaining('check digit') });
    expect(parseIdCard(makeIdCard('330782', '19800231', 1))).toEqual({
      error: expect.stringContaining('birth date'),
    });
    expect(parseIdCard('11010519491231002X')).toEqual({ birthDate: '1949-12-31', gender: 'female' });
  });

  it('is checked on registration: a 400 naming the field, nothing written', async () => {
    const wrong = ID_3.slice(0, 17) + (ID_3[17] === '0' ? '1' : '0');
    const res = await admin.post('/residents', person(wrong, { houseId: houseA }));
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toMatchObject({ field: 'idNumber' });
    const mismatch = await admin.post('/residents', person(ID_3, { houseId: houseA, gender: 'female' }));
    expect(mismatch.json().details[0].field).toBe('gender');
    const passport = await admin.post(
      '/residents',
      person('E12345678', { idType: 'passport', houseId: houseA, gender: 'male', birthDate: '1990-01-01' }),
    );
    expect(passport.json().details[0].field).toBe('nationality');
    expect((await admin.get('/residents?q=zs')).json()).toEqual([]);
  });
});

describe('personal data', () => {
  let residentId: string;

  beforeAll(async () => {
    const res = await admin.post('/residents', person(ID_1, { houseId: houseA, movedIn: '2025-01-01' }));
    expect(res.statusCode).toBe(201);
    residentId = res.json().id;
  });

  it('is stored encrypted: no plaintext ID number or phone anywhere in the row', async () => {
    const owner = new pg.Client({ connectionString: inject('db').ownerUrl });
    await owner.connect();
    try {
      const { rows } = await owner.query(
        `select row_to_json(r)::text as row, encode(id_cipher, 'escape') as raw from resident r where id = $1`,
        [residentId],
      );
      expect(rows).toHaveLength(1);
      for (const secret of [ID_1, '13812345678', ID_1.slice(6, 14)]) {
        expect(rows[0].row).not.toContain(secret);
        expect(rows[0].raw).not.toContain(secret);
      }
      expect(rows[0].row).toContain('330782********');
    } finally {
      await owner.end();
    }
  });

  it('shows masked values; revealing needs registry.pii.read and leaves an audit row', async () => {
    const listed = (await admin.get(`/residents?houseId=${houseA}`)).json()[0];
    expect(listed).toMatchObject({
      idNumber: `330782********${ID_1.slice(-4)}`,
      phone: '138****5678',
      gender: 'male',
      birthDate: '1980-05-12',
    });

    const denied = await worker.post(`/residents/${residentId}/reveal`, { field: 'idNumber' });
    expect(denied.statusCode).toBe(403);
    const shown = await admin.post(`/residents/${residentId}/reveal`, { field: 'idNumber' });
    expect(shown.json()).toEqual({ field: 'idNumber', value: ID_1 });
    expect((await admin.post(`/residents/${residentId}/reveal`, { field: 'phone' })).json().value).toBe(
      '13812345678',
    );
    const audit = (await admin.get(`/audit-log?action=registry.pii.reveal&targetId=${residentId}`)).json();
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(ID_1);
  });

  it('finds a person by the full ID number or phone (keyed hash), and refuses her twice', async () => {
    expect((await admin.get(`/residents?idNumber=${ID_1}`)).json().map((r: { id: string }) => r.id)).toEqual([
      residentId,
    ]);
    expect((await admin.get(`/residents?idNumber=${ID_1.toLowerCase()}`)).json()).toHaveLength(1);
    expect((await admin.get('/residents?phone=13812345678')).json()).toHaveLength(1);
    expect((await admin.get(`/residents?idNumber=${ID_2}`)).json()).toEqual([]);
    // By where she lives now: the start of the address (a `%` typed is a letter, not a wildcard).
    const byAddress = async (a: string, c = admin) =>
      (await c.get(`/residents?address=${encodeURIComponent(a)}`)).json().map((r: { id: string }) => r.id);
    expect(await byAddress('绣湖小区1幢')).toContain(residentId);
    expect(await byAddress('青口小区')).not.toContain(residentId);
    expect(await byAddress('%1幢')).toEqual([]);
    expect(await byAddress('绣湖小区1幢', street)).toContain(residentId);
    const again = await admin.post('/residents', person(ID_1, { houseId: houseB, name: '张三丰' }));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'duplicate_person', details: [{ field: 'idNumber' }] });
  });

  it('keeps the history when she moves: moving out ends a residence, it never deletes it', async () => {
    const moved = await admin.post(`/residents/${residentId}/move-in`, {
      houseId: houseB,
      date: '2026-03-01',
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().orgUnitId).toBe(city.units.gridB1a);
    const out = await admin.post(`/residents/${residentId}/move-out`, { date: '2026-06-30' });
    expect(
      out.json().residences.map((r: { houseId: string; movedOut: string | null }) => [r.houseId, r.movedOut]),
    ).toEqual([
      [houseB, '2026-06-30'],
      [houseA, '2026-03-01'],
    ]);
    expect((await admin.post(`/residents/${residentId}/move-out`, { date: '2026-07-01' })).statusCode).toBe(
      409,
    );
    const early = await admin.post(`/residents/${residentId}/move-in`, {
      houseId: houseA,
      date: '2026-07-01',
    });
    expect(early.statusCode).toBe(200);
    expect(early.json().residences).toHaveLength(3);
  });
});

describe('scope and focus groups', () => {
  let mine: string;
  let theirs: string;

  beforeAll(async () => {
    mine = (
      await admin.post('/residents', person(ID_2, { houseId: houseA, name: '李四', nameInitials: 'ls' }))
    ).json().id;
    theirs = (
      await admin.post(
        '/residents',
        person(ID_3, { houseId: houseB, name: '王五', nameInitials: 'ww', phone: null }),
      )
    ).json().id;
  });

  it('lets a grid worker see her grid’s residents only, and register people only there', async () => {
    const seen = (await worker.get('/residents?_end=100')).json().map((r: { id: string }) => r.id);
    expect(seen).toContain(mine);
    expect(seen).not.toContain(theirs);
    expect((await worker.get(`/residents/${theirs}`)).statusCode).toBe(404);
    expect((await street.get(`/residents/${theirs}`)).statusCode).toBe(404);
    const outside = await worker.post(
      '/residents',
      person(makeIdCard('330782', '20000101', 11), { houseId: houseB }),
    );
    expect(outside.statusCode).toBe(400);
    expect(outside.json().details[0].field).toBe('houseId');
    expect((await worker.get('/residents?q=ls')).json().map((r: { name: string }) => r.name)).toEqual([
      '李四',
    ]);
    expect((await worker.get('/residents?q=李')).json().map((r: { name: string }) => r.name)).toEqual([
      '李四',
    ]);
  });

  it('hides sensitive focus groups from those without their permission', async () => {
    const tags = (await admin.get('/focus-tags')).json() as Array<{
      id: string;
      key: string;
      sensitive: boolean;
    }>;
    const correction = tags.find((x) => x.key === 'community-correction')!;
    const elderly = tags.find((x) => x.key === 'elderly-alone')!;
    expect(correction.sensitive).toBe(true);
    expect((await admin.post(`/residents/${mine}/tags`, { tagId: correction.id })).statusCode).toBe(204);
    expect((await admin.post(`/residents/${mine}/tags`, { tagId: elderly.id })).statusCode).toBe(204);

    expect((await admin.get(`/residents/${mine}`)).json().tags.map((x: { key: string }) => x.key)).toEqual([
      'community-correction',
      'elderly-alone',
    ]);
    expect((await worker.get(`/residents/${mine}`)).json().tags.map((x: { key: string }) => x.key)).toEqual([
      'elderly-alone',
    ]);
    expect((await worker.get('/focus-tags')).json().some((x: { sensitive: boolean }) => x.sensitive)).toBe(
      false,
    );
    const byTag = await worker.get(`/residents?tagId=${correction.id}`);
    expect(byTag.statusCode).toBe(400);
    expect(byTag.json().details[0].field).toBe('tagId');
    expect((await worker.post(`/residents/${mine}/tags`, { tagId: correction.id })).statusCode).toBe(400);
    expect(
      (await admin.get(`/residents?tagId=${correction.id}`)).json().map((r: { id: string }) => r.id),
    ).toEqual([mine]);
  });

  it('lists due visits by cadence, and a recorded visit clears them', async () => {
    const due = async () =>
      ((await worker.get('/visits/due')).json() as Array<{ residentId: string; tag: string }>).filter(
        (d) => d.residentId === mine,
      );
    // The sensitive group's visits are not the grid worker's to see.
    expect((await due()).map((d) => d.tag)).toEqual(['elderly-alone']);
    expect(
      (
        await worker.post(`/residents/${mine}/visits`, {
          visitedAt: new Date().toISOString(),
          note: '老人身体良好',
        })
      ).statusCode,
    ).toBe(201);
    expect(await due()).toEqual([]);
    // The resident's own visit list: hers to read; a resident outside her grid is not found.
    const listed = (await worker.get(`/residents/${mine}/visits`)).json() as Array<{ note: string | null }>;
    expect(listed.map((v) => v.note)).toContain('老人身体良好');
    expect((await worker.get(`/residents/${theirs}/visits`)).statusCode).toBe(404);
    const future = await worker.post(`/residents/${mine}/visits`, { visitedAt: '2099-01-01T00:00:00Z' });
    expect(future.json().details[0].field).toBe('visitedAt');
    expect(
      (await worker.post(`/residents/${theirs}/visits`, { visitedAt: new Date().toISOString() })).statusCode,
    ).toBe(404);
  });

  it('counts visits toward coverage per unit and group, inside the caller’s scope', async () => {
    interface Row {
      orgUnitId: string;
      tag: string;
      tagged: number;
      covered: number;
      coverage: number;
    }
    const coverage = async (c: Client, qs = '') => (await c.get(`/visits/coverage${qs}`)).json() as Row[];
    const tags = (await admin.get('/focus-tags')).json() as Array<{ id: string; key: string }>;
    const alone = tags.find((x) => x.key === 'elderly-alone')!.id;
    // 王五 lives alone in the other grid and was never visited.
    expect((await admin.post(`/residents/${theirs}/tags`, { tagId: alone })).statusCode).toBe(204);

    // Hers: one person in the group, visited this week; no sensitive group, no other grid.
    expect(await coverage(worker)).toEqual([
      {
        orgUnitId: city.units.gridA1a,
        orgUnitName: expect.any(String),
        tag: 'elderly-alone',
        tagName: '独居老人',
        tagged: 1,
        covered: 1,
        coverage: 100,
      },
    ]);
    const all = await coverage(admin, `?tagId=${alone}`);
    expect(all.map((r) => [r.orgUnitId, r.tagged, r.covered, r.coverage])).toEqual(
      expect.arrayContaining([
        [city.units.gridA1a, 1, 1, 100],
        [city.units.gridB1a, 1, 0, 0],
      ]),
    );
    expect(all).toHaveLength(2);
    // The tenant admin sees the sensitive group 李四 is in; `under` narrows to a subtree.
    expect((await coverage(admin, `?under=${city.units.commA1}`)).map((r) => r.tag).sort()).toEqual([
      'community-correction',
      'elderly-alone',
    ]);
    const outside = await worker.get(`/visits/coverage?under=${city.units.gridB1a}`);
    expect(outside.statusCode).toBe(400);
    expect(outside.json().details[0].field).toBe('under');
  });
});

describe('houses and shops', () => {
  it('hang on org units and follow the caller’s scope', async () => {
    const houses = (await worker.get('/houses')).json().map((h: { id: string }) => h.id);
    expect(houses).toContain(houseA);
    expect(houses).not.toContain(houseB);
    expect((await worker.get(`/houses/${houseB}`)).statusCode).toBe(404);
    const shop = await admin.post('/shops', {
      orgUnitId: city.units.gridA1a,
      name: '小商品批发店',
      houseId: houseA,
      licenceNo: '91330782MA2E0ABC1X',
    });
    expect(shop.statusCode).toBe(201);
    const dup = await admin.post('/shops', {
      orgUnitId: city.units.gridA1a,
      name: '另一家',
      licenceNo: '91330782MA2E0ABC1X',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().details[0].field).toBe('licenceNo');
    const badRef = await admin.post('/shops', {
      orgUnitId: city.units.gridA1a,
      name: '店',
      houseId: crypto.randomUUID(),
    });
    expect(badRef.json().details[0].field).toBe('houseId');
    const patched = await worker.patch(`/houses/${houseA}`, { ebikeCharging: false, occupancyCap: 4 });
    expect(patched.json()).toMatchObject({
      ebikeCharging: false,
      occupancyCap: 4,
      escapeWindow: true,
      use: 'rented',
    });
    expect((await worker.patch(`/houses/${houseB}`, { rooms: 2 })).statusCode).toBe(404);
  });
});

describe('households', () => {
  it('group residents under a head, inside the caller’s scope', async () => {
    const head = (
      await admin.post(
        '/residents',
        person(makeIdCard('330782', '19600303', 71), { houseId: houseA, name: '陈一' }),
      )
    ).json().id;
    const child = (
      await admin.post(
        '/residents',
        person(makeIdCard('330782', '19900404', 82), { houseId: houseA, name: '陈二', phone: null }),
      )
    ).json().id;
    const created = await worker.post('/households', { headId: head });
    expect(created.statusCode).toBe(201);
    const household = created.json().id;
    const joined = await worker.post(`/households/${household}/members`, { residentId: child });
    expect(joined.json().members).toEqual([
      { id: head, name: '陈一', head: true },
      { id: child, name: '陈二', head: false },
    ]);
    expect((await worker.get(`/residents/${child}`)).json().householdId).toBe(household);
    expect((await worker.post('/households', { headId: child })).statusCode).toBe(409);
    const outsider = (
      await admin.post(
        '/residents',
        person(makeIdCard('330782', '19910505', 93), { houseId: houseB, name: '外人', phone: null }),
      )
    ).json().id;
    const far = await worker.post(`/households/${household}/members`, { residentId: outsider });
    expect(far.statusCode).toBe(400);
    expect(far.json().details[0].field).toBe('residentId');
    expect((await street.get(`/households/${household}`)).statusCode).toBe(200);
  });
});
