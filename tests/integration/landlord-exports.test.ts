import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startApp, type TestApp } from '../support/app.ts';
import { download, rowsOf } from '../support/xlsx.ts';
import {
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

/**
 * The xlsx exports: the subjects list with its filters and this year's scores, and a month's results
 * (every row, the flag lists, the per-unit counts with the rate), each inside the caller's scope and
 * audited. The month's rows are written here as the job writes them (the job has its own tests).
 */
let t: TestApp;
let c: LandlordCity;
const s: Record<string, string> = {};
const tokens: Record<string, string> = {};
const P = `${Y1}-06`;
const THIS_YEAR = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startApp();
  c = await landlordCity(t);
  for (const u of ['admin', 'w-grida1a', 'workera1a', 'inspector'])
    tokens[u] = (await login(t.app, c.code, u)).accessToken;
  const u = c.units;
  const made = await t.db.withTenant(c.tenantId, async (tx) => ({
    zhao: await person(tx, u.gridA1a, '赵房东'),
    qian: await person(tx, u.gridA1a, '钱房东'),
    sun: await person(tx, u.gridA1b, '孙房东'),
    li: await person(tx, u.gridB1a, '李老板'),
    h1: await rentedHouse(tx, u.gridA1a, '绣湖小区7幢101'),
  }));
  s.zhao = await subject(c.admin, { kind: 'landlord', personId: made.zhao, houseIds: [made.h1] });
  s.qian = await subject(c.admin, { kind: 'landlord', personId: made.qian });
  s.sun = await subject(c.admin, { kind: 'landlord', personId: made.sun });
  const shopId = await t.db.withTenant(c.tenantId, (tx) => shop(tx, u.gridB1a, '李记小吃', made.li));
  s.li = await subject(c.admin, { kind: 'shop', shopId });
  // This year: 赵 loses 3 (escape window), 钱 2.
  expect((await record(c.admin, s.zhao, 'escape-window-blocked', THIS_YEAR)).statusCode).toBe(201);
  expect((await record(c.admin, s.qian, 'no-extinguisher', THIS_YEAR)).statusCode).toBe(201);
  // June of last year, as the monthly job writes it: 赵 yellow and enrolled, 李记 red.
  await t.db.withTenant(c.tenantId, async (tx) => {
    const row = (id: string, kind: string, unit: string, score: number, flag: string | null, ic = false) =>
      tx.query(
        `insert into landlord_scoring_assessment (tenant_id, period, subject_id, kind, org_unit_id, deductions,
           bonuses, score, flag, improvement_class, referral, tenants_verified, tenants_self_declared)
         values (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, false, ?, ?)`,
        [tx.tenantId, P, id, kind, unit, 12 - score, score, flag, ic, kind === 'landlord' ? 2 : 0, 1],
      );
    await row(s.zhao!, 'landlord', u.gridA1a, 5, 'yellow', true);
    await row(s.qian!, 'landlord', u.gridA1a, 12, null);
    await row(s.sun!, 'landlord', u.gridA1b, 10, null);
    await row(s.li!, 'shop', u.gridB1a, 12, 'red');
    await tx.query(
      `insert into landlord_scoring_assessment_run (tenant_id, period, run_id, subjects, state)
       values (?, ?, gen_random_uuid(), 4, 'completed')`,
      [tx.tenantId, P],
    );
    for (const [unit, level, landlords, yl, shops, rs, tv, tsd] of [
      [u.root, 'total', 3, 1, 1, 1, 6, 3],
      [u.streetA, 'street', 3, 1, 0, 0, 6, 3],
      [u.gridA1a, 'grid', 2, 1, 0, 0, 4, 1],
      [u.gridA1b, 'grid', 1, 0, 0, 0, 2, 2],
      [u.streetB, 'street', 0, 0, 1, 1, 0, 0],
    ] as const)
      await tx.query(
        `insert into landlord_scoring_report (tenant_id, period, org_unit_id, level, landlords, yellow_landlords,
           improvement_class, referrals, shops, yellow_shops, red_shops, tenants_verified, tenants_self_declared)
         values (?, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?, ?)`,
        [tx.tenantId, P, unit, level, landlords, yl, yl, shops, rs, tv, tsd],
      );
  });
});
afterAll(async () => {
  await t?.close();
});

const get = (user: string, url: string) => download(t.app, tokens[user]!, `${M}${url}`);
const names = (rows: string[][]) => rows.slice(1).map((r) => r[0]);

describe('xlsx exports', () => {
  it('exports the subjects list with its filters, this year’s scores and the latest flag, audited', async () => {
    const res = await get('admin', '/subjects/export.xlsx?_start=0&_end=2&_sort=name');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toContain('landlord-scoring-subjects.xlsx');
    const rows = await rowsOf(res.rawPayload);
    expect(rows[0]).toEqual([
      '名称',
      '类型',
      '所属单元',
      '建档日期',
      '本年分数',
      '本年扣分',
      '本年加分',
      '最新考评',
      '旗帜',
    ]);
    expect(rows).toHaveLength(5); // paging ignored: the whole list
    const zhao = rows.find((r) => r[0] === '赵房东')!;
    expect(zhao.slice(1, 3)).toEqual(['房东', '绣湖第1网格']);
    expect(zhao.slice(4)).toEqual(['9', '3', '0', P, '黄旗']);
    expect(rows.find((r) => r[0] === '李记小吃')!.slice(7)).toEqual([P, '红旗']);
    expect(res.headers['x-export-rows']).toBe('4');

    const landlords = await rowsOf((await get('admin', '/subjects/export.xlsx?kind=landlord')).rawPayload);
    expect(names(landlords).sort()).toEqual(['孙房东', '赵房东', '钱房东'].sort());
    const yellow = await rowsOf((await get('admin', '/subjects/export.xlsx?flag=yellow')).rawPayload);
    expect(names(yellow)).toEqual(['赵房东']);
    const under = await rowsOf(
      (await get('admin', `/subjects/export.xlsx?under=${c.units.streetB}`)).rawPayload,
    );
    expect(names(under)).toEqual(['李记小吃']);
    const byName = await rowsOf(
      (await get('admin', `/subjects/export.xlsx?q=${encodeURIComponent('钱')}`)).rawPayload,
    );
    expect(names(byName)).toEqual(['钱房东']);

    const audit = (await c.admin.get('/audit-log?action=landlord-scoring.subject.export')).json();
    expect(audit.length).toBe(5);
  });

  it('exports only inside the caller’s scope, and only with the export permission', async () => {
    // The grid leader of 绣湖第1网格: her grid's landlords only.
    const mine = await rowsOf((await get('w-grida1a', '/subjects/export.xlsx')).rawPayload);
    expect(names(mine).sort()).toEqual(['赵房东', '钱房东'].sort());
    const results = await get('w-grida1a', `/results/export.xlsx?period=${P}`);
    expect(results.statusCode).toBe(200);
    expect(names(await rowsOf(results.rawPayload, 0)).sort()).toEqual(['赵房东', '钱房东'].sort());
    expect(names(await rowsOf(results.rawPayload, 4))).toEqual(['绣湖第1网格']);
    // A grid worker keeps files but does not export them.
    const refused = await get('workera1a', '/subjects/export.xlsx');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).not.toContain('    at ');
    expect((await get('workera1a', `/results/export.xlsx?period=${P}`)).statusCode).toBe(403);
    // A bad month names the field.
    const bad = await get('admin', '/results/export.xlsx?period=2025-13');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('period');
  });

  it('exports a month’s results: every row, the flag lists and the per-unit counts with the rate', async () => {
    const res = await get('inspector', `/results/export.xlsx?period=${P}`);
    expect(res.statusCode, res.body).toBe(200);
    const all = await rowsOf(res.rawPayload, 0);
    expect(all[0]).toEqual([
      '名称',
      '类型',
      '所属单元',
      '扣分',
      '加分',
      '分数',
      '旗帜',
      '转优学习班',
      '移交处理',
      '核查租客',
      '房东自主申报',
    ]);
    // By score, lowest first (then by name).
    expect(names(all).slice(0, 2)).toEqual(['赵房东', '孙房东']);
    expect(names(all).slice(2).sort()).toEqual(['李记小吃', '钱房东'].sort());
    expect(all[1]).toEqual(['赵房东', '房东', '绣湖第1网格', '7', '0', '5', '黄旗', '是', '', '2', '1']);
    expect(names(await rowsOf(res.rawPayload, 1))).toEqual(['赵房东']);
    expect(names(await rowsOf(res.rawPayload, 2))).toEqual(['李记小吃']);
    expect(names(await rowsOf(res.rawPayload, 3))).toEqual(['赵房东']);
    const units = await rowsOf(res.rawPayload, 4);
    expect(units[0]!.at(-1)).toBe('自主申报率');
    // The city first, then streets, communities and grids (by name within a level).
    expect(units.slice(1).map((r) => r[1])).toEqual(['合计', '街道', '街道', '网格', '网格']);
    expect(
      Object.fromEntries(units.slice(1).map((r) => [r[0], [r.at(-3), r.at(-2), r.at(-1)]])),
    ).toMatchObject({
      稠城街道: ['6', '3', '50%'],
      江东街道: ['0', '0', ''],
      绣湖第1网格: ['4', '1', '25%'],
      绣湖第2网格: ['2', '2', '100%'],
    });
    const audit = (await c.admin.get('/audit-log?action=landlord-scoring.results.export')).json();
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });

  it('exports the appeals queue in scope, by state, with the record and the decision', async () => {
    const rec = async (id: string, item: string) => (await record(c.admin, id, item, THIS_YEAR)).json().id;
    const onZhao = await rec(s.zhao!, 'corridor-blocked');
    const onSun = await rec(s.sun!, 'no-extinguisher');
    for (const [recordId, reason] of [
      [onZhao, '楼道杂物系邻居所放'],
      [onSun, '灭火器已配备'],
    ])
      expect((await c.admin.post(`${M}/records/${recordId}/appeals`, { reason })).statusCode).toBe(201);
    const pending = (await c.admin.get(`${M}/appeals?state=pending`)).json() as Array<{
      id: string;
      recordId: string;
    }>;
    const sunAppeal = pending.find((a) => a.recordId === onSun)!;
    expect(
      (
        await c.admin.post(`${M}/appeals/${sunAppeal.id}/decision`, {
          decision: 'rejected',
          note: '现场核实未配备',
        })
      ).statusCode,
    ).toBe(200);

    const all = await get('admin', '/appeals/export.xlsx');
    expect(all.statusCode, all.body).toBe(200);
    const rows = await rowsOf(all.rawPayload);
    expect(rows[0]).toEqual([
      '提交时间',
      '名称',
      '类型',
      '所属单元',
      '扣分加分项',
      '分值',
      '发生日期',
      '申诉理由',
      '状态',
      '复核意见',
      '复核时间',
    ]);
    const byName = Object.fromEntries(rows.slice(1).map((r) => [r[1], r]));
    expect(Object.keys(byName).sort()).toEqual(['孙房东', '赵房东'].sort());
    expect(byName.赵房东!.slice(2, 10)).toEqual([
      '房东',
      '绣湖第1网格',
      '楼道、疏散通道堆放杂物',
      '−2',
      THIS_YEAR,
      '楼道杂物系邻居所放',
      '待复核',
      '',
    ]);
    expect(byName.孙房东!.slice(8, 10)).toEqual(['驳回', '现场核实未配备']);
    expect(byName.孙房东![10]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // The queue's filter, and the grid leader's scope (绣湖第1网格 only).
    expect(
      names(
        (await rowsOf((await get('admin', '/appeals/export.xlsx?state=rejected')).rawPayload)).map((r) =>
          r.slice(1),
        ),
      ),
    ).toEqual(['孙房东']);
    expect(
      names(
        (await rowsOf((await get('w-grida1a', '/appeals/export.xlsx')).rawPayload)).map((r) => r.slice(1)),
      ),
    ).toEqual(['赵房东']);
    expect((await get('workera1a', '/appeals/export.xlsx')).statusCode).toBe(403);
    expect((await get('admin', '/appeals/export.xlsx?state=open')).statusCode).toBe(400);
    // One audit row for each export made; the refused ones wrote none.
    const audit = (await c.admin.get('/audit-log?action=landlord-scoring.appeal.export')).json();
    expect(audit.length).toBe(3);
  });

  it('exports the rule catalogue in force on a date, item by item', async () => {
    const catalogue = (await c.admin.get(`${M}/rules/landlord`)).json() as {
      effectiveFrom: string;
      categories: Array<{ titleZh: string; items: Array<{ code: string; points: number; effect: string }> }>;
    };
    const res = await get('inspector', '/rules/landlord/export.xlsx');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toContain(
      `landlord-scoring-rules-landlord-${catalogue.effectiveFrom}.xlsx`,
    );
    const rows = await rowsOf(res.rawPayload);
    expect(rows[0]).toEqual([
      '类别',
      '类别（英文）',
      '代码',
      '名称',
      '名称（英文）',
      '类型',
      '分值',
      '每月上限',
    ]);
    const items = catalogue.categories.flatMap((cat) =>
      cat.items.map((i) => [cat.titleZh, i.code, String(i.points)]),
    );
    expect(rows.slice(1).map((r) => [r[0], r[2], r[6]])).toEqual(items);
    expect(rows.filter((r) => r[5] === '扣分')).toHaveLength(17); // Yiwu's 17 deduction items
    const shops = await rowsOf((await get('admin', '/rules/shop/export.xlsx')).rawPayload);
    expect(shops.filter((r) => r[5] === '扣分')).toHaveLength(38);
    // Before the first version there is none; a grid worker exports nothing.
    expect((await get('admin', '/rules/landlord/export.xlsx?on=1999-01-01')).statusCode).toBe(404);
    expect((await get('workera1a', '/rules/landlord/export.xlsx')).statusCode).toBe(403);
    expect((await get('admin', '/rules/landlord/export.xlsx?on=2025-02-30')).statusCode).toBe(400);
  });
});
