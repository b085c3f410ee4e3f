import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROWSER_SETUP_MS,
  clickInPopup,
  launchBrowser,
  loginAs,
  menuTexts,
  okModal,
  pickOption,
  pickUnit,
  recordScripts,
  releaseBrowserTurn,
  requireChromium,
  type Server,
  screenshot,
  startServer,
  switchLanguage,
  takeBrowserTurn,
} from './support.ts';

/**
 * The admin app in headless Chromium against the real API (apps/api main, demo tenant `yiwu`) on a
 * fresh PostgreSQL database: what a city admin, a street admin and a grid worker actually see.
 */
let server: Server;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  requireChromium(); // first, so a machine without it fails at once with the way to get it
  await takeBrowserTurn();
  server = await startServer();
  ({ browser, close: closeBrowser } = await launchBrowser());
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
  releaseBrowserTurn();
});

const tenantAdmin = () => loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });

describe('admin app in a browser', { timeout: 180_000 }, () => {
  it('logs the demo tenant admin in to the dashboard with the whole city in scope', async () => {
    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });
    await page.waitForSelector('[data-testid=dashboard]');
    // 14 streets: the whole of 义乌市.
    await page.locator('.ant-statistic', { hasText: '街道（镇）' }).getByText('14').waitFor();
    await page.waitForSelector('[data-testid=units-chart] canvas');
    expect(await menuTexts(page)).toEqual(
      expect.arrayContaining([
        '工作台',
        '组织架构',
        '用户管理',
        '授权管理',
        '角色权限',
        '人房登记',
        '系统管理',
        '公告栏',
      ]),
    );
    await screenshot(page, '02-dashboard');
    for (const [path, name, ready] of [
      ['/org-units', '03-org-units', '[data-testid=org-tree] .ant-tree-treenode'],
      ['/users', '04-users', '.ant-table-row'],
      ['/roles', '05-roles', '.ant-checkbox'],
      ['/modules', '06-modules', '[data-testid=module-bulletin]'],
      ['/job-runs', '07-job-runs', '.ant-table'],
      ['/audit-log', '08-audit-log', '.ant-table-row'],
      ['/registry/residents', '09-residents', '.ant-table-row'],
      ['/m/bulletin/notices', '10-bulletin', '.ant-table-row'],
    ] as const) {
      await page.goto(path);
      await page.waitForSelector(ready);
      await screenshot(page, name);
    }
    await context.close();
  });

  it('draws the grids under a unit from their GeoJSON boundaries (no map tiles)', async () => {
    const { context, page } = await tenantAdmin();
    const token = await page.evaluate('localStorage.getItem("civicgrid.accessToken")');
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    const [grid] = (await (await call('/org-units?kind=grid&_end=1')).json()) as Array<{
      id: string;
      name: string;
    }>;
    const square = [
      [120.07, 29.3],
      [120.08, 29.3],
      [120.08, 29.31],
      [120.07, 29.31],
      [120.07, 29.3],
    ];
    const patched = await call(`/org-units/${grid!.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ boundary: { type: 'Polygon', coordinates: [square] } }),
    });
    expect(patched.status).toBe(200);
    await page.goto('/org-units');
    await page.locator('[data-testid=org-tree] .ant-tree-title', { hasText: '义乌市' }).click();
    await page.waitForSelector('[data-testid=org-details]');
    await page.waitForSelector('[data-testid=grid-map] canvas');
    await screenshot(page, '18-grid-map');
    await context.close();
  });

  it('shows a wrong password as a clear error on the login page', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const scripts = recordScripts(page);
    await page.goto('/');
    await page.waitForURL((u) => u.pathname === '/login');
    await page.waitForSelector('#username');
    await page.waitForLoadState('networkidle');
    // The first page a visitor loads stays small (issue #5: under 350 KB of gzipped JavaScript).
    const gzip = scripts.reduce((n, s) => n + s.gzip, 0);
    expect(gzip, scripts.map((s) => `${s.url} ${s.gzip}`).join('\n')).toBeLessThan(350 * 1024);
    expect(scripts.some((s) => /\/(Shell|dashboard|chart)-/.test(s.url))).toBe(false);
    await screenshot(page, '01-login');
    await page.fill('#tenant', 'yiwu');
    await page.fill('#username', 'admin');
    await page.fill('#password', 'Wrong-pass-2026');
    await page.click('[data-testid=login-submit]');
    const alert = page.locator('[data-testid=login-error]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('wrong account or password');
    expect(page.url()).toContain('/login');
    await context.close();
  });

  it('creates a user, grants her street admin on 稠城街道, and she sees only that subtree', async () => {
    const { context, page } = await tenantAdmin();
    await page.goto('/users');
    await page.click('[data-testid=user-create]');
    await pickUnit(page, 'user-unit', '稠城街道');
    await page.fill('#user-username', 'e2e-street');
    await page.fill('#user-displayName', '测试街道管理员');
    await page.fill('#user-password', 'E2e-street-2026');
    await okModal(page);
    await page.locator('.ant-table-row', { hasText: 'e2e-street' }).waitFor();

    await page.click('[data-testid=grant-e2e-street]');
    await pickOption(page, 'grant-role', '街道管理员');
    await pickUnit(page, 'grant-unit', '稠城街道');
    await okModal(page);
    await page.locator('.ant-message', { hasText: '授权成功' }).waitFor();
    await context.close();

    const she = await loginAs(browser, server.url, {
      tenant: 'yiwu',
      username: 'e2e-street',
      password: 'E2e-street-2026',
    });
    await she.page.waitForSelector('[data-testid=dashboard]');
    await she.page
      .locator('.ant-statistic', { hasText: '街道（镇）' })
      .getByText('1', { exact: true })
      .waitFor();
    await she.page.goto('/org-units');
    const tops = she.page.locator('[data-testid=org-tree] .ant-tree-treenode');
    await tops.first().waitFor();
    expect(await tops.allTextContents()).toEqual(['稠城街道']);
    await she.page.locator('[data-testid=org-tree] .ant-tree-switcher').first().click();
    await expect.poll(() => tops.count()).toBeGreaterThan(1);
    const names = (await tops.allTextContents()).map((s) => s.trim());
    expect(names.length).toBeGreaterThan(1);
    expect(names).not.toContain('义乌市');
    // Searching for another street's unit finds nothing in her scope.
    await she.page.fill('#org-search', '北苑');
    await she.page.press('#org-search', 'Enter');
    await she.page.locator('.ant-list-empty-text, .ant-empty').first().waitFor();
    await screenshot(she.page, '11-street-admin-tree');
    await she.context.close();
  });

  it('hides the roles page and its menu item from a grid worker', async () => {
    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'gridworker' });
    await page.waitForSelector('[data-testid=dashboard]');
    const menu = await menuTexts(page);
    expect(menu).toContain('组织架构');
    expect(menu).not.toContain('角色权限');
    expect(menu).not.toContain('系统管理');
    await page.goto('/roles');
    await page.waitForSelector('[data-testid=forbidden]');
    await screenshot(page, '12-grid-worker-roles-forbidden');
    // The phone-sized screen a grid worker uses: the residents list renders as cards.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/registry/residents');
    await page.waitForSelector('[data-testid=record-card]');
    expect(await page.locator('.ant-table-row').count()).toBe(0);
    await screenshot(page, '13-grid-worker-phone-residents');
    await context.close();
  });

  it('switching a module off removes its menu and pages; switching it on brings them back', async () => {
    const { context, page } = await tenantAdmin();
    await page.goto('/modules');
    const toggle = page.locator('[data-testid=module-switch-bulletin]');
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    expect(await menuTexts(page)).toContain('公告栏');

    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await expect.poll(() => menuTexts(page)).not.toContain('公告栏');
    await screenshot(page, '14-module-off');
    await page.goto('/m/bulletin/notices');
    await page.locator('.ant-result-404').waitFor();

    await page.goto('/modules');
    await page.locator('[data-testid=module-switch-bulletin]').click();
    await expect.poll(() => menuTexts(page)).toContain('公告栏');
    await page.goto('/m/bulletin/notices');
    await page.waitForSelector('[data-testid=bulletin-notices]');
    await context.close();
  });

  it('lets a platform operator create a tenant and suspend it; its admin can then no longer log in', async () => {
    const { context, page } = await loginAs(browser, server.url, { username: 'platform' });
    await page.waitForURL('**/platform/tenants');
    await page.locator('.ant-table-row', { hasText: 'yiwu' }).waitFor();
    expect(await menuTexts(page)).toEqual(['租户管理']);
    await page.click('[data-testid=tenant-create]');
    await page.fill('#code', 'e2ecity');
    await page.fill('#name', '测试市');
    await page.fill('#adminUsername', 'boss');
    await page.fill('#adminName', '测试管理员');
    await page.fill('#adminPassword', 'E2e-boss-pass-2026');
    await okModal(page);
    const row = page.locator('.ant-table-row', { hasText: 'e2ecity' });
    await row.waitFor();
    await screenshot(page, '17-operator-tenants');

    const boss = await loginAs(browser, server.url, {
      tenant: 'e2ecity',
      username: 'boss',
      password: 'E2e-boss-pass-2026',
    });
    await boss.page.waitForSelector('[data-testid=dashboard]');
    await boss.context.close();

    await row.getByRole('button', { name: /暂\s*停/ }).click();
    await clickInPopup(page.locator('.ant-popover:visible .ant-btn-primary'));
    await row.getByText('已暂停').waitFor();
    const refused = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'e2ecity', username: 'boss', password: 'E2e-boss-pass-2026' }),
    });
    expect(((await refused.json()) as { code: string }).code).toBe('tenant_suspended');

    // Logging out ends the session: the app is back on the login page and / asks for it again.
    const onLogin = (u: URL) => u.pathname === '/login';
    await page.click('[data-testid=logout]');
    await page.waitForURL(onLogin);
    await page.waitForSelector('#username');
    await page.goto('/');
    await page.waitForURL(onLogin);
    await page.waitForSelector('#username');
    await context.close();
  });

  it('switches the language to English and back, and remembers the choice', async () => {
    const { context, page } = await tenantAdmin();
    await page.waitForSelector('[data-testid=dashboard]');
    await switchLanguage(page, 'English');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    await page.locator('.ant-layout-sider', { hasText: 'Org tree' }).waitFor();
    expect(await menuTexts(page)).toEqual(
      expect.arrayContaining(['Dashboard', 'Org tree', 'Users', 'Roles', 'Notice board']),
    );
    await page.locator('.ant-statistic', { hasText: 'Streets' }).waitFor();
    // The chart follows the language too (it draws on a canvas: read the labels it was given).
    await expect
      .poll(() =>
        page.evaluate(
          `document.querySelector('[data-testid=units-chart]')?.getAttribute('data-first-label')`,
        ),
      )
      .toBe('Streets');
    await screenshot(page, '16-english-dashboard');
    await page.reload();
    await page.locator('.ant-layout-sider', { hasText: 'Org tree' }).waitFor();
    await switchLanguage(page, '中文');
    await page.locator('.ant-layout-sider', { hasText: '组织架构' }).waitFor();
    await context.close();
  });
});
