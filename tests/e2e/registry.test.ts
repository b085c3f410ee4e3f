import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeIdCard, RESIDENT_HEADERS } from '@civicgrid/registry';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, workbook } from '../support/xlsx.ts';
import {
  buildAdmin,
  launchBrowser,
  loginAs,
  pickOption,
  requireChromium,
  SCREENSHOTS,
  type Server,
  screenshot,
  startServer,
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
  buildAdmin();
  server = await startServer({ worker: true });
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

const tenantAdmin = () => loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });

/** The API as the page's own user (her access token from localStorage). */
async function apiOf(page: Page) {
  const token = await page.evaluate('localStorage.getItem("civicgrid.accessToken")');
  return async <T>(path: string): Promise<{ body: T; total: number }> => {
    const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    return { body: (await res.json()) as T, total: Number(res.headers.get('x-total-count')) };
  };
}

const idNumber = makeIdCard('330782', '19850312', 417);

describe('registry pages in a browser', { timeout: 180_000 }, () => {
  it('registers a resident through the form, refuses the same ID number on its field, and opens the detail', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    const { body: houses } = await api<Array<{ id: string; address: string }>>('/houses?_end=1');
    const house = houses[0]!;

    await page.goto('/registry/residents');
    await page.click('[data-testid=resident-create]');
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
    await page.locator('.ant-modal-confirm-btns .ant-btn-primary').click();
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

  it('exports the houses list with its current filter: the xlsx rows are the filtered list', async () => {
    const { context, page } = await tenantAdmin();
    const api = await apiOf(page);
    await page.goto('/registry/houses');
    await page.waitForSelector('[data-testid=houses-table] .ant-table-row');
    await page.click('#houses-use');
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '出租' }).click();
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
    await context.close();
  });

  it('shows a grid worker on a phone the residents as cards, and a resident in one column', async () => {
    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'gridworker' },
      { width: 390, height: 844 },
    );
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
