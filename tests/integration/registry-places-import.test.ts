import { Readable } from 'node:stream';
import {
  HOUSE_HEADERS,
  importHouses,
  makeIdCard,
  SHOP_HEADERS,
  unifiedCreditCode,
} from '@civicgrid/registry';
import { createUnit } from '@civicgrid/tenancy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPLOAD } from '../../packages/http/src/routes/registry/upload.ts';
import { as, type Client, login, startApp, type TestApp, testPii } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { download, rowsOf, uploadTo, workbook } from '../support/xlsx.ts';

let t: TestApp;
let city: CityFixture;
let admin: Client;
let adminToken: string;
let secToken: string;
/** Buildings: 绣湖小区 (gridA1a) 1幢 and 2幢 (code XH-2); 青口小区 (gridB1a) 1幢 (code QK-1). */
const b: Record<'xh1' | 'xh2' | 'qk1', string> = { xh1: '', xh2: '', qk1: '' };

const OPERATOR_A = makeIdCard('330782', '19750303', 31); // lives in gridA1a
const OPERATOR_B = makeIdCard('330782', '19760404', 41); // lives in gridB1a (outside the secretary's community)
const NOBODY = makeIdCard('330782', '19770505', 51);
const licence = (n: number) => unifiedCreditCode('92', '330782', String(10_000_000 + n));
const BAD_CHECK = (() => {
  const l = licence(99);
  return l.slice(0, 17) + (l[17] === '0' ? '1' : '0');
})();

const houses = (token: string, file: Buffer) => uploadTo(t.app, token, '/houses/import', file);
const shops = (token: string, file: Buffer) => uploadTo(t.app, token, '/shops/import', file);
/** An audit row's values after (its diff is field → [before, after]). */
const afterOf = (row: { diff: Record<string, [unknown, unknown]> }) =>
  Object.fromEntries(Object.entries(row.diff).map(([k, [, v]]) => [k, v]));
/** Line, first cell, status and reason of each report row. */
const outcomes = (report: string[][]) => report.slice(1).map((r) => [r[0], r[1], r.at(-2), r.at(-1)]);

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  adminToken = (await login(t.app, city.code, 'admin')).accessToken;
  secToken = (await login(t.app, city.code, 'seca1')).accessToken;
  admin = as(t.app, adminToken);
  await t.db.withTenant(city.tenantId, async (tx) => {
    const xh = await createUnit(tx, { parentId: city.units.gridA1a, kind: 'compound', name: '绣湖小区' });
    b.xh1 = (await createUnit(tx, { parentId: xh.id, kind: 'building', name: '1幢' })).id;
    b.xh2 = (await createUnit(tx, { parentId: xh.id, kind: 'building', name: '2幢', code: 'XH-2' })).id;
    const qk = await createUnit(tx, { parentId: city.units.gridB1a, kind: 'compound', name: '青口小区' });
    b.qk1 = (await createUnit(tx, { parentId: qk.id, kind: 'building', name: '1幢', code: 'QK-1' })).id;
  });
  for (const [id, unit] of [
    [OPERATOR_A, city.units.gridA1a],
    [OPERATOR_B, city.units.gridB1a],
  ] as const) {
    const r = await admin.post('/residents', {
      orgUnitId: unit,
      name: '经营者',
      idType: 'resident-id',
      idNumber: id,
      registration: 'local',
    });
    expect(r.statusCode).toBe(201);
  }
});
afterAll(() => t.close());

const houseRows = () => [
  [...HOUSE_HEADERS],
  ['稠城街道/绣湖社区/绣湖小区/1幢', '绣湖小区1幢1单元101室', '1', '89.5', '出租', '3', '6', '是', '否'],
  ['XH-2', '绣湖小区2幢1单元201室', '2层', '75㎡', '自住', '', '', '', ''],
  ['稠城街道/绣湖社区/绣湖小区/9幢', '绣湖小区9幢101室', '', '', '自住', '', '', '', ''],
  ['1幢', '某小区1幢101室', '', '', '自住', '', '', '', ''],
  ['绣湖小区/1幢', '绣湖小区1幢1单元102室', '一楼', '', '自住', '', '', '', ''],
  ['绣湖小区/1幢', '绣湖小区1幢1单元103室', '300', '', '自住', '', '', '', ''],
  ['绣湖小区/1幢', '绣湖小区1幢1单元104室', '', '', '出售', '', '', '', ''],
  ['绣湖小区/1幢', '绣湖小区1幢1单元105室', '', '-5', '空置', '', '', '', ''],
  ['绣湖小区/1幢', '绣湖小区1幢1单元106室', '', '', '出租', '2', '4', '可能', ''],
  ['绣湖小区/1幢', '绣湖小区1幢1单元101室', '1', '', '出租', '', '', '', ''],
  ['绣湖小区/1幢', '', '', '', '出租', '', '', '', ''],
  ['绣湖社区/绣湖第1网格', '宾王路3号', '1', '40', '商铺', '', '', '是', '是'],
  ['稠城街道/绣湖社区', '绣湖社区办公楼', '', '', '自住', '', '', '', ''],
  ['江东街道/青口社区/青口第1网格/青口小区/1幢', '青口小区1幢101室', '-1', '', '出租', '600', '', '', ''],
  ['绣湖小区/1幢', '绣湖小区1幢1单元107室', '', '', '出租', '2', '2001', '', ''],
];

describe('houses import from xlsx', () => {
  it('serves the template with the zh-CN headers and an example row', async () => {
    const res = await download(t.app, secToken, '/houses/template.xlsx');
    expect(res.statusCode).toBe(200);
    const [header, example] = await rowsOf(res.rawPayload);
    expect(header).toEqual([...HOUSE_HEADERS]);
    expect(example).toHaveLength(HOUSE_HEADERS.length);
    expect(example![4]).toBe('出租');
  });

  it('registers the good rows, never a bad one, and reports every row with its reason', async () => {
    const res = await houses(adminToken, await workbook(houseRows()));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('houses-import-report.xlsx');
    expect(res.headers).toMatchObject({
      'x-import-rows': '15',
      'x-import-imported': '3',
      'x-import-failed': '11',
      'x-import-duplicates': '1',
    });
    const report = await rowsOf(res.rawPayload);
    expect(report[0]).toEqual(['行号', ...HOUSE_HEADERS, '状态', '原因']);
    expect(outcomes(report)).toEqual([
      ['2', '稠城街道/绣湖社区/绣湖小区/1幢', '成功', ''],
      ['3', 'XH-2', '成功', ''],
      [
        '4',
        '稠城街道/绣湖社区/绣湖小区/9幢',
        '失败',
        '所属楼栋/网格：没有这个楼栋、小区、网格（或不在您的管辖范围内）',
      ],
      ['5', '1幢', '失败', expect.stringMatching(/^所属楼栋\/网格：有2个.*符合“1幢”/)],
      ['6', '绣湖小区/1幢', '失败', '楼层：应为整数'],
      ['7', '绣湖小区/1幢', '失败', '楼层：应在-10到200之间'],
      ['8', '绣湖小区/1幢', '失败', '用途：应为“自住”“出租”“商铺”或“空置”'],
      ['9', '绣湖小区/1幢', '失败', '面积：应为数字（平方米）'],
      ['10', '绣湖小区/1幢', '失败', '逃生窗：应为“是”或“否”'],
      ['11', '绣湖小区/1幢', '失败', '重复：与第2行是同一套房屋（所属楼栋/网格和地址相同）'],
      ['12', '绣湖小区/1幢', '失败', '地址：必填'],
      ['13', '绣湖社区/绣湖第1网格', '成功', ''],
      ['14', '稠城街道/绣湖社区', '失败', '所属楼栋/网格：“稠城街道/绣湖社区”不是楼栋、小区、网格'],
      ['15', '江东街道/青口社区/青口第1网格/青口小区/1幢', '失败', '房间数：应在0到500之间'],
      ['16', '绣湖小区/1幢', '失败', '限住人数：应在0到2000之间'],
    ]);
    // The report repeats the row as sent.
    expect(report[1]!.slice(1, 10)).toEqual(houseRows()[1]);

    const list = await admin.get('/houses?_sort=address');
    expect(list.headers['x-total-count']).toBe('3');
    const byAddress = Object.fromEntries(list.json().map((h: { address: string }) => [h.address, h]));
    expect(byAddress.绣湖小区1幢1单元101室).toMatchObject({
      orgUnitId: b.xh1,
      floor: 1,
      area: 89.5,
      use: 'rented',
      rooms: 3,
      occupancyCap: 6,
      escapeWindow: true,
      ebikeCharging: false,
    });
    expect(byAddress.绣湖小区2幢1单元201室).toMatchObject({
      orgUnitId: b.xh2,
      floor: 2,
      area: 75,
      use: 'own-occupied',
      rooms: null,
      escapeWindow: null,
    });
    expect(byAddress.宾王路3号).toMatchObject({ orgUnitId: city.units.gridA1a, use: 'shop' });
    const audit = (await admin.get('/audit-log?action=registry.house.import')).json();
    expect(audit).toHaveLength(1);
    expect(afterOf(audit[0])).toMatchObject({ rows: 15, imported: 3, failed: 11, duplicates: 1 });
  });
});

describe('houses import: duplicates and scope', () => {
  it('registers no house twice on re-import: the report says duplicate', async () => {
    const res = await houses(adminToken, await workbook(houseRows()));
    expect(res.headers).toMatchObject({ 'x-import-imported': '0', 'x-import-duplicates': '4' });
    const report = outcomes(await rowsOf(res.rawPayload));
    expect(report.filter((r) => r[2] === '成功')).toEqual([]);
    expect(report[0]![3]).toBe('重复：此房屋已登记（所属楼栋/网格和地址相同）');
    expect(report[1]![3]).toBe('重复：此房屋已登记（所属楼栋/网格和地址相同）');
    expect(report[9]![3]).toBe('重复：与第2行是同一套房屋（所属楼栋/网格和地址相同）');
    expect((await admin.get('/houses')).headers['x-total-count']).toBe('3');
    // The form keeps to the same key: a 409 naming the address.
    const twice = await admin.post('/houses', {
      orgUnitId: b.xh1,
      address: '绣湖小区1幢1单元101室',
      use: 'vacant',
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().details).toEqual([{ field: 'address', reason: expect.any(String) }]);
    // The same address on another building is another house.
    const other = await houses(
      adminToken,
      await workbook([[...HOUSE_HEADERS], ['XH-2', '绣湖小区1幢1单元101室', '', '', '空置', '', '', '', '']]),
    );
    expect(other.headers['x-import-imported']).toBe('1');
  });

  it('a community secretary cannot import into a unit outside her community: a row error, nothing written', async () => {
    const rows = [
      [...HOUSE_HEADERS],
      ['江东街道/青口社区/青口第1网格/青口小区/1幢', '青口小区1幢201室', '', '', '出租', '', '', '', ''],
      ['QK-1', '青口小区1幢202室', '', '', '出租', '', '', '', ''],
      ['绣湖社区/绣湖第2网格', '绣湖第2网格临街8号', '', '', '商铺', '', '', '', ''],
    ];
    const res = await houses(secToken, await workbook(rows));
    expect(res.statusCode).toBe(200);
    expect(outcomes(await rowsOf(res.rawPayload))).toEqual([
      ['2', rows[1]![0], '失败', '所属楼栋/网格：没有这个楼栋、小区、网格（或不在您的管辖范围内）'],
      ['3', 'QK-1', '失败', '所属楼栋/网格：没有这个楼栋、小区、网格（或不在您的管辖范围内）'],
      ['4', '绣湖社区/绣湖第2网格', '成功', ''],
    ]);
    const [row] = await t.db.withTenant(city.tenantId, (tx) =>
      tx.query<{ n: number }>(
        `select count(*)::int as n from house where tenant_id = ? and org_unit_id = ?`,
        [city.tenantId, b.qk1],
      ),
    );
    expect(row!.n).toBe(0);
  });

  it('writes batch after batch through the shared loop, the same outcomes as one batch', async () => {
    const progress: number[] = [];
    const summary = await importHouses(Readable.from([await workbook(houseRows())]), {
      pii: testPii,
      tenantId: city.tenantId,
      inTransaction: (fn) => t.db.withTenant(city.tenantId, fn),
      batchSize: 4,
      onProgress: (n) => progress.push(n),
    });
    expect(progress).toEqual([4, 8, 12, 15]);
    expect(summary).toEqual({ rows: 15, imported: 0, failed: 11, duplicates: 4 });
  });
});

const shopRows = (houseId: string) => [
  [...SHOP_HEADERS],
  ['小商品批发店', licence(1), '绣湖社区/绣湖第1网格', '宾王路', '', '宾王路3号', OPERATOR_A],
  ['五金店', licence(2).toLowerCase(), '绣湖社区/绣湖第2网格', '', '', '', ''],
  ['坏校验', BAD_CHECK, '绣湖社区/绣湖第1网格', '', '', '', ''],
  ['坏号码', 'ABC123', '绣湖社区/绣湖第1网格', '', '', '', ''],
  ['没网格', licence(3), '绣湖社区/第9网格', '', '', '', ''],
  ['没此人', licence(4), '绣湖社区/绣湖第1网格', '', '', '', NOBODY],
  ['重复店', licence(1), '绣湖社区/绣湖第1网格', '', '', '', ''],
  ['没房屋', licence(5), '绣湖社区/绣湖第1网格', '', crypto.randomUUID(), '', ''],
  ['别处房', licence(6), '宾王社区/宾王第1网格', '', '', '宾王路3号', ''],
  ['', licence(7), '绣湖社区/绣湖第1网格', '', '', '', ''],
  ['按编号', licence(8), 'XH-2', '', houseId, '', ''],
  ['已登记', licence(0), '绣湖社区/绣湖第1网格', '', '', '', ''],
];

describe('shops import from xlsx', () => {
  let house2: string;
  beforeAll(async () => {
    house2 = (await admin.get('/houses?q=绣湖小区2幢1单元201')).json()[0].id;
    const pre = await admin.post('/shops', {
      orgUnitId: city.units.gridA1a,
      name: '老店',
      licenceNo: licence(0),
    });
    expect(pre.statusCode).toBe(201);
  });

  it('serves the template, with an example licence number that passes its own check', async () => {
    const res = await download(t.app, secToken, '/shops/template.xlsx');
    const [header, example] = await rowsOf(res.rawPayload);
    expect(header).toEqual([...SHOP_HEADERS]);
    const check = await shops(adminToken, await workbook([header!, example!]));
    // The example's licence number and unit (a path of this fixture's city) pass; its shop-front is not here.
    expect((await rowsOf(check.rawPayload))[1]!.at(-1)).toMatch(/^房屋地址：所属网格\/楼栋下没有/);
  });

  it('registers the good rows with their house and operator, never a bad one, and reports every row', async () => {
    const res = await shops(adminToken, await workbook(shopRows(house2)));
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'x-import-rows': '12',
      'x-import-imported': '3',
      'x-import-failed': '7',
      'x-import-duplicates': '2',
    });
    const report = await rowsOf(res.rawPayload);
    expect(report[0]).toEqual(['行号', ...SHOP_HEADERS, '状态', '原因']);
    expect(outcomes(report)).toEqual([
      ['2', '小商品批发店', '成功', ''],
      ['3', '五金店', '成功', ''],
      ['4', '坏校验', '失败', '统一社会信用代码：统一社会信用代码校验位错误（GB 32100）'],
      ['5', '坏号码', '失败', expect.stringMatching(/^统一社会信用代码：应为18位/)],
      ['6', '没网格', '失败', '所属网格/楼栋：没有这个网格、楼栋、小区（或不在您的管辖范围内）'],
      ['7', '没此人', '失败', expect.stringMatching(/^经营者证件号码：没有登记此人/)],
      ['8', '重复店', '失败', '重复：与第2行是同一商铺（统一社会信用代码相同）'],
      ['9', '没房屋', '失败', '房屋编号：没有这套房屋（或不在您的管辖范围内）'],
      ['10', '别处房', '失败', expect.stringMatching(/^房屋地址：所属网格\/楼栋下没有这个地址的房屋/)],
      ['11', '', '失败', '店名：必填'],
      ['12', '按编号', '成功', ''],
      ['13', '已登记', '失败', '重复：此商铺已登记（统一社会信用代码相同）'],
    ]);
    const list = (await admin.get('/shops?_sort=name&_end=100')).json();
    expect(list.map((s: { name: string }) => s.name).sort()).toEqual(
      ['五金店', '小商品批发店', '按编号', '老店'].sort(),
    );
    const [operator] = (await admin.get(`/residents?idNumber=${OPERATOR_A}`)).json();
    const shopA = list.find((s: { name: string }) => s.name === '小商品批发店');
    const frontage = (await admin.get('/houses?q=宾王路3号')).json()[0];
    expect(shopA).toMatchObject({
      orgUnitId: city.units.gridA1a,
      licenceNo: licence(1),
      businessStreet: '宾王路',
      houseId: frontage.id,
      operatorId: operator.id,
    });
    expect(list.find((s: { name: string }) => s.name === '五金店')).toMatchObject({
      licenceNo: licence(2),
      houseId: null,
      operatorId: null,
    });
    expect(list.find((s: { name: string }) => s.name === '按编号')).toMatchObject({
      orgUnitId: b.xh2,
      houseId: house2,
    });
    expect((await admin.get('/audit-log?action=registry.shop.import')).json()).toHaveLength(2);
  });

  it('registers no shop twice on re-import', async () => {
    const res = await shops(adminToken, await workbook(shopRows(house2)));
    expect(res.headers).toMatchObject({ 'x-import-imported': '0', 'x-import-duplicates': '5' });
    expect((await admin.get('/shops')).headers['x-total-count']).toBe('4');
  });

  it('a community secretary cannot name a unit, a house or an operator outside her community', async () => {
    const qkHouse = (
      await admin.post('/houses', { orgUnitId: b.qk1, address: '青口小区1幢301室', use: 'shop' })
    ).json().id;
    const rows = [
      [...SHOP_HEADERS],
      ['青口店', licence(20), 'QK-1', '', '', '', ''],
      ['借房店', licence(21), '绣湖社区/绣湖第1网格', '', qkHouse, '', ''],
      ['借人店', licence(22), '绣湖社区/绣湖第1网格', '', '', '', OPERATOR_B],
      ['本社区', licence(23), '绣湖社区/绣湖第1网格', '', '', '', OPERATOR_A],
    ];
    const res = await shops(secToken, await workbook(rows));
    expect(outcomes(await rowsOf(res.rawPayload)).map((r) => [r[1], r[2], r[3]])).toEqual([
      ['青口店', '失败', '所属网格/楼栋：没有这个网格、楼栋、小区（或不在您的管辖范围内）'],
      ['借房店', '失败', '房屋编号：没有这套房屋（或不在您的管辖范围内）'],
      ['借人店', '失败', expect.stringMatching(/^经营者证件号码：没有登记此人（或不在您的管辖范围内）/)],
      ['本社区', '成功', ''],
    ]);
    const names = (await admin.get('/shops?_end=100')).json().map((s: { name: string }) => s.name);
    expect(names).not.toContain('青口店');
    expect(names).not.toContain('借房店');
    expect(names).not.toContain('借人店');
  });
});

/**
 * A body just over the upload cap, made cheaply: the rows of a real workbook (its zip entries, without
 * the central directory), then a stored entry of zeros that exceljs drains, handed out in 1 MiB slices
 * of one buffer as the server reads. Nothing of it is ever held whole.
 */
function overCap(file: Buffer, total: number): Readable {
  const eocd = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = file.subarray(0, file.readUInt32LE(eocd + 16));
  const name = Buffer.from('xl/media/padding.bin');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(total, 18); // stored: compressed size = size
  header.writeUInt32LE(total, 22);
  header.writeUInt16LE(name.length, 26);
  const zeros = Buffer.alloc(1 << 20);
  return Readable.from(
    (function* () {
      yield entries;
      yield Buffer.concat([header, name]);
      for (let sent = 0; sent < total; sent += zeros.length) yield zeros;
    })(),
  );
}

describe('the upload cap', () => {
  const capRows = () => [
    [...HOUSE_HEADERS],
    ['绣湖小区/1幢', '超限文件里的房屋', '', '', '自住', '', '', '', ''],
  ];

  it('cuts off an upload passing 64 MB as it streams: 413 naming the file, nothing written', async () => {
    const body = overCap(await workbook(capRows()), MAX_UPLOAD + (2 << 20));
    const res = await uploadTo(t.app, adminToken, '/houses/import', body);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'body_too_large', details: [{ field: 'file' }] });
    expect((await admin.get('/houses?q=超限')).json()).toEqual([]);
  });

  it('refuses a declared length over the cap before reading it', async () => {
    const res = await uploadTo(t.app, adminToken, '/houses/import', await workbook(capRows()), {
      'content-length': String(MAX_UPLOAD + 1),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().details).toEqual([{ field: 'file', reason: expect.stringContaining('64 MB') }]);
    expect((await admin.get('/houses?q=超限')).json()).toEqual([]);
  });

  it('a workbook under the cap with the same rows goes in (the cap, not the rows, refused it)', async () => {
    const res = await uploadTo(t.app, adminToken, '/houses/import', await workbook(capRows()));
    expect(res.headers['x-import-imported']).toBe('1');
  });
});
