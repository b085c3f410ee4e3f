import { HOUSE_HEADERS, SHOP_HEADERS, unifiedCreditCode } from '@civicgrid/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, type TestApp } from '../support/app.ts';
import { importFinished, startAppWithWorker } from '../support/app-worker.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { download, rowsOf, uploadTo, workbook } from '../support/xlsx.ts';

/**
 * Houses and shops are kinds of IMPORT_KINDS like residents: the background import runs them through
 * the same `run(source, opts)` in a real worker, with the uploader's scope, and keeps their report.
 */

let t: TestApp;
let city: CityFixture;
let admin: Client;
let secToken: string;

beforeAll(async () => {
  t = await startAppWithWorker('postgres', 'placeimport');
  city = await buildCity(t.db);
  admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
  secToken = (await login(t.app, city.code, 'seca1')).accessToken;
});
afterAll(async () => {
  await t?.close();
});

describe('houses and shops as background imports', () => {
  it("run in the worker inside the uploader's scope, with the per-row report kept", async () => {
    const houses = await workbook([
      [...HOUSE_HEADERS],
      ['绣湖社区/绣湖第1网格', '绣湖第1网格临街1号', '1', '30', '商铺', '', '', '是', '否'],
      ['青口社区/青口第1网格', '青口第1网格临街1号', '1', '30', '商铺', '', '', '', ''],
      ['绣湖社区/绣湖第2网格', '绣湖第2网格临街1号', '', '', '出售', '', '', '', ''],
    ]);
    const queued = await uploadTo(t.app, secToken, '/houses/imports', houses);
    expect(queued.statusCode).toBe(202);
    const done = await importFinished(t, secToken, queued.json().id);
    expect(done).toMatchObject({ state: 'completed', rows: 3, imported: 1, failed: 2, duplicates: 0 });
    const report = await rowsOf(
      (await download(t.app, secToken, `/imports/${done.id}/report.xlsx`)).rawPayload,
    );
    expect(report.slice(1).map((r) => [r[0], r.at(-2), r.at(-1)])).toEqual([
      ['2', '成功', ''],
      ['3', '失败', '所属楼栋/网格：没有这个楼栋、小区、网格（或不在您的管辖范围内）'],
      ['4', '失败', '用途：应为“自住”“出租”“商铺”或“空置”'],
    ]);
    expect((await admin.get('/houses')).json().map((h: { address: string }) => h.address)).toEqual([
      '绣湖第1网格临街1号',
    ]);

    const shops = await workbook([
      [...SHOP_HEADERS],
      [
        '临街小店',
        unifiedCreditCode('92', '330782', '30000001'),
        '绣湖社区/绣湖第1网格',
        '',
        '',
        '绣湖第1网格临街1号',
        '',
      ],
    ]);
    const shopJob = await uploadTo(t.app, secToken, '/shops/imports', shops);
    expect(await importFinished(t, secToken, shopJob.json().id)).toMatchObject({
      state: 'completed',
      imported: 1,
    });
    const [shop] = (await admin.get('/shops')).json();
    const [house] = (await admin.get('/houses')).json();
    expect(shop).toMatchObject({ name: '临街小店', houseId: house.id });
  });
});
