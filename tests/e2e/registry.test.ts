import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeIdCard, RESIDENT_HEADERS } from '@civicgrid/registry';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, workbook } from '../support/xlsx.ts';
import {
  BROWSER_SETUP_MS,
  clickInPopup,
  launchBrowser,
  loginAs,
  pickOption,
  pickUnit,
  releaseBrowserTurn,
  requireChromium,
  SCREENSHOTS,
  type Server,
  screenshot,
  startServer,
  takeBrowserTurn,
} from './support.ts';

/**
 * The registry pages (residents, houses, shops, imports) in headless Chromium against the real API
 * with its worker beside it (background imports need one), on a fresh database with the demo tenant.
 */
let server: Server;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  requireChromium();
  await takeBrowserTurn();
  server = await startServer({ worker: true });
  ({ browser, close: closeBrowser } = await launchBrowser());
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
  releaseBrowserTurn();
});

/** Logged in through the login page; an uncaught error in the page is printed (a failing step says why). */
async function as(username: string, viewport?: { width: number; height: number }) {
  const r = await loginAs(browser, server.url, { tenant: 'yiwu', username }, viewport);
  r.page.on('pageerror', (e) => console.error(`page error (${username}): ${e.stack ?? e.message}`));
  r.page.on('response', (res) => {
    if (res.status() >= 400 && !res.url().includes('/api/'))
      console.error(`page load (${username}): ${res.status()} ${res.url()}`);
  });
  return r;
}
const tenantAdmin = () => as('admin');

/** The API as the page's own user (her access token from localStorage). */
async function apiOf(page: Page) {
  const token = await page.evaluate('localStorage.getItem("civicgrid.accessToken")');
  return async <T>(path: string): Promise<{ body: T; total: number }> => {
    const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    return { body: (await res.json()) as T, total: Number(res.headers.get('x-total-count')) };
  };
}

/** Picks an option of an antd Select without search (also when one is chosen already). */
async function choose(page: Page, inputId: string, label: string) {
  await page.locator('.ant-select-selector', { has: page.locator(`#${inputId}`) }).click();
  await clickInPopup(
    page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: label }),
  );
}

const idNumber = makeIdCard('330782', '19850312', 417);

describe('registry pages in a browser', { timeout: 180_000 }, () => {
  it('registers a resident through the form, refuses the same ID number on its field, and opens the detail', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    const { body: houses } = await api<Array<{ id: string; address: string }>>('/houses?_end=1');
    const house = houses[0]!;

    await page.goto('/registry/residents');
    // The first page of the run may wait on the worker's start (tsx compiling it on shared cores).
    await page.click('[data-testid=resident-create]', { timeout: 90_000 });
    await page.waitForSelector('[data-testid=resident-form]');
    await pickOption(page, 'resident-houseId', house.address);
    await page.fill('#resident-name', '测试居民');
    await page.fill('#resident-idNumber', idNumber);
    await page.fill('#resident-phone', '13912345678');
    await page.click('[data-testid=form-save]');
    await page.waitForURL(/\/registry\/residents\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    await page.waitForSelector('[data-testid=resident-detail]');
    expect(await page.locator('[data-testid=resident-title]').textContent()).toBe('测试居民');
    // Derived from the ID number and translated; the number itself masked.
    const identity = page.locator('[data-testid=resident-identity]');
    await identity.getByText('1985-03-12').waitFor();
    await identity.getByText('户籍人口').waitFor();
    expect(await page.locator('[data-testid=masked-idNumber]').textContent()).toMatch(
      /^330782\*+\d{3}[\dX]$/,
    );
    // Where she lives: the house picked, current.
    await page.locator('[data-testid=resident-residences]', { hasText: house.address }).waitFor();
    await page.locator('[data-testid=resident-residences]').getByText('现居住').waitFor();
    await screenshot(page, 'registry-01-resident-detail');

    // The same person again: the server's 409 lands on the ID number field, translated.
    const { total } = await api(`/residents?q=${encodeURIComponent('测试')}`);
    await page.goto('/registry/residents/new');
    await pickOption(page, 'resident-houseId', house.address);
    await page.fill('#resident-name', '重复居民');
    await page.fill('#resident-idNumber', idNumber);
    await page.click('[data-testid=form-save]');
    const fieldError = page.locator('.ant-form-item-has-error', { has: page.locator('#resident-idNumber') });
    await fieldError.getByText('该证件号码的居民已登记').waitFor();
    // A wrong check digit: said on the same field, nothing written.
    await page.fill('#resident-idNumber', `${idNumber.slice(0, 17)}${idNumber[17] === '0' ? '1' : '0'}`);
    await page.click('[data-testid=form-save]');
    await fieldError.getByText('身份证号校验位不正确').waitFor();
    await screenshot(page, 'registry-02-resident-form-errors');
    expect(page.url()).toMatch(/\/registry\/residents\/new$/);
    expect((await api(`/residents?q=${encodeURIComponent('测试')}`)).total).toBe(total);
    expect((await api<{ id: string }[]>(`/residents/${id}`)).body).toBeTruthy();
    await context.close();
  });

  it('"show" reveals the full ID number and writes an audit row', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    const { body: found } = await api<Array<{ id: string }>>(`/residents?idNumber=${idNumber}`);
    expect(found).toHaveLength(1);
    const id = found[0]!.id;
    const audited = async () =>
      (await api<unknown[]>(`/audit-log?action=registry.pii.reveal&targetId=${id}`)).body.length;
    expect(await audited()).toBe(0);

    await page.goto('/registry/residents');
    await page.fill('#residents-q', '测试居民');
    await page.press('#residents-q', 'Enter');
    await page.locator('[data-testid=resident-link]', { hasText: '测试居民' }).click();
    await page.waitForURL(`**/registry/residents/${id}`);
    expect(await page.locator('[data-testid=revealed-idNumber]').count()).toBe(0);
    await page.click('[data-testid=reveal-idNumber]');
    await clickInPopup(page.locator('.ant-modal-confirm-btns .ant-btn-primary'));
    await expect.poll(() => page.locator('[data-testid=revealed-idNumber]').textContent()).toBe(idNumber);
    await screenshot(page, 'registry-03-revealed');
    expect(await audited()).toBe(1);
    const { body: rows } = await api<Array<{ actorName: string; diff: unknown }>>(
      `/audit-log?action=registry.pii.reveal&targetId=${id}`,
    );
    // Who saw which field; never the value.
    expect(JSON.stringify(rows[0])).toContain('idNumber');
    expect(JSON.stringify(rows[0])).not.toContain(idNumber);
    await context.close();
  });

  it('adds a focus group and records a visit on the detail page', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    const { body: found } = await api<Array<{ id: string }>>(`/residents?idNumber=${idNumber}`);
    const id = found[0]!.id;
    await page.goto(`/registry/residents/${id}`);
    const tags = page.locator('[data-testid=resident-tags]');
    await tags.getByText('无').waitFor();
    await choose(page, 'tag-pick', '独居老人');
    await page.click('[data-testid=tag-add]');
    await page.locator('[data-testid=tag-elderly-alone]').waitFor();
    const detail = async () =>
      (await api<{ tags: Array<{ key: string }> }>(`/residents/${id}`)).body.tags.map((t) => t.key);
    expect(await detail()).toEqual(['elderly-alone']);

    await page.fill('#visit-note', '上门走访，一切正常。');
    await page.click('[data-testid=visit-save]');
    await page.locator('[data-testid=visit-list]').getByText('上门走访，一切正常。').waitFor();
    const { body: visits } = await api<Array<{ note: string; visitorName: string }>>(
      `/residents/${id}/visits`,
    );
    expect(visits).toMatchObject([{ note: '上门走访，一切正常。', visitorName: expect.any(String) }]);
    await screenshot(page, 'registry-04-tag-and-visit');

    // Removing the group: gone on the page and on the server.
    await page.locator('[data-testid=tag-elderly-alone] .ant-tag-close-icon').click();
    await tags.getByText('无').waitFor();
    expect(await detail()).toEqual([]);
    await context.close();
  });

  it('registers a house through its form, refuses the same address on the same unit on its field, and edits its use', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    const { body: grids } = await api<Array<{ name: string }>>('/org-units?kind=grid&_end=1');
    const address = 'E2E测试路8号101室';
    const fill = async () => {
      await page.goto('/registry/houses');
      await page.click('[data-testid=houses-create]');
      await page.waitForSelector('[data-testid=house-form]');
      await pickUnit(page, 'house-orgUnitId', grids[0]!.name);
      await page.fill('#house-address', address);
      await page.fill('#house-floor', '1');
      await page.fill('#house-area', '88.5');
      await page.click('[data-testid=form-save]');
    };
    await fill();
    await page.waitForURL((u) => u.pathname === '/registry/houses');
    const { body: created } = await api<Array<{ id: string; use: string; area: number }>>(
      `/houses?q=${encodeURIComponent('E2E测试路')}`,
    );
    expect(created).toMatchObject([{ use: 'own-occupied', area: 88.5 }]);

    await fill();
    const addressField = page.locator('.ant-form-item-has-error', { has: page.locator('#house-address') });
    await addressField.getByText('该单元下已登记此地址的房屋').waitFor();
    expect((await api(`/houses?q=${encodeURIComponent('E2E测试路')}`)).total).toBe(1);

    await page.goto('/registry/houses');
    await page.fill('#houses-q', 'E2E测试路');
    await page.press('#houses-q', 'Enter');
    await page.locator('[data-testid=houses-edit-link]', { hasText: address }).click();
    await page.waitForURL(`**/registry/houses/${created[0]!.id}/edit`);
    await choose(page, 'house-use', '出租');
    await page.click('[data-testid=form-save]');
    await page.waitForURL((u) => u.pathname === '/registry/houses');
    const { body: edited } = await api<Array<{ use: string; floor: number }>>(
      `/houses?q=${encodeURIComponent('E2E测试路')}`,
    );
    expect(edited).toMatchObject([{ use: 'rented', floor: 1 }]);
    await context.close();
  });

  it('registers a shop on a phone: the form is one column, a second shop with the same licence number is refused on that field', async () => {
    const { context, page } = await as('admin', { width: 390, height: 844 });
    const api = await apiOf(page);
    const { body: grids } = await api<Array<{ name: string }>>('/org-units?kind=grid&_end=1');
    const licence = '91330782MA2E2E0001';
    const register = async (name: string) => {
      await page.goto('/registry/shops');
      await page.click('[data-testid=shops-create]');
      await page.waitForSelector('[data-testid=shop-form]');
      await pickUnit(page, 'shop-orgUnitId', grids[0]!.name);
      await page.fill('#shop-name', name);
      await page.fill('#shop-licenceNo', licence);
      await page.click('[data-testid=form-save]');
    };
    await register('测试便利店');
    await page.waitForURL((u) => u.pathname === '/registry/shops');
    await page.locator('[data-testid=shops-cards] [data-testid=record-card]').first().waitFor();
    expect((await api(`/shops?q=${encodeURIComponent('测试便利店')}`)).total).toBe(1);

    await register('另一家店');
    const field = page.locator('.ant-form-item-has-error', { has: page.locator('#shop-licenceNo') });
    await field.getByText('已有商铺使用此统一社会信用代码').waitFor();
    // One column, nothing wider than the screen.
    const name = (await page.locator('#shop-name').boundingBox())!;
    const licenceBox = (await page.locator('#shop-licenceNo').boundingBox())!;
    expect(Math.abs(name.x - licenceBox.x)).toBeLessThan(2);
    expect(licenceBox.y).toBeGreaterThan(name.y + name.height);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'registry-05-phone-shop-form');
    expect((await api(`/shops?q=${encodeURIComponent('另一家店')}`)).total).toBe(0);
    await context.close();
  });

  it('exports the houses list with its current filter: the xlsx rows are the filtered list', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    await page.goto('/registry/houses');
    await page.waitForSelector('[data-testid=houses-table] .ant-table-row');
    await choose(page, 'houses-use', '出租');
    const { body: rented, total } = await api<Array<{ address: string; use: string }>>(
      '/houses?use=rented&_end=500',
    );
    const { total: all } = await api('/houses?_end=1');
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(all);
    // The list shows the filter's total too.
    await page.locator('.ant-pagination-total-text, .ant-pagination').first().waitFor();
    await expect
      .poll(() => page.locator('[data-testid=houses-table] .ant-table-row .ant-tag').allTextContents())
      .toEqual(expect.arrayContaining(['出租']));
    expect(
      new Set(await page.locator('[data-testid=houses-table] .ant-table-row .ant-tag').allTextContents()),
    ).toEqual(new Set(['出租']));
    await screenshot(page, 'registry-04-houses-filtered');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=houses-export]'),
    ]);
    expect(download.suggestedFilename()).toBe('houses.xlsx');
    const [header, ...rows] = await rowsOf(await readFile((await download.path())!));
    const address = header!.indexOf('地址');
    const use = header!.indexOf('用途');
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r[use]))).toEqual(new Set(['出租']));
    expect(rows.map((r) => r[address]).sort()).toEqual(rented.map((h) => h.address).sort());
    await context.close();
  });

  it('imports a residents workbook with one bad row in the background: progress reaches done, then the counts and the report', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    const { body: houses } = await api<Array<{ id: string }>>('/houses?_end=1');
    const row = (name: string, id: string) => [
      name,
      '',
      '居民身份证',
      id,
      '',
      '',
      'CHN',
      '',
      '户籍',
      houses[0]!.id,
      '',
      '2025-01-01',
    ];
    const file = join(SCREENSHOTS, '..', 'e2e-registry-import.xlsx');
    writeFileSync(
      file,
      await workbook([
        [...RESIDENT_HEADERS],
        row('后台导入', makeIdCard('330782', '19920101', 123)),
        row('坏行', '330782199201010000'),
      ]),
    );
    await page.goto('/registry/import');
    await page.locator('[data-testid=import-kind]').getByText('居民').click();
    await page.setInputFiles('input[type=file]', file);
    const progress = page.locator('[data-testid=import-progress]');
    await progress.waitFor();
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 60_000 }).toBe('completed');
    expect(await progress.getAttribute('data-percent')).toBe('100');
    await page.locator('[data-testid=import-state]', { hasText: '已完成' }).waitFor();
    expect(await page.locator('[data-testid=import-rows]').textContent()).toBe('2');
    expect(await page.locator('[data-testid=import-imported]').textContent()).toBe('1');
    expect(await page.locator('[data-testid=import-failed]').textContent()).toBe('1');
    // The past imports list shows it, completed.
    await page
      .locator('[data-testid=imports-table] .ant-table-row', { hasText: 'e2e-registry-import.xlsx' })
      .getByText('已完成')
      .waitFor();
    await screenshot(page, 'registry-05-background-import');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=import-report]'),
    ]);
    const rows = await rowsOf(await readFile((await download.path())!));
    expect(rows.find((r) => r.includes('坏行'))?.join(' ')).toMatch(/证件号码/);
    expect(rows.find((r) => r.includes('后台导入'))?.join(' ')).not.toMatch(/证件号码/);
    const { body: imported } = await api<unknown[]>(`/residents?q=${encodeURIComponent('后台导入')}`);
    expect(imported).toHaveLength(1);

    // Not a workbook at all: the run fails and says so in the user's language.
    const notXlsx = join(SCREENSHOTS, '..', 'e2e-not-a-workbook.xlsx');
    writeFileSync(notXlsx, 'name,id\n张三,1\n');
    await page.setInputFiles('input[type=file]', notXlsx);
    await expect
      .poll(() => page.locator('[data-testid=import-run]').textContent(), { timeout: 60_000 })
      .toContain('e2e-not-a-workbook.xlsx');
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 60_000 }).toBe('failed');
    await page.locator('[data-testid=import-error]').getByText('请上传 xlsx 格式的 Excel 文件').waitFor();
    await context.close();
  });

  it('speaks English on the detail, houses and import pages when English is chosen', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    const { body: found } = await api<Array<{ id: string }>>(`/residents?idNumber=${idNumber}`);
    await page.evaluate(`localStorage.setItem('civicgrid.locale', 'en')`);
    await page.goto(`/registry/residents/${found[0]!.id}`);
    const identity = page.locator('[data-testid=resident-identity]');
    await identity.getByText('Personal data').waitFor();
    expect(await page.locator('[data-testid=resident-registration]').textContent()).toBe('Local');
    await identity.getByText('Resident ID card').waitFor();
    await page.locator('[data-testid=resident-residences]').getByText('Current').waitFor();
    await page.locator('[data-testid=resident-visits]').getByText('Record a visit').waitFor();
    await page.goto('/registry/houses');
    await page.locator('[data-testid=houses-table] th', { hasText: 'Occupancy cap' }).first().waitFor();
    await page.locator('[data-testid=houses-table] .ant-tag').first().waitFor();
    const uses = await page.locator('[data-testid=houses-table] .ant-tag').allTextContents();
    expect(uses.every((u) => ['Own-occupied', 'Rented', 'Shop', 'Vacant'].includes(u))).toBe(true);
    await page.goto('/registry/import');
    await page.locator('[data-testid=import-kind]').getByText('Houses').waitFor();
    await page.locator('[data-testid=imports-table]').getByText('Completed').first().waitFor();
    await screenshot(page, 'registry-08-english-import');
    await context.close();
  });

  it('shows a grid worker on a phone the residents as cards, and a resident in one column', async () => {
    const { context, page } = await as('gridworker', { width: 390, height: 844 });
    await page.goto('/registry/residents');
    const cards = page.locator('[data-testid=residents-cards] [data-testid=record-card]');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThan(1);
    expect(await page.locator('.ant-table').count()).toBe(0);
    // Nothing wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // Codes translated on the card.
    await cards
      .first()
      .getByText(/户籍人口|流动人口|境外人员/)
      .waitFor();
    await screenshot(page, 'registry-06-phone-residents');
    // Paging works on cards too: page 2 shows other residents.
    const { total } = await (await apiOf(page))('/residents?_end=1');
    expect(total).toBeGreaterThan(20);
    const idsOnPage1 = await cards
      .locator('[data-testid=resident-link]')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    await page.locator('[data-testid=residents-cards] .ant-pagination-item-2').click();
    await expect
      .poll(() => cards.first().locator('[data-testid=resident-link]').getAttribute('href'))
      .not.toBe(idsOnPage1[0]);
    const idsOnPage2 = await cards
      .locator('[data-testid=resident-link]')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(idsOnPage2.length).toBeGreaterThan(0);
    expect(idsOnPage2.filter((h) => idsOnPage1.includes(h))).toEqual([]);
    await page.locator('[data-testid=residents-cards] .ant-pagination-item-1').click();

    await cards.first().locator('[data-testid=resident-link]').click();
    await page.waitForSelector('[data-testid=resident-residences]');
    const a = (await page.locator('[data-testid=resident-identity]').boundingBox())!;
    const b = (await page.locator('[data-testid=resident-residences]').boundingBox())!;
    expect(Math.abs(a.x - b.x)).toBeLessThan(2);
    expect(b.y).toBeGreaterThan(a.y + a.height - 1);
    expect(a.width).toBeLessThanOrEqual(390);
    await screenshot(page, 'registry-07-phone-resident');
    await context.close();
  });
});
