import {
  HOUSE_EXPORT_HEADERS,
  HOUSEHOLD_EXPORT_HEADERS,
  makeIdCard,
  SHOP_EXPORT_HEADERS,
  unifiedCreditCode,
} from '@civicgrid/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture, grant } from '../support/fixture.ts';
import { download, rowsOf, uploadTo } from '../support/xlsx.ts';

let t: TestApp;
let city: CityFixture;
let admin: Client;
let adminToken: string;
let workerToken: string;

const ID_A = makeIdCard('330782', '19800512', 123);
const ID_B = makeIdCard('330782', '19450101', 222);
const LICENCE_A = unifiedCreditCode('92', '330782', '20000001');
const LICENCE_B = unifiedCreditCode('91', '330782', '20000002');
const house: Record<string, string> = {};
const resident: Record<string, string> = {};

const get = (token: string, url: string) => download(t.app, token, url);
const auditOf = async (action: string) => (await admin.get(`/audit-log?action=${action}`)).json();
const afterOf = (row: { diff: Record<string, [unknown, unknown]> }) =>
  Object.fromEntries(Object.entries(row.diff).map(([k, [, v]]) => [k, v]));

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  adminToken = (await login(t.app, city.code, 'admin')).accessToken;
  workerToken = (await login(t.app, city.code, 'workera1a')).accessToken;
  admin = as(t.app, adminToken);
  const mkHouse = async (key: string, orgUnitId: string, address: string, use: string) => {
    const r = await admin.post('/houses', { orgUnitId, address, use, floor: 1, escapeWindow: true });
    expect(r.statusCode).toBe(201);
    house[key] = r.json().id;
  };
  await mkHouse('a1', city.units.gridA1a, '绣湖小区1幢101', 'rented');
  await mkHouse('a2', city.units.gridA1b, '绣湖小区2幢201', 'own-occupied');
  await mkHouse('b1', city.units.gridB1a, '青口小区3幢301', 'rented');
  for (const [key, idNumber, houseId, phone] of [
    ['a', ID_A, house.a1, '13800000001'],
    ['b', ID_B, house.b1, '13900000002'],
  ] as const) {
    const r = await admin.post('/residents', {
      houseId,
      name: key === 'a' ? '王芳' : '李梅',
      idType: 'resident-id',
      idNumber,
      phone,
      registration: 'local',
    });
    expect(r.statusCode).toBe(201);
    resident[key] = r.json().id;
    expect((await admin.post('/households', { headId: resident[key] })).statusCode).toBe(201);
  }
  for (const [name, orgUnitId, licenceNo, operatorId] of [
    ['绣湖五金店', city.units.gridA1a, LICENCE_A, resident.a],
    ['青口小吃店', city.units.gridB1a, LICENCE_B, resident.b],
  ] as const) {
    const r = await admin.post('/shops', { orgUnitId, name, licenceNo, operatorId, houseId: null });
    expect(r.statusCode).toBe(201);
  }
});
afterAll(() => t.close());

describe('houses export', () => {
  it("takes the list's filters, writes the import template's columns, and is audited", async () => {
    const res = await get(adminToken, '/houses/export.xlsx?use=rented&_start=0&_end=25&_sort=address');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-export-rows']).toBe('2');
    const rows = await rowsOf(res.rawPayload);
    expect(rows[0]).toEqual(HOUSE_EXPORT_HEADERS);
    expect(rows.slice(1)).toEqual([
      ['稠城街道/绣湖社区/绣湖第1网格', '绣湖小区1幢101', '1', '', '出租', '', '', '是', '', house.a1],
      ['江东街道/青口社区/青口第1网格', '青口小区3幢301', '1', '', '出租', '', '', '是', '', house.b1],
    ]);
    // The list with the same filters says the same.
    expect((await admin.get('/houses?use=rented')).headers['x-total-count']).toBe('2');
    const under = await get(adminToken, `/houses/export.xlsx?use=rented&under=${city.units.streetA}`);
    expect((await rowsOf(under.rawPayload)).slice(1).map((r) => r[1])).toEqual(['绣湖小区1幢101']);
    expect((await admin.get(`/houses?use=rented&under=${city.units.streetA}`)).json()).toHaveLength(1);

    const audit = await auditOf('registry.house.export');
    expect(audit).toHaveLength(2);
    expect(audit.map(afterOf)).toContainEqual({ filter: { use: 'rented' }, rows: 2 });
    expect(audit[0]).toMatchObject({ actorId: city.users.admin, targetType: 'house' });
  });

  it('imports back as duplicates: the unit is written as a name path the import reads', async () => {
    const file = (await get(adminToken, '/houses/export.xlsx')).rawPayload;
    const res = await uploadTo(t.app, adminToken, '/houses/import', file);
    expect(res.headers).toMatchObject({ 'x-import-rows': '3', 'x-import-duplicates': '3' });
  });
});

describe('shops and households exports', () => {
  it('mask the operator’s and the head’s numbers unless asked, with registry.pii.read, and audit it', async () => {
    const masked = await get(adminToken, '/shops/export.xlsx');
    expect(masked.headers['x-export-rows']).toBe('2');
    const shops = await rowsOf(masked.rawPayload);
    expect(shops[0]).toEqual(SHOP_EXPORT_HEADERS);
    const wu = shops.find((r) => r[0] === '绣湖五金店')!;
    expect(wu.slice(1, 4)).toEqual([LICENCE_A, '稠城街道/绣湖社区/绣湖第1网格', '']);
    expect(wu[6]).toBe(`330782********${ID_A.slice(-4)}`);
    expect(wu[7]).toBe('王芳');
    expect(masked.rawPayload.includes(ID_A)).toBe(false);

    const open = await get(adminToken, `/shops/export.xlsx?unmasked=true&q=${encodeURIComponent('青口')}`);
    expect((await rowsOf(open.rawPayload)).slice(1).map((r) => [r[0], r[6]])).toEqual([['青口小吃店', ID_B]]);

    const households = await get(adminToken, `/households/export.xlsx?under=${city.units.streetB}`);
    const hh = await rowsOf(households.rawPayload);
    expect(hh[0]).toEqual(HOUSEHOLD_EXPORT_HEADERS);
    expect(hh.slice(1).map((r) => r.slice(1))).toEqual([
      [
        '江东街道/青口社区/青口第1网格',
        house.b1,
        '青口小区3幢301',
        '李梅',
        `330782********${ID_B.slice(-4)}`,
        '139****0002',
        '1',
      ],
    ]);
    const list = await admin.get(`/households?under=${city.units.streetB}`);
    expect(list.headers['x-total-count']).toBe('1');
    expect(list.json()[0]).toMatchObject({ headId: resident.b, headName: '李梅', memberCount: 1 });
    const openHh = await get(
      adminToken,
      `/households/export.xlsx?unmasked=true&q=${encodeURIComponent('王')}`,
    );
    expect((await rowsOf(openHh.rawPayload)).slice(1).map((r) => [r[4], r[5], r[6]])).toEqual([
      ['王芳', ID_A, '13800000001'],
    ]);

    const pii = (await auditOf('registry.pii.export')).map(afterOf);
    expect(pii).toHaveLength(2);
    expect(pii).toContainEqual({ filter: { q: '青口' }, rows: 1 });
    expect(pii).toContainEqual({ filter: { q: '王' }, rows: 1 });
    expect(JSON.stringify(pii)).not.toContain(ID_A);
    expect((await auditOf('registry.shop.export')).map(afterOf)).toContainEqual({
      filter: { q: '青口' },
      rows: 1,
      unmasked: true,
    });
    expect(await auditOf('registry.household.export')).toHaveLength(2);
  });

  it('a filter the list does not take is a 400 naming it', async () => {
    const res = await get(adminToken, '/shops/export.xlsx?use=rented');
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].field).toBe('use');
  });
});

describe('who may export', () => {
  it('needs registry.data.export and the list’s read permission; a grid worker exports only her grid', async () => {
    expect((await get(workerToken, '/houses/export.xlsx')).statusCode).toBe(403);
    const exporter = await admin.post('/roles', {
      key: 'place-exporter',
      name: '导出员',
      permissions: ['registry.data.export'],
    });
    await t.db.withTenant(city.tenantId, (tx) =>
      grant(tx, city.users.workerA1a, exporter.json().id, city.units.gridA1a),
    );
    const mine = await get(workerToken, '/houses/export.xlsx');
    expect(mine.statusCode).toBe(200);
    expect((await rowsOf(mine.rawPayload)).slice(1).map((r) => r[1])).toEqual(['绣湖小区1幢101']);
    const shops = await rowsOf((await get(workerToken, '/shops/export.xlsx')).rawPayload);
    expect(shops.slice(1).map((r) => [r[0], r[6]])).toEqual([
      ['绣湖五金店', `330782********${ID_A.slice(-4)}`],
    ]);
    expect((await get(workerToken, '/shops/export.xlsx?unmasked=true')).statusCode).toBe(403);
    const hh = await rowsOf((await get(workerToken, '/households/export.xlsx')).rawPayload);
    expect(hh.slice(1).map((r) => r[4])).toEqual(['王芳']);

    // Export alone, without the list's read permission, is not enough.
    const plain = (await login(t.app, city.code, 'w-grida1a')).accessToken;
    await t.db.withTenant(city.tenantId, (tx) =>
      grant(tx, city.residents.gridA1a!, exporter.json().id, city.units.gridA1a),
    );
    const denied = await get(plain, '/houses/export.xlsx');
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toContain('registry.place.read');
  });
});
