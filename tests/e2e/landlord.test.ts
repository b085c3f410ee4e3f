import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../support/xlsx.ts';
import {
  BROWSER_SETUP_MS,
  clickInPopup,
  DEMO_PASSWORD,
  launchBrowser,
  loginAs,
  menuTexts,
  okModal,
  pickUnit,
  releaseBrowserTurn,
  requireChromium,
  type Server,
  screenshot,
  startServer,
  switchLanguage,
  takeBrowserTurn,
} from './support.ts';

/**
 * The landlord-scoring module's pages in headless Chromium against the real API on a fresh database
 * with the demo tenant: a grid worker on a phone records a deduction through the form and sees the
 * file's score drop (as the API counts it), a capped bonus refused on its field; her appeal upheld by
 * the community secretary voids the record; the module switched off hides its menu.
 */
let server: Server;
let browser: Browser;
let closeBrowser: () => Promise<void>;

const PHONE = { width: 390, height: 844 };
/** A PNG's signature and header: what the server tells a photo by. */
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR-evidence'),
]);
const BASE = '/m/landlord-scoring';

interface Client {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  put(path: string, body: unknown): Promise<number>;
}

async function apiAs(username: string): Promise<Client> {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'yiwu', username, password: DEMO_PASSWORD }),
  });
  expect(login.status).toBe(200);
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    async get<T>(path: string) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    },
    async post<T>(path: string, body: unknown) {
      const res = await call('POST', path, body);
      return { status: res.status, body: (await res.json()) as T };
    },
    async put(path: string, body: unknown) {
      return (await call('PUT', path, body)).status;
    },
  };
}

interface Item {
  code: string;
  titleZh: string;
  titleEn: string;
  effect: string;
  points: number;
  monthlyCap: number | null;
}
interface FileView {
  score: number;
  records: Array<{
    id: string;
    itemCode: string;
    voided: boolean;
    voidReason: string | null;
    photos: number;
  }>;
}

let worker: Client;
/** Two landlords in the grid worker's grid: one for the deduction and appeal, one for the capped bonus. */
let landlord = '';
let second = '';
/** A landlord registered before last month with a deduction in it: last month's assessment flags her. */
let flagged = '';
/** Last month (tenant zone ≈ the test machine's date: the demo tenant is Asia/Shanghai). */
let lastMonth = '';
/** The grid worker's grid, by name. */
let gridName = '';
let deduction: Item;
let bonus: Item;

beforeAll(async () => {
  requireChromium();
  await takeBrowserTurn();
  // With the worker: last month's assessment runs as the monthly job does.
  server = await startServer({ worker: true });
  ({ browser, close: closeBrowser } = await launchBrowser());
  worker = await apiAs('gridworker');
  const me = await worker.get<{ grants: Array<{ orgUnitId: string }> }>('/me');
  const grid = me.grants[0]!.orgUnitId;
  gridName = (await worker.get<{ name: string }>(`/org-units/${grid}`)).name;
  const houses = await worker.get<Array<{ id: string }>>(`/houses?under=${grid}&use=rented&_end=10`);
  // People of her grid without a file yet (the demo data has landlords there already).
  const filed = new Set(
    (await worker.get<Array<{ personId: string | null }>>(`${BASE}/subjects?_end=500`)).map(
      (s) => s.personId,
    ),
  );
  const people = (await worker.get<Array<{ id: string }>>(`/residents?under=${grid}&_end=60`)).filter(
    (p) => !filed.has(p.id),
  );
  expect(houses.length).toBeGreaterThan(2);
  expect(people.length).toBeGreaterThan(2);
  const subject = async (i: number, registeredOn?: string) => {
    const r = await worker.post<{ id: string }>(`${BASE}/subjects`, {
      kind: 'landlord',
      personId: people[i]!.id,
      houseIds: [houses[i]!.id],
      ...(registeredOn ? { registeredOn } : {}),
    });
    expect(r.status).toBe(201);
    return r.body.id;
  };
  landlord = await subject(0);
  second = await subject(1);
  const rules = await worker.get<{ categories: Array<{ items: Item[] }> }>(`${BASE}/rules/landlord`);
  const items = rules.categories.flatMap((c) => c.items);
  deduction = items.find((i) => i.effect === 'deduction' && i.points >= 2)!;
  bonus = items.find((i) => i.effect === 'bonus' && i.monthlyCap != null)!;
  expect(deduction && bonus).toBeTruthy();

  const d = new Date(Date.now() + 8 * 3_600_000);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  lastMonth = d.toISOString().slice(0, 7);
  flagged = await subject(2, `${lastMonth}-01`);
  const big = items.find((i) => i.effect === 'deduction' && i.points >= 6)!;
  const rec = await worker.post(`${BASE}/records`, {
    subjectId: flagged,
    itemCode: big.code,
    occurredOn: `${lastMonth}-15`,
  });
  expect(rec.status).toBe(201);
  const admin = await apiAs('admin');
  const run = await admin.post<{ jobId: string }>(`${BASE}/assessments/run`, { period: lastMonth });
  expect(run.status).toBe(202);
  // The worker assesses the month; its report row is written last, with the run's completion.
  let reported = 0;
  for (let i = 0; i < 240 && reported === 0; i++) {
    reported = (await admin.get<unknown[]>(`${BASE}/reports?period=${lastMonth}&level=total`)).length;
    if (reported === 0) await new Promise((r) => setTimeout(r, 250));
  }
  expect(reported).toBe(1);
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
  releaseBrowserTurn();
});

const fileScore = async (page: Page) =>
  Number(await page.locator('[data-testid=ls-file-score]').getAttribute('data-score'));

/** Picks a rule item in the record form by its localized title. */
async function pickItem(page: Page, title: string) {
  await page.click('#ls-itemCode');
  await page.fill('#ls-itemCode', title);
  await clickInPopup(
    page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: title }).first(),
  );
}

describe('landlord scoring in the admin', { timeout: 180_000 }, () => {
  it('a grid worker on a phone records a deduction and sees the score drop on the file', async () => {
    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'gridworker' },
      PHONE,
    );
    await page.goto(`${BASE}/subjects`);
    // A phone shows the list as cards.
    const card = page.locator(`[data-testid=ls-subject-card][data-id="${landlord}"]`);
    await card.waitFor();
    expect(await page.locator('.ant-table').count()).toBe(0);
    // Filtered by the latest assessment's flag: she has not been assessed yet, so she has none.
    await page.click('[data-testid=ls-flag-yellow]');
    await expect.poll(() => card.count()).toBe(0);
    await page.locator('[data-testid=ls-subjects] .ant-segmented-item', { hasText: '全部旗帜' }).click();
    // Filtered by her grid: its subtree, where the landlord is managed on the rented house's unit.
    await pickUnit(page, 'ls-unit', gridName);
    await page.waitForSelector('[data-testid=ls-unit-clear]');
    await card.click();
    await page.waitForSelector('[data-testid=ls-file]');
    expect(await fileScore(page)).toBe(12);
    await page.waitForSelector('[data-testid=ls-score-chart] canvas');

    await page.click('[data-testid=ls-file-record]');
    await page.waitForSelector('[data-testid=ls-record-form]');
    await expect.poll(() => page.locator('#ls-itemCode').isEnabled()).toBe(true);
    await pickItem(page, deduction.titleZh);
    await page.fill('#ls-witness', '王师傅');
    await page.fill('#ls-note', '楼道堆放杂物，已当面告知');
    // An evidence photo from the phone's camera or gallery.
    const photoInput = page.locator('[data-testid=ls-record-form] input[type=file]');
    expect(await photoInput.getAttribute('accept')).toBe('image/*');
    await photoInput.setInputFiles({ name: '楼道.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('[data-testid=ls-record-form] .ant-upload-list-item').waitFor();
    await screenshot(page, 'landlord-01-record-form-phone');
    await page.click('[data-testid=ls-record-submit]');

    await page.waitForURL((u) => u.pathname === `${BASE}/subjects/${landlord}`);
    await expect.poll(() => fileScore(page)).toBe(12 - deduction.points);
    const api = await worker.get<FileView>(`${BASE}/subjects/${landlord}`);
    expect(api.score).toBe(12 - deduction.points);
    expect(api.records.find((r) => r.itemCode === deduction.code)!.photos).toBe(1);
    expect(await fileScore(page)).toBe(api.score);
    await expect
      .poll(() => page.locator('[data-testid=ls-record] [data-testid=ls-record-title]').first().textContent())
      .toBe(deduction.titleZh);
    // The timeline ends at the server's score.
    const points = JSON.parse(
      (await page.locator('[data-testid=ls-score-chart]').getAttribute('data-points'))!,
    ) as Array<[string, number]>;
    expect(points.at(-1)![1]).toBe(api.score);
    await screenshot(page, 'landlord-02-file-phone');

    // A bonus past its monthly cap: the server's 400 on itemCode is shown on the item field.
    const today = new Date().toISOString().slice(0, 10);
    for (let i = 0; i < bonus.monthlyCap!; i++) {
      const r = await worker.post(`${BASE}/records`, {
        subjectId: second,
        itemCode: bonus.code,
        occurredOn: today,
      });
      expect(r.status).toBe(201);
    }
    await page.goto(`${BASE}/record?subject=${second}`);
    await page.waitForSelector('[data-testid=ls-record-form]');
    await expect.poll(() => page.locator('#ls-itemCode').isEnabled()).toBe(true);
    await page.click('[data-testid=ls-effect-bonus]');
    await pickItem(page, bonus.titleZh);
    await page.click('[data-testid=ls-record-submit]');
    await page.locator('.ant-form-item-explain-error', { hasText: '本月加分已达上限' }).waitFor();
    expect(page.url()).toContain(`${BASE}/record`);
    await screenshot(page, 'landlord-03-cap-refused');
    await context.close();
  });

  it('an appeal upheld by the community secretary voids the record: the score is back', async () => {
    const { record } = await (async () => {
      const f = await worker.get<FileView>(`${BASE}/subjects/${landlord}`);
      return { record: f.records.find((r) => r.itemCode === deduction.code)! };
    })();
    // The grid worker files the appeal from the file, on her phone.
    const w = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'gridworker' }, PHONE);
    await w.page.goto(`${BASE}/subjects/${landlord}`);
    await w.page.locator(`[data-testid=ls-record][data-id="${record.id}"] [data-testid=ls-appeal]`).click();
    await w.page.waitForSelector('[data-testid=ls-appeal-dialog]');
    await w.page.fill('#ls-appeal-reason', '杂物系邻居所放，非房东责任');
    await okModal(w.page);
    await w.page
      .locator(`[data-testid=ls-record][data-id="${record.id}"] [data-testid=ls-appeal-state]`, {
        hasText: '申诉中',
      })
      .waitFor();
    await w.context.close();

    // The secretary upholds it from the queue.
    const s = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'secretary' });
    // Her dashboard counts the appeal waiting for her.
    await s.page.goto('/');
    await s.page
      .locator('[data-testid=ls-widget-pending] .ant-statistic-content-value', { hasText: /^1$/ })
      .waitFor();
    await s.page.goto(`${BASE}/appeals`);
    const item = s.page.locator('[data-testid=ls-appeal-item]', { hasText: '杂物系邻居所放' });
    await item.waitFor();
    await item.locator('[data-testid=ls-appeal-uphold]').click();
    await s.page.waitForSelector('[data-testid=ls-decision-dialog]');
    // No reason, no voiding: the form says so in her language.
    await okModal(s.page);
    await s.page.locator('.ant-form-item-explain-error', { hasText: '请填写作废理由' }).waitFor();
    await s.page.fill('#ls-decision-note', '经核实非房东责任');
    await okModal(s.page);
    await expect.poll(() => item.count()).toBe(0);
    await screenshot(s.page, 'landlord-04-appeals');

    const api = await worker.get<FileView>(`${BASE}/subjects/${landlord}`);
    expect(api.score).toBe(12);
    expect(api.records.find((r) => r.id === record.id)).toMatchObject({
      voided: true,
      voidReason: '经核实非房东责任',
    });
    await s.page.goto(`${BASE}/subjects/${landlord}`);
    const line = s.page.locator(`[data-testid=ls-record][data-id="${record.id}"]`);
    await expect.poll(() => line.getAttribute('data-voided')).toBe('true');
    expect(await line.locator('del').count()).toBeGreaterThan(0);
    expect(await line.locator('[data-testid=ls-void-reason]').textContent()).toContain('经核实非房东责任');
    expect(await fileScore(s.page)).toBe(12);
    await screenshot(s.page, 'landlord-05-voided');
    // In English the item reads by its English title and the void line is worded in English.
    await switchLanguage(s.page, 'English');
    await expect
      .poll(() => line.locator('[data-testid=ls-record-title]').textContent())
      .toBe(deduction.titleEn);
    expect(await line.locator('[data-testid=ls-void-reason]').textContent()).toBe('Void: 经核实非房东责任');
    await switchLanguage(s.page, '中文');
    await s.context.close();
  });

  it('a community secretary reads the flag list and per-unit counts of last month', async () => {
    const secretary = await apiAs('secretary');
    const yellow = await secretary.get<Array<{ subjectId: string; name: string }>>(
      `${BASE}/assessments?period=${lastMonth}&flag=yellow`,
    );
    // Hers among the demo's yellow-flag files of the community.
    expect(yellow.map((a) => a.subjectId)).toContain(flagged);
    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'secretary' });
    await page.goto(`${BASE}/results`);
    await page.waitForSelector('[data-testid=ls-results] .ant-tabs');
    expect(await page.locator('#ls-period').inputValue()).toBe(lastMonth);
    await page.locator('[data-testid=ls-results] .ant-segmented-item', { hasText: '黄旗' }).click();
    const rows = page.locator('[data-testid=ls-assessment]');
    await expect.poll(() => rows.count()).toBe(yellow.length);
    const flags = await rows
      .locator('[data-testid=flag-tag]')
      .evaluateAll((tags) => tags.map((t) => t.getAttribute('data-flag')));
    expect(flags).toEqual(yellow.map(() => 'yellow'));
    await page.locator('[data-testid=ls-results] .ant-tabs-tab', { hasText: '各单元统计' }).click();
    const reports = await secretary.get<
      Array<{ name: string; level: string; landlords: number; yellowLandlords: number }>
    >(`${BASE}/reports?period=${lastMonth}&_end=50`);
    await expect.poll(() => page.locator('[data-testid=ls-report]').count()).toBe(reports.length);
    expect(reports.some((r) => r.yellowLandlords >= 1)).toBe(true);
    await screenshot(page, 'landlord-05b-results');
    // "Export to Excel": the month's workbook, its yellow-flag sheet the same files as the list.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=ls-export]'),
    ]);
    expect(download.suggestedFilename()).toBe(`landlord-scoring-${lastMonth}.xlsx`);
    const book = await readFile((await download.path())!);
    const [header, ...flaggedRows] = await rowsOf(book, 1);
    expect(header![0]).toBeTruthy();
    expect(flaggedRows.map((r) => r[0]).sort()).toEqual(yellow.map((a) => a.name).sort());
    const perUnit = await rowsOf(book, 4);
    expect(perUnit).toHaveLength(reports.length + 1);
    // The trend: last month's yellow-flag share of her community's landlords, as the report counts it.
    const community = reports.find((r) => r.level === 'community')!;
    await page.locator('[data-testid=ls-results] .ant-tabs-tab', { hasText: '近 12 个月趋势' }).click();
    const chart = page.locator('[data-testid=ls-trend-chart]');
    await chart.waitFor();
    const series = JSON.parse((await chart.getAttribute('data-series'))!) as Array<Array<number | null>>;
    expect(JSON.parse((await chart.getAttribute('data-months'))!).at(-1)).toBe(lastMonth);
    // (The chart's shares are kept to four decimals.)
    expect(series[0]!.at(-1)).toBe(Math.round((community.yellowLandlords / community.landlords) * 1e4) / 1e4);
    // The file shows the flag of last month's assessment.
    await page.goto(`${BASE}/subjects/${flagged}`);
    await page.waitForSelector('[data-testid=ls-file] [data-testid=flag-tag][data-flag=yellow]');
    await context.close();
  });

  it('the catalogue editor saves a new version of the landlord rules from a later date', async () => {
    const admin = await apiAs('admin');
    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });
    // The catalogue editor: a new version of the landlords' rules from a later date.
    const versions = await admin.get<Array<{ effectiveFrom: string }>>(`${BASE}/rules/landlord/versions`);
    const latest = versions
      .map((v) => v.effectiveFrom)
      .sort()
      .at(-1)!;
    await page.goto(`${BASE}/rules`);
    await page.waitForSelector('[data-testid=ls-rule-item]');
    // "Export to Excel": the catalogue shown, item by item.
    const [sheet] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=ls-export]')]);
    const shown = await page.locator('[data-testid=ls-rule-item]').count();
    expect((await rowsOf(await readFile((await sheet.path())!))).length - 1).toBe(shown);
    await page.click('[data-testid=ls-rule-new]');
    await page.waitForSelector('[data-testid=ls-rule-editor]');
    const points = page.locator('[data-testid=ls-rule-edit-item]').first().locator('.ant-input-number-input');
    await points.first().fill('3');
    // Dated on the latest version's day: the server's 409 lands on the date field.
    const date = page.locator('#ls-rule-effectiveFrom');
    await date.click();
    await date.fill(latest);
    await page.click('#ls-rule-note');
    await page.click('[data-testid=ls-rule-save]');
    await page
      .locator('.ant-form-item', { has: date })
      .locator('.ant-form-item-explain-error', { hasText: '生效日期须晚于最新版本' })
      .waitFor();
    const from = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    await date.click();
    await date.fill(from);
    await page.click('#ls-rule-note');
    await page.click('[data-testid=ls-rule-save]');
    await expect.poll(() => page.locator('[data-testid=ls-rule-version]').count()).toBe(versions.length + 1);
    const next = await admin.get<{ effectiveFrom: string; categories: Array<{ items: Item[] }> }>(
      `${BASE}/rules/landlord?on=${from}`,
    );
    expect(next.effectiveFrom).toBe(from);
    expect(next.categories[0]!.items[0]!.points).toBe(3);
    await screenshot(page, 'landlord-06-rules');
    await context.close();
  }, 60_000);

  it('switched off, the module leaves the menu', async () => {
    const admin = await apiAs('admin');
    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });
    await page.goto(`${BASE}/subjects`);
    await page.waitForSelector('[data-testid=ls-subjects]');
    expect(await menuTexts(page)).toContain('十二分制');
    await page.goto('/');
    await page.waitForSelector('[data-testid=ls-widget]');

    await page.goto('/modules');
    const toggle = page.locator('[data-testid=module-switch-landlord-scoring]');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await expect.poll(() => menuTexts(page)).not.toContain('十二分制');
    await page.goto(`${BASE}/subjects`);
    await page.locator('.ant-result-404').waitFor();
    expect(await page.locator('[data-testid=ls-subjects]').count()).toBe(0);
    await page.goto('/');
    await page.waitForSelector('[data-testid=dashboard] .ant-statistic');
    expect(await page.locator('[data-testid=ls-widget]').count()).toBe(0);
    await screenshot(page, 'landlord-07-module-off');
    expect(await admin.put('/modules/landlord-scoring', { enabled: true })).toBe(200);
    await context.close();
  });
});
