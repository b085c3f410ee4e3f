import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROWSER_SETUP_MS,
  clickInPopup,
  DEMO_PASSWORD,
  launchBrowser,
  loginAs,
  menuTexts,
  okModal,
  releaseBrowserTurn,
  requireChromium,
  type Server,
  screenshot,
  startServer,
  takeBrowserTurn,
} from './support.ts';

/**
 * The console parts of the admin app (issue #5) in headless Chromium against the real API with a real
 * worker beside it (apps/api main supervising apps/worker, demo tenant `yiwu`, fresh database): re-zoning
 * in the org tree, a module's settings form, the job centre's failures and retry, the operator's
 * per-tenant modules, deleting roles, and the audit log filtered by a picked user. Each outcome is read
 * back through the API, not only from the screen.
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

type Call = <T = unknown>(path: string, init?: { method?: string; body?: unknown }) => Promise<T>;

/**
 * An API client logged in as a demo user (`tenant` null: the platform operator), one login per user
 * for the whole file: the API limits logins per account and per address.
 */
const clients = new Map<string, Promise<Call & { token: string }>>();
const apiAs = (username: string, tenant: string | null = 'yiwu') => {
  const key = `${tenant}/${username}`;
  if (!clients.has(key)) clients.set(key, loginApi(username, tenant));
  return clients.get(key)!;
};
async function loginApi(username: string, tenant: string | null): Promise<Call & { token: string }> {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...(tenant ? { tenant } : {}), username, password: DEMO_PASSWORD }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const { accessToken } = (await res.json()) as { accessToken: string };
  const call: Call = async (path, init = {}) => {
    const r = await fetch(`${server.url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${accessToken}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    const text = await r.text();
    const body = text ? JSON.parse(text) : undefined;
    if (!r.ok) throw Object.assign(new Error(`${r.status} ${text}`), { status: r.status, body });
    return body;
  };
  return Object.assign(call, { token: accessToken });
}

const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { status?: number }) => e.status ?? 0,
  );

const tenantAdmin = () => loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });

/**
 * Waits for an antd message of this type saying `text` (messages stack and fade after 3 s: match the
 * one meant, not the newest) and answers its whole text.
 */
const messageSaying = async (page: Page, type: 'success' | 'error', text: string | RegExp) => {
  const m = page.locator(`.ant-message-notice .ant-message-${type}`, { hasText: text }).first();
  await m.waitFor();
  return (await m.textContent())?.trim() ?? '';
};

/**
 * Deletes the role shown through its confirmation and answers the DELETE's status: waits for the
 * confirmation naming this role, and for the request itself rather than trusting the click.
 */
const deleteShownRole = async (page: Page, name: string) => {
  await expect.poll(() => page.locator('.ant-popover:visible').count()).toBe(0);
  await page.click('[data-testid=role-delete]');
  const sent = page.waitForResponse(
    (r) => r.request().method() === 'DELETE' && /\/roles\/[^/]+$/.test(r.url()),
    { timeout: 20_000 },
  );
  await clickInPopup(
    page
      .locator('.ant-popover:visible', { hasText: `删除角色「${name}」？` })
      .locator('.ant-btn-dangerous.ant-btn-primary'),
  );
  return (await sent).status();
};

interface Unit {
  id: string;
  name: string;
  parentId: string | null;
  kind: string;
}
interface ModuleView {
  id: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}
interface RunView {
  id: string;
  plugin: string;
  state: string;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

describe('admin console in a browser', { timeout: 180_000 }, () => {
  it('re-zones a grid to another community by dragging it in the org tree', async () => {
    const admin = await apiAs('admin');
    const [street] = await admin<Unit[]>('/org-units?q=稠城街道&kind=street&_end=1');
    const communities = await admin<Unit[]>(`/org-units?parentId=${street!.id}&_end=500&_sort=name`);
    // The demo puts grids under three communities: the first by name that has grids, and a neighbour.
    let from: Unit | undefined;
    let grid: Unit | undefined;
    for (const c of communities) {
      const grids = (await admin<Unit[]>(`/org-units?parentId=${c.id}&_end=50&_sort=name`)).filter(
        (u) => u.kind === 'grid',
      );
      if (grids.length) {
        from = c;
        grid = grids[grids.length - 1];
        break;
      }
    }
    expect(grid, 'a demo grid under a community').toBeDefined();
    const i = communities.findIndex((c) => c.id === from!.id);
    const to = communities[i + 1] ?? communities[i - 1]!;

    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'admin' },
      { width: 1280, height: 2400 },
    );
    await page.goto('/org-units');
    const tree = page.locator('[data-testid=org-tree]');
    const node = (name: string) =>
      tree.locator('.ant-tree-treenode', {
        has: page.locator('.ant-tree-title', { hasText: new RegExp(`^${name}$`) }),
      });
    const expand = async (name: string) => {
      await node(name).locator('.ant-tree-switcher').click();
      await node(name).locator('.ant-tree-switcher_open').waitFor();
    };
    await node('义乌市').waitFor();
    await expand('义乌市');
    await expand('稠城街道');
    await expand(from!.name);
    await node(grid!.name).waitFor();
    // Dropping *into* a unit, as antd's tree reads it: over the lower half of the target, the pointer
    // a level further right than where the drag started (a plain drop there would mean "after it").
    const s = (await node(grid!.name).locator('.ant-tree-title').boundingBox())!;
    const d = (await node(to.name).locator('.ant-tree-title').boundingBox())!;
    await page.mouse.move(s.x + 5, s.y + s.height / 2);
    await page.mouse.down();
    await page.mouse.move(s.x + 20, s.y + s.height / 2, { steps: 5 });
    await page.mouse.move(d.x + 80, d.y + d.height * 0.75, { steps: 10 });
    await page.mouse.up();
    // Nothing moves before the admin confirms.
    await page
      .locator('.ant-modal-confirm', { hasText: `将「${grid!.name}」调整到「${to.name}」下？` })
      .waitFor();
    expect((await admin<Unit>(`/org-units/${grid!.id}`)).parentId).toBe(from!.id);
    await clickInPopup(page.locator('[data-testid=org-move-ok]'));
    await messageSaying(page, 'success', `已将「${grid!.name}」调整到「${to.name}」下`);
    await screenshot(page, 'console-01-rezoned');

    const moved = await admin<Unit>(`/org-units/${grid!.id}`);
    expect(moved.parentId).toBe(to.id);
    const left = await admin<Unit[]>(`/org-units?parentId=${from!.id}&_end=50`);
    expect(left.map((u) => u.id)).not.toContain(grid!.id);
    await context.close();
  });

  it("saves a module's valid settings and names the field of an invalid one", async () => {
    const admin = await apiAs('admin');
    const bulletinOf = async () => (await admin<ModuleView[]>('/modules')).find((m) => m.id === 'bulletin')!;
    expect((await bulletinOf()).settings.titleMaxLength).toBe(100);

    const { context, page } = await tenantAdmin();
    await page.goto('/modules');
    await page.click('[data-testid=module-settings-bulletin]');
    const field = page.locator('#module-settings_titleMaxLength');
    await field.waitFor();
    expect(await field.inputValue()).toBe('100');
    // antd's own buttons speak the user's language too.
    expect(await page.locator('.ant-modal-wrap:visible .ant-modal-footer').textContent()).toMatch(
      /取\s*消.*确\s*定/,
    );

    await field.fill('5');
    await okModal(page);
    const error = page.locator('.ant-form-item', { has: field }).locator('.ant-form-item-explain-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('须为 10–200 之间的整数');
    await screenshot(page, 'console-02-settings-invalid');
    // Nothing was saved, and the form stays open on the refused value.
    expect((await bulletinOf()).settings.titleMaxLength).toBe(100);
    expect(await page.locator('.ant-modal-wrap:visible').count()).toBe(1);

    await field.fill('150');
    await page.fill('#module-settings_signature', '绣湖社区居委会');
    await okModal(page);
    await messageSaying(page, 'success', '设置已保存');
    await page.locator('.ant-modal-wrap:visible').waitFor({ state: 'hidden' });
    const saved = await bulletinOf();
    expect(saved.settings).toMatchObject({ titleMaxLength: 150, signature: '绣湖社区居委会' });
    expect(saved.enabled).toBe(true);
    await context.close();
  });

  it('shows a failed job run with its error in the job centre, and retry queues it again', async () => {
    const admin = await apiAs('admin');
    // A background import of a file that is no workbook: the worker fails its run at once.
    const upload = await fetch(`${server.url}/api/v1/residents/imports?fileName=broken.xlsx`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.token}`,
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
      body: 'this is not a workbook',
    });
    expect(upload.status, await upload.clone().text()).toBe(202);
    const { id: importId } = (await upload.json()) as { id: string };
    const failedImport = await waitUntil(async () => {
      const v = await admin<{ state: string; runId: string | null }>(`/imports/${importId}`);
      return v.state === 'failed' && v.runId ? v : null;
    });
    const runId = failedImport.runId!;
    const first = await waitUntil(async () => {
      const r = await admin<RunView>(`/job-runs/${runId}`);
      return r.state === 'failed' ? r : null;
    });
    expect(first.error).toMatch(/xlsx/);

    const { context, page } = await tenantAdmin();
    await page.goto('/job-runs');
    const row = page.locator(`.ant-table-row[data-row-key="${runId}"]`);
    await row.waitFor();
    expect(await row.locator('.ant-tag').textContent()).toBe('失败');
    expect(await row.locator('[data-testid=job-error]').textContent()).toBe(first.error);
    await screenshot(page, 'console-03-job-failed');

    const retried = page.waitForResponse(
      (r) => r.url().endsWith(`/job-runs/${runId}/retry`) && r.request().method() === 'POST',
    );
    await row.locator(`[data-testid=job-retry-${runId}]`).click();
    const answer = await retried;
    expect(answer.status()).toBe(200);
    expect(((await answer.json()) as RunView).state).toBe('queued');
    await messageSaying(page, 'success', '已重新排队');

    // The worker takes it again: a new attempt starts after the first one ended (and fails the same way).
    const again = await waitUntil(async () => {
      const r = await admin<RunView>(`/job-runs/${runId}`);
      return r.state === 'failed' && r.startedAt && r.startedAt > first.finishedAt! ? r : null;
    });
    expect(again.error).toBe(first.error);
    const audit = await admin<Array<{ targetId: string }>>(`/audit-log?action=job-run.retry`);
    expect(audit.map((a) => a.targetId)).toContain(runId);
    await context.close();
  });

  it("lets the operator switch a tenant's module; that tenant's admin sees its menu go and come back", async () => {
    const operator = await apiAs('platform', null);
    const [yiwu] = (await operator<Array<{ id: string; code: string }>>('/platform/tenants?_end=100')).filter(
      (x) => x.code === 'yiwu',
    );
    const bulletinOn = async () =>
      (await operator<ModuleView[]>(`/platform/tenants/${yiwu!.id}/modules`)).find(
        (m) => m.id === 'bulletin',
      )!.enabled;
    expect(await bulletinOn()).toBe(true);

    const op = await loginAs(browser, server.url, { username: 'platform' });
    await op.page.waitForURL('**/platform/tenants');
    await op.page.click('[data-testid=tenant-modules-yiwu]');
    await op.page.waitForURL(`**/platform/tenants/${yiwu!.id}/modules`);
    const card = op.page.locator('[data-testid=module-bulletin]');
    await card.waitFor();
    // The catalogue shows what the module brings: its permissions.
    await card.getByText('发布公告').waitFor();
    const toggle = op.page.locator('[data-testid=module-switch-bulletin]');
    expect(await toggle.getAttribute('aria-checked')).toBe('true');

    const admin = await tenantAdmin();
    await admin.page.waitForSelector('[data-testid=dashboard]');
    expect(await menuTexts(admin.page)).toContain('公告栏');

    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await messageSaying(op.page, 'success', '已停用「公告栏」');
    expect(await bulletinOn()).toBe(false);
    await screenshot(op.page, 'console-04-operator-module-off');
    await admin.page.reload();
    await admin.page.waitForSelector('[data-testid=dashboard]');
    expect(await menuTexts(admin.page)).not.toContain('公告栏');
    await admin.page.goto('/m/bulletin/notices');
    await admin.page.locator('.ant-result-404').waitFor();

    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
    expect(await bulletinOn()).toBe(true);
    await admin.page.goto('/');
    await admin.page.waitForSelector('[data-testid=dashboard]');
    expect(await menuTexts(admin.page)).toContain('公告栏');
    await admin.page.goto('/m/bulletin/notices');
    await admin.page.waitForSelector('[data-testid=bulletin-notices]');
    await admin.context.close();
    await op.context.close();
  });

  it('creates and deletes a custom role; deleting a default or a granted role is refused in words', async () => {
    const admin = await apiAs('admin');
    // A custom role still granted to someone (made through the API before the page loads).
    const granted = await admin<{ id: string }>('/roles', {
      method: 'POST',
      body: { key: 'e2e-granted', name: '测试在用角色', permissions: [] },
    });
    const [worker] = await admin<Array<{ id: string; orgUnitId: string }>>('/users?username=gridworker');
    await admin('/grants', {
      method: 'POST',
      body: { userId: worker!.id, roleId: granted.id, orgUnitId: worker!.orgUnitId },
    });
    const { context, page } = await tenantAdmin();
    await page.goto('/roles');
    await page.click('[data-testid=role-create]');
    await page.fill('#role_key', 'e2e-reviewer');
    await page.fill('#role_name', '测试审阅员');
    await okModal(page);
    await messageSaying(page, 'success', '已新建角色「测试审阅员」');
    const [created] = (await admin<Array<{ id: string; key: string }>>('/roles?_end=500')).filter(
      (r) => r.key === 'e2e-reviewer',
    );
    expect(created).toBeDefined();

    await page.click('[data-testid=role-e2e-reviewer]');
    await page.locator('.ant-card-head-title', { hasText: '「测试审阅员」的权限' }).waitFor();
    expect(await deleteShownRole(page, '测试审阅员')).toBe(204);
    await messageSaying(page, 'success', '已删除角色「测试审阅员」');
    await page.locator('[data-testid=role-e2e-reviewer]').waitFor({ state: 'detached' });
    expect(await statusOf(admin(`/roles/${created!.id}`))).toBe(404);

    const [builtIn] = (
      await admin<Array<{ id: string; key: string; name: string }>>('/roles?_end=500')
    ).filter((r) => r.key === 'grid-worker');
    await page.click('[data-testid=role-grid-worker]');
    await page.locator('.ant-card-head-title', { hasText: `「${builtIn!.name}」的权限` }).waitFor();
    expect(await deleteShownRole(page, builtIn!.name)).toBe(409);
    const refused = await messageSaying(page, 'error', '内置角色');
    expect(refused).toBe('内置角色不能删除（可以修改其权限）');
    expect(refused).not.toMatch(/default roles|409/);
    await screenshot(page, 'console-05-default-role-refused');
    expect(await statusOf(admin(`/roles/${builtIn!.id}`))).toBe(200);

    await page.click('[data-testid=role-e2e-granted]');
    await page.locator('.ant-card-head-title', { hasText: '「测试在用角色」的权限' }).waitFor();
    expect(await deleteShownRole(page, '测试在用角色')).toBe(409);
    expect(await messageSaying(page, 'error', '仍授予')).toBe('该角色仍授予了用户，请先收回这些授权再删除');
    expect(await statusOf(admin(`/roles/${granted.id}`))).toBe(200);
    await context.close();
  });

  it('filters the audit log by a user found through the picker, showing only her rows', async () => {
    const admin = await apiAs('admin');
    // The street admin logs in and adds a clerk to her street: two audited actions of hers.
    const streetApi = await apiAs('street');
    const [street] =
      await admin<Array<{ id: string; displayName: string; orgUnitId: string }>>('/users?username=street');
    await streetApi('/users', {
      method: 'POST',
      body: {
        orgUnitId: street!.orgUnitId,
        username: 'e2e-clerk',
        displayName: '测试文员',
        password: 'E2e-clerk-pass-2026',
      },
    });
    const all = await admin<Array<{ actorId: string | null }>>('/audit-log?_end=200');
    expect(new Set(all.map((r) => r.actorId)).size, 'other people acted too').toBeGreaterThan(1);
    const hers = await admin<Array<{ id: string; actorId: string; action: string }>>(
      `/audit-log?actorId=${street!.id}&_end=200`,
    );
    expect(hers.map((r) => r.action).sort()).toEqual(['auth.login', 'user.create']);

    const { context, page } = await tenantAdmin();
    await page.goto('/audit-log');
    await page.locator('.ant-table-row').first().waitFor();
    const searched = page.waitForRequest((r) => /\/api\/v1\/users\?.*q=stre/.test(r.url()));
    await page.click('#audit-actor');
    await page.locator('#audit-actor').pressSequentially('stre', { delay: 40 });
    await searched;
    await clickInPopup(
      page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '（street）' }),
    );
    const filtered = page.waitForResponse((r) => r.url().includes(`actorId=${street!.id}`));
    await page.locator('[data-testid=audit-filter] button[type=submit]').click();
    await filtered;
    const rows = page.locator('.ant-table-tbody .ant-table-row');
    await expect.poll(() => rows.count()).toBe(hers.length);
    const actors = await page.locator('.ant-table-tbody .ant-table-row td:nth-child(3)').allTextContents();
    // A row names its actor as it was recorded: her name, or the account she logged in with.
    for (const actor of actors) expect([street!.displayName, 'street']).toContain(actor);
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-row-key')));
    expect(ids.sort()).toEqual(hers.map((r) => r.id).sort());
    await screenshot(page, 'console-06-audit-by-user');
    await context.close();
  });
});

/** Polls until `fn` answers something (30 s at most). */
async function waitUntil<T>(fn: () => Promise<T | null | undefined | false | '' | 0>): Promise<T> {
  const until = Date.now() + 30_000;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v as T;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 300));
  }
}
