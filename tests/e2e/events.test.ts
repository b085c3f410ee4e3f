import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROWSER_SETUP_MS,
  clickInPopup,
  launchBrowser,
  loginAs,
  menuTexts,
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
 * The events module's pages in headless Chromium against the real API on a fresh database with the
 * demo tenant: a grid worker on a phone reports, accepts and handles; the street blows the whistle
 * and the department reports in; the three rates drawn as the API counts them; the module switched off.
 */
let server: Server;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  requireChromium();
  await takeBrowserTurn();
  // With the worker: deadline jobs fire, so a missed limit draws its supervision card.
  server = await startServer({ worker: true });
  ({ browser, close: closeBrowser } = await launchBrowser());
  redEvent = await reportRed();
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
  releaseBrowserTurn();
});

const PHONE = { width: 390, height: 844 };
let redEvent = '';

interface Client {
  get<T>(path: string): Promise<{ body: T; total: number }>;
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  put(path: string, body: unknown): Promise<number>;
}

function clientOf(token: string): Client {
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
      return { body: (await res.json()) as T, total: Number(res.headers.get('x-total-count')) };
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

/** The API as a demo user, logged in directly. */
async function apiAs(username: string): Promise<Client> {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'yiwu', username, password: 'Demo-pass-2026' }),
  });
  expect(res.status).toBe(200);
  return clientOf(((await res.json()) as { accessToken: string }).accessToken);
}

interface Ev {
  id: string;
  status: string;
  level: string;
}
interface Category {
  id: string;
  parentId: string | null;
  code: string;
  name: string;
}

async function categories(c: Client) {
  const { body } = await c.get<Category[]>('/m/events/categories');
  const byCode = (code: string) => body.find((x) => x.code === code)!;
  return { byCode };
}

/**
 * A red event (accept limit 1 minute) at a grid of another community of 稠城街道, reported by the
 * tenant admin before the tests: nobody accepts it, so by the supervision test its limit has passed,
 * the worker's deadline job has carded it and moved it up the ladder. Not the grid worker's or the
 * secretary's: their lists stay as their tests expect.
 */
async function reportRed(): Promise<string> {
  const admin = await apiAs('admin');
  const secretary = await apiAs('secretary');
  const { body: me } = await secretary.get<{ grants: Array<{ orgUnitId: string }> }>('/me');
  const community = me.grants[0]!.orgUnitId;
  const { body: grids } = await admin.get<Array<{ id: string; ancestorIds: string[] }>>(
    '/org-units?kind=grid&_end=500',
  );
  const grid = grids.find((g) => !g.ancestorIds.includes(community))!;
  const cats = await categories(admin);
  const r = await admin.post<{ event: Ev }>('/m/events/events', {
    title: '燃气管道泄漏',
    categoryId: cats.byCode('safety.fire').id,
    channel: 'hotline',
    urgency: 'red',
    orgUnitId: grid.id,
  });
  expect(r.status).toBe(201);
  return r.body.event.id;
}

/** Picks domain then type in the intake form's cascader. */
async function pickCategory(page: Page, domain: string, type: string) {
  await page.click('#event-category');
  await page.locator('.ant-cascader-dropdown:visible .ant-cascader-menu-item', { hasText: domain }).click();
  await page.locator('.ant-cascader-dropdown:visible .ant-cascader-menu-item', { hasText: type }).click();
}

/** Opens an action's dialog on the detail page and confirms it (after `fill`). */
async function act(page: Page, action: string, fill?: () => Promise<void>) {
  await page.click(`[data-testid=event-action-${action}]`);
  await page.waitForSelector(`[data-testid=dialog-${action}]`);
  await fill?.();
  await confirmDialog(page);
}

/**
 * Clicks the open dialog's OK once the dialog has opened (see clickInPopup) and waits for the request
 * it sends and for the dialog to close. A form the page refused (a field left empty) fails here with
 * the form's own message.
 */
async function confirmDialog(page: Page) {
  const sent = page
    .waitForRequest((r) => r.method() === 'POST' && r.url().includes('/api/v1/m/events/'), {
      timeout: 20_000,
    })
    .then(
      () => true,
      () => false,
    );
  await clickInPopup(page.locator('.ant-modal-wrap:visible [data-testid=dialog-ok]'));
  if (!(await sent)) {
    const errors = await page
      .locator('.ant-modal-wrap:visible .ant-form-item-explain-error')
      .allTextContents();
    throw new Error(`the dialog sent nothing: ${errors.join('; ') || 'and showed no error'}`);
  }
  await page.locator('.ant-modal-wrap:visible').waitFor({ state: 'detached' });
}

/** A PNG's signature and header: what the server tells a photo by. */
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR-event-photo'),
]);

const status = (page: Page) =>
  page.locator('[data-testid=event-detail] .ant-descriptions [data-testid=status-tag]');

describe('events pages in a browser', { timeout: 180_000 }, () => {
  it('a grid worker on a phone reports an event (duplicates suggested), finds it in her tasks, accepts it, asks for more time (the secretary approves), handles and resolves it; the secretary follows up and closes', async () => {
    const worker = await apiAs('gridworker');
    const cats = await categories(worker);
    const fire = cats.byCode('safety.fire');
    const { body: buildings } = await worker.get<Array<{ id: string; name: string }>>(
      `/org-units?q=${encodeURIComponent('1幢')}&_end=50`,
    );
    const building = buildings[0]!;
    // An earlier report of the same kind in the same building: the form suggests it as a duplicate.
    const earlier = await worker.post<{ event: Ev }>('/m/events/events', {
      title: '楼道堆放纸箱',
      categoryId: fire.id,
      channel: 'resident',
      urgency: 'yellow',
      orgUnitId: building.id,
    });
    expect(earlier.status).toBe(201);

    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'gridworker' },
      PHONE,
    );
    await page.goto('/m/events/new');
    await page.waitForSelector('[data-testid=event-intake]');
    await pickCategory(page, '安全隐患', fire.name);
    await page.click('[data-testid=urgency-orange]');
    await page.fill('#event-title', '楼道电动车充电');
    await page.fill('#event-description', '3单元楼道有电动车在充电，存在火灾隐患');
    await pickUnit(page, 'event-orgUnitId', building.name);
    // Found by name, shown by name (not its id) once picked.
    await page
      .locator('[data-testid=event-intake] .ant-select-selection-item', {
        hasText: new RegExp(`^${building.name}$`),
      })
      .waitFor();
    const dup = page.locator('[data-testid=event-duplicate]', { hasText: '楼道堆放纸箱' });
    await dup.waitFor();
    // A photo from the phone's camera or gallery.
    const photoInput = page.locator('[data-testid=event-intake] input[type=file]');
    expect(await photoInput.getAttribute('accept')).toBe('image/*');
    await photoInput.setInputFiles({ name: '楼道.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('[data-testid=event-intake] .ant-upload-list-item').waitFor();
    // One column on a phone: the form fits the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'events-01-intake-phone');
    await page.click('[data-testid=event-submit]');
    await page.waitForURL(/\/m\/events\/events\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    await page.waitForSelector('[data-testid=event-detail]');
    // The photo went with the report: on the detail, and in the API as the event's attachment.
    await page.locator('[data-testid=event-photo-list] img[alt="楼道.png"]').waitFor();
    const { body: files } = await worker.get<Array<{ fileName: string; contentType: string }>>(
      `/m/events/events/${id}/attachments`,
    );
    expect(files).toMatchObject([{ fileName: '楼道.png', contentType: 'image/png' }]);
    expect(await page.locator('[data-testid=event-detail-title]').textContent()).toBe('楼道电动车充电');
    expect(await page.locator('[data-testid=event-location]').textContent()).toBe(building.name);
    const { body: created } = await worker.get<
      Ev & { urgency: string; categoryId: string; orgUnitId: string }
    >(`/m/events/events/${id}`);
    expect(created).toMatchObject({
      status: 'reported',
      urgency: 'orange',
      categoryId: fire.id,
      orgUnitId: building.id,
    });

    // "My tasks": cards on the phone, the most urgent first, a live countdown.
    await page.goto('/m/events/tasks');
    const card = page.locator('[data-testid=event-card]', { hasText: '楼道电动车充电' });
    await card.waitFor();
    const cards = page.locator('[data-testid=event-card]');
    expect(await cards.first().locator('[data-testid=urgency-tag]').getAttribute('data-urgency')).toBe(
      'orange',
    );
    expect(await page.locator('[data-testid=events-inbox] table').count()).toBe(0);
    const countdown = card.locator('[data-testid=countdown]');
    expect(await countdown.getAttribute('data-overdue')).toBe('false');
    const before = await countdown.textContent();
    await expect.poll(() => countdown.textContent(), { timeout: 5000 }).not.toBe(before);
    await screenshot(page, 'events-02-tasks-phone');

    await card.click();
    await page.waitForURL(new RegExp(`/m/events/events/${id}$`));
    await act(page, 'accept');
    await status(page).and(page.locator('[data-status=accepted]')).waitFor();
    // More time asked for; the community secretary, the level above, approves it.
    const { body: accepted } = await worker.get<{ resolveDueAt: string }>(`/m/events/events/${id}`);
    await act(page, 'extend', async () => {
      await page.fill('#event-extend-minutes', '30');
      await page.fill('#event-extend-reason', '等待物业配合');
    });
    await page.locator('[data-testid=timeline-entry][data-action=extension-request]').waitFor();
    expect(await page.locator('[data-testid=event-action-extend]').count()).toBe(0);
    const sec = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'secretary' });
    await sec.page.goto(`/m/events/events/${id}`);
    await act(sec.page, 'decide', async () => {
      await sec.page.locator('.ant-modal-wrap:visible', { hasText: '等待物业配合' }).waitFor();
      await sec.page.getByLabel('同意', { exact: true }).check();
    });
    await sec.page.locator('[data-testid=timeline-entry][data-action=extension-approved]').waitFor();
    const { body: extended } = await worker.get<{ resolveDueAt: string }>(`/m/events/events/${id}`);
    expect(Date.parse(extended.resolveDueAt) - Date.parse(accepted.resolveDueAt)).toBe(30 * 60_000);
    await page.reload();
    await act(page, 'handle', () => page.fill('#event-handle-note', '已劝离并清理充电线'));
    await status(page).and(page.locator('[data-status=handled]')).waitFor();
    await page
      .locator('[data-testid=timeline-entry][data-action=handle]', { hasText: '已劝离并清理充电线' })
      .waitFor();
    await screenshot(page, 'events-03-detail-phone');
    expect((await worker.get<Ev>(`/m/events/events/${id}`)).body.status).toBe('handled');
    const { body: timeline } = await worker.get<Array<{ action: string; actorName: string }>>(
      `/m/events/events/${id}/timeline`,
    );
    expect(timeline.map((e) => e.action)).toEqual([
      'report',
      'attach',
      'accept',
      'extension-request',
      'extension-approved',
      'handle',
    ]);
    // Nothing wider than the phone's screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await act(page, 'resolve');
    await status(page).and(page.locator('[data-status=resolved]')).waitFor();
    // A grid worker does not follow up her own work: no button for it.
    expect(await page.locator('[data-testid=event-action-follow-up]').count()).toBe(0);
    await context.close();

    // The community secretary visits the resident (basically satisfied) and closes the event.
    await sec.page.reload();
    await act(sec.page, 'follow-up', async () => {
      await sec.page.click('[data-testid=satisfaction-basically]');
      await sec.page.fill('#event-follow-up-comment', '居民表示基本满意');
    });
    await status(sec.page).and(sec.page.locator('[data-status=verified]')).waitFor();
    await act(sec.page, 'close');
    await status(sec.page).and(sec.page.locator('[data-status=closed]')).waitFor();
    expect(await sec.page.locator('[data-testid=event-actions]').count()).toBe(0);
    await sec.context.close();
    const { body: after } = await worker.get<Array<{ action: string; note: string }>>(
      `/m/events/events/${id}/timeline`,
    );
    expect(after.slice(6).map((e) => e.action)).toEqual(['resolve', 'verify', 'close']);
    expect(after[7]!.note).toBe('居民表示基本满意');
  });

  it('the joint meeting convenes a unit of its tree; the street blows the whistle to a department, which reports in and replies; a refusal is translated', async () => {
    const worker = await apiAs('gridworker');
    const secretary = await apiAs('secretary');
    const street = await apiAs('street');
    const cats = await categories(worker);
    const me = await worker.get<{ grants: Array<{ orgUnitId: string }> }>('/me');
    const made = await worker.post<{ event: Ev }>('/m/events/events', {
      title: '沿街违章搭建雨棚',
      categoryId: cats.byCode('order.construction').id,
      channel: 'grid-worker',
      urgency: 'yellow',
      orgUnitId: me.body.grants[0]!.orgUnitId,
    });
    expect(made.status).toBe(201);
    const id = made.body.event.id;
    expect(
      (await worker.post<Ev>(`/m/events/events/${id}/escalate`, { reason: '网格无执法权' })).status,
    ).toBe(200);
    expect(
      (await secretary.post<Ev>(`/m/events/events/${id}/escalate`, { reason: '需大党委协调' })).status,
    ).toBe(200);
    // The joint meeting (大党委) convenes a co-handling unit from the community's own tree.
    const j = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'secretary' });
    await j.page.goto(`/m/events/events/${id}`);
    await act(j.page, 'whistle', async () => {
      await j.page.fill('#event-whistle-part', '小区物业配合清理');
      await pickUnit(j.page, 'event-whistle-others', '绣湖小区');
    });
    const convened = j.page.locator('[data-testid=whistle]', { hasText: '绣湖小区' });
    await convened.getByText('联席会议').waitFor();
    await j.context.close();
    const up = await secretary.post<Ev>(`/m/events/events/${id}/escalate`, { reason: '需执法部门' });
    expect(up.body.level).toBe('street');

    const s = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'street' });
    await s.page.goto(`/m/events/events/${id}`);
    await s.page.waitForSelector('[data-testid=event-actions]');
    // At the top of the ladder the server refuses another escalation: said in her language.
    await s.page.click('[data-testid=event-action-escalate]');
    await s.page.fill('#event-escalate-reason', '再上报');
    await clickInPopup(s.page.locator('.ant-modal-wrap:visible [data-testid=dialog-ok]'));
    await s.page.locator('.event-action-error', { hasText: '已是最高层级，请改为吹哨召集部门' }).waitFor();
    await s.page.click('.ant-modal-wrap:visible .ant-modal-close');
    await s.page.locator('.ant-modal-wrap:visible').waitFor({ state: 'detached' });

    await act(s.page, 'whistle', async () => {
      await s.page.fill('#event-whistle-part', '拆除违建雨棚');
      await s.page.click('#event-whistle-units');
      await clickInPopup(
        s.page.locator('.ant-select-dropdown:visible .ant-select-tree-title', {
          hasText: '综合行政执法局（城管）',
        }),
      );
      // Closes the tree's dropdown (Escape would close the dialog).
      await s.page.click('.ant-modal-wrap:visible .ant-modal-title');
    });
    const whistle = s.page.locator('[data-testid=whistle]', { hasText: '综合行政执法局（城管）' });
    await whistle.waitFor();
    await whistle.getByText('拆除违建雨棚', { exact: false }).waitFor();
    await screenshot(s.page, 'events-04-whistled');
    await s.context.close();

    // The department's staff: the event in their called-in list, report in, then reply.
    const d = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'dept' }, PHONE);
    await d.page.goto('/m/events/called-in');
    await d.page.locator('[data-testid=event-card]', { hasText: '沿街违章搭建雨棚' }).click();
    await d.page.waitForURL(new RegExp(`/m/events/events/${id}$`));
    expect(await d.page.locator('[data-testid=event-actions]').count()).toBe(0);
    await d.page.click('[data-testid=whistle-report-in]');
    await confirmDialog(d.page);
    await d.page.locator('[data-testid=whistle-reported]').waitFor();
    await d.page.click('[data-testid=whistle-reply-button]');
    await d.page.fill('#event-reply-reply', '已拆除雨棚');
    await confirmDialog(d.page);
    await d.page.locator('[data-testid=whistle-reply]', { hasText: '已拆除雨棚' }).waitFor();
    await screenshot(d.page, 'events-05-reported-in-phone');
    await d.context.close();

    const { body: timeline } = await street.get<Array<{ action: string; actorName: string; note: string }>>(
      `/m/events/events/${id}/timeline`,
    );
    const actions = timeline.map((e) => e.action);
    expect(actions.slice(-4)).toEqual(['accept', 'whistle', 'report-in', 'reply']);
    expect(timeline.at(-1)).toMatchObject({ actorName: '城管队员', note: '已拆除雨棚' });
    const { body: whistles } = await street.get<
      Array<{ kind: string; reportedAt: string | null; reply: string; part: string }>
    >(`/m/events/events/${id}/whistles`);
    expect(whistles).toHaveLength(2);
    expect(whistles[0]).toMatchObject({ kind: 'joint-meeting', part: '小区物业配合清理', reportedAt: null });
    expect(whistles[1]).toMatchObject({ kind: 'department', part: '拆除违建雨棚', reply: '已拆除雨棚' });
    expect(whistles[1]!.reportedAt).not.toBeNull();
  });

  it('a building leader, who reports but reads no events, reports from her phone and gets a fresh form', async () => {
    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'building' },
      PHONE,
    );
    await page.goto('/m/events/new');
    await page.waitForSelector('[data-testid=event-intake]');
    await pickCategory(page, '环境卫生', '垃圾堆放');
    await page.fill('#event-title', '单元门口垃圾桶满溢');
    await pickUnit(page, 'event-orgUnitId', '1幢');
    await page.click('[data-testid=event-submit]');
    await page.locator('.ant-message', { hasText: '事件已上报' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/m/events/new');
    await expect.poll(() => page.inputValue('#event-title')).toBe('');
    await context.close();
    const admin = await apiAs('admin');
    const { body } = await admin.get<Array<{ title: string; channel: string }>>(
      '/m/events/events?_sort=createdAt&_order=desc&_end=5',
    );
    expect(body.find((e) => e.title === '单元门口垃圾桶满溢')).toMatchObject({ channel: 'grid-worker' });
  });

  it('a later report of the same thing is merged into the earlier one from its detail page', async () => {
    const worker = await apiAs('gridworker');
    const cats = await categories(worker);
    const { body: buildings } = await worker.get<Array<{ id: string }>>(
      `/org-units?q=${encodeURIComponent('1幢')}&_end=50`,
    );
    const report = async (title: string) => {
      const r = await worker.post<{ event: Ev }>('/m/events/events', {
        title,
        categoryId: cats.byCode('environment.garbage').id,
        channel: 'resident',
        urgency: 'green',
        orgUnitId: buildings[0]!.id,
      });
      expect(r.status).toBe(201);
      return r.body.event.id;
    };
    const first = await report('1幢门口垃圾未清运');
    const later = await report('1幢垃圾堆了三天');
    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'gridworker' },
      PHONE,
    );
    await page.goto(`/m/events/events/${later}`);
    await act(page, 'merge', async () => {
      // The options come from GET /duplicates: a click while they were re-rendered chose nothing, so the
      // choice is made again (up to three times) until the field shows it.
      const chosen = page.locator('.ant-modal-wrap:visible .ant-select-selection-item', {
        hasText: '1幢门口垃圾未清运',
      });
      for (let attempt = 0; attempt < 3 && !(await chosen.isVisible()); attempt++) {
        await page.click('#event-merge-into');
        await clickInPopup(
          page.locator('.ant-select-dropdown:visible .ant-select-item-option', {
            hasText: '1幢门口垃圾未清运',
          }),
        );
        await chosen.waitFor({ timeout: 5_000 }).catch(() => undefined);
      }
      await chosen.waitFor();
    });
    await status(page).and(page.locator('[data-status=merged]')).waitFor();
    await page.getByRole('link', { name: '查看合并后的事件' }).click();
    await page.waitForURL(new RegExp(`/m/events/events/${first}$`));
    await page.locator('[data-testid=timeline-entry][data-action=absorb]').waitFor();
    await context.close();
    expect((await worker.get<Ev & { mergedInto: string }>(`/m/events/events/${later}`)).body).toMatchObject({
      status: 'merged',
      mergedInto: first,
    });
  });

  it('the three-rates page draws its chart with the figures GET /metrics gives', async () => {
    const street = await apiAs('street');
    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'street' });
    const metricsCall = page.waitForResponse((r) => r.url().includes('/api/v1/m/events/metrics'));
    await page.goto('/m/events/rates');
    const response = await metricsCall;
    const url = new URL(response.url());
    const seen = (await response.json()) as { units: Array<{ escalations: number }> };
    await page.waitForSelector('[data-testid=rates-chart] canvas');
    const { body } = await street.get<{
      units: Array<{
        orgUnitId: string;
        name: string;
        reported: number;
        escalations: number;
        responseRate: number | null;
        onTimeResolutionRate: number | null;
        satisfactionRate: number | null;
      }>;
      departments: Array<{ name: string; whistles: number }>;
    }>(`/m/events/metrics${url.search}`);
    const [top, ...below] = body.units;
    // The events the other tests reported are the street's: the figures are not all empty.
    expect(top!.reported).toBeGreaterThanOrEqual(3);
    expect(top!.responseRate).not.toBeNull();
    expect(top!.satisfactionRate).toBe(1);
    const chart = page.locator('[data-testid=rates-chart]');
    expect(JSON.parse((await chart.getAttribute('data-categories'))!)).toEqual(below.map((u) => u.name));
    expect(JSON.parse((await chart.getAttribute('data-series'))!)).toEqual([
      below.map((u) => u.responseRate),
      below.map((u) => u.onTimeResolutionRate),
      below.map((u) => u.satisfactionRate),
    ]);
    const pct = (r: number | null) => (r == null ? '—' : `${Math.round(r * 1000) / 10}%`);
    for (const r of ['responseRate', 'onTimeResolutionRate', 'satisfactionRate'] as const)
      expect(await page.locator(`[data-testid=rate-${r}] .ant-statistic-content`).textContent()).toBe(
        pct(top![r]),
      );
    // Escalations move on their own (the red event's missed limits): the page shows what it was given.
    expect(await page.locator('[data-testid=rates-escalations]').textContent()).toBe(
      String(seen.units[0]!.escalations),
    );
    const depts = page.locator('[data-testid=departments-chart]');
    await depts.locator('canvas').waitFor();
    expect(JSON.parse((await depts.getAttribute('data-series'))!)[0]).toEqual(
      body.departments.map((d) => d.whistles),
    );
    await screenshot(page, 'events-06-rates');
    // In English: the same page speaks it.
    await switchLanguage(page, 'English');
    await page.locator('[data-testid=rate-responseRate]', { hasText: 'Response rate' }).waitFor();
    await page.getByText('Whistles per department').waitFor();
    await page.goto('/m/events/tasks');
    await page.locator('[data-testid=events-inbox]', { hasText: 'My tasks' }).waitFor();
    await page.locator('[data-testid=events-inbox] [data-testid=event-row]').first().waitFor();
    await screenshot(page, 'events-06b-tasks-desktop-en');
    await switchLanguage(page, '中文');
    await context.close();
  });

  it('the supervision board shows the cards of an unanswered red event by colour and by the level held to account', async () => {
    const admin = await apiAs('admin');
    interface CardRow {
      eventId: string;
      card: 'yellow' | 'red';
      unitKind: string;
      unitName: string;
    }
    // Its one-minute accept limit passes; the worker's deadline job cards it and moves it up.
    await expect
      .poll(
        async () =>
          (await admin.get<CardRow[]>('/m/events/supervision?open=true&_end=100')).body.some(
            (r) => r.eventId === redEvent,
          ),
        { timeout: 150_000, interval: 2000 },
      )
      .toBe(true);
    const { body: timeline } = await admin.get<Array<{ action: string; actorName: string }>>(
      `/m/events/events/${redEvent}/timeline`,
    );
    expect(timeline.map((e) => e.action)).toEqual(expect.arrayContaining(['overdue', 'escalate']));

    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });
    const cardsCall = page.waitForResponse((r) => r.url().includes('/api/v1/m/events/supervision'));
    await page.goto('/m/events/supervision');
    const rows = ((await (await cardsCall).json()) as CardRow[]).filter((r) => r.eventId === redEvent);
    expect(rows.at(-1)).toMatchObject({ card: 'yellow', unitKind: 'grid' }); // the first card: the grid missed it
    for (const r of rows) {
      const group = page.locator(`[data-testid=supervision-${r.card}-${r.unitKind}]`);
      const card = group.locator(`[data-testid=supervision-card][data-event="${redEvent}"]`, {
        hasText: r.unitName,
      });
      await card.first().waitFor();
      expect(await card.first().locator('[data-testid=urgency-tag]').getAttribute('data-urgency')).toBe(
        'red',
      );
    }
    await screenshot(page, 'events-07-supervision');
    await context.close();
  });

  it('the home widget counts open events; switching the module off removes its menu, pages and widget', async () => {
    const admin = await apiAs('admin');
    let open = 0;
    for (const s of ['reported', 'accepted', 'escalated', 'handled'])
      open += (await admin.get(`/m/events/events?status=${s}&_end=1`)).total;
    expect(open).toBeGreaterThanOrEqual(2);
    const { context, page } = await loginAs(browser, server.url, { tenant: 'yiwu', username: 'admin' });
    await page.goto('/');
    await page
      .locator('[data-testid=widget-open] .ant-statistic-content', { hasText: String(open) })
      .waitFor();
    expect(await menuTexts(page)).toContain('网格事件');

    await page.goto('/modules');
    const toggle = page.locator('[data-testid=module-switch-events]');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await expect.poll(() => menuTexts(page)).not.toContain('网格事件');
    await page.goto('/m/events/tasks');
    await page.locator('.ant-result-404').waitFor();
    expect(await page.locator('[data-testid=events-inbox]').count()).toBe(0);
    await page.goto('/');
    await page.waitForSelector('[data-testid=dashboard] .ant-statistic');
    expect(await page.locator('[data-testid=events-widget]').count()).toBe(0);
    await screenshot(page, 'events-08-module-off');
    // The server agrees: the module's routes answer module_disabled.
    const off = await admin.post<{ code: string }>(
      '/m/events/events/00000000-0000-4000-8000-000000000000/accept',
      {},
    );
    expect(off).toEqual({ status: 403, body: expect.objectContaining({ code: 'module_disabled' }) });
    expect(await admin.put('/modules/events', { enabled: true })).toBe(200);
    await context.close();
  });
});
