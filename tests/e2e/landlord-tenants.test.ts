import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROWSER_SETUP_MS,
  DEMO_PASSWORD,
  launchBrowser,
  loginAs,
  okModal,
  releaseBrowserTurn,
  requireChromium,
  type Server,
  screenshot,
  startServer,
  takeBrowserTurn,
} from './support.ts';

/**
 * A landlord's tenants on a phone (< 576 px, one column): the grid worker records a tenant the landlord
 * declared, then on her round confirms her and finds another living there undeclared — which the
 * server turns into a deduction on the landlord, the visit as its evidence.
 */
let server: Server;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let token = '';
let landlord = '';
/** Two registry people of the worker's grid whose names find only them. */
const tenants: Array<{ id: string; name: string }> = [];

const PHONE = { width: 390, height: 844 };
const BASE = '/m/landlord-scoring';
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as never };
};

beforeAll(async () => {
  requireChromium();
  await takeBrowserTurn();
  server = await startServer();
  ({ browser, close: closeBrowser } = await launchBrowser());
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'yiwu', username: 'gridworker', password: DEMO_PASSWORD }),
  });
  token = ((await login.json()) as { accessToken: string }).accessToken;
  const me = (await call('GET', '/me')).body as { grants: Array<{ orgUnitId: string }> };
  const grid = me.grants[0]!.orgUnitId;
  const houses = (await call('GET', `/houses?under=${grid}&use=rented&_end=5`)).body as Array<{ id: string }>;
  const people = (await call('GET', `/residents?under=${grid}&_end=60`)).body as Array<{
    id: string;
    name: string;
  }>;
  const r = await call('POST', `${BASE}/subjects`, {
    kind: 'landlord',
    personId: people[0]!.id,
    houseIds: [houses[0]!.id],
  });
  expect(r.status).toBe(201);
  landlord = (r.body as { id: string }).id;
  for (const p of people.slice(1)) {
    if (tenants.length === 2) break;
    const same = (await call('GET', `/residents?q=${encodeURIComponent(p.name)}&_end=5`)).body as unknown[];
    if (same.length === 1) tenants.push(p);
  }
  expect(tenants).toHaveLength(2);
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
  releaseBrowserTurn();
});

describe('tenant declarations and verification', { timeout: 180_000 }, () => {
  it('a grid worker on a phone declares a tenant, verifies on her round and finds one undeclared', async () => {
    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'gridworker' },
      PHONE,
    );
    await page.goto(`${BASE}/subjects/${landlord}`);
    await page.click('[data-testid=ls-file-tenants-page]');
    await page.waitForSelector('[data-testid=ls-tenants]');
    // One column: the house's card spans the page.
    const card = await page.locator('[data-testid=ls-tenant-house]').first().boundingBox();
    expect(card!.width).toBeGreaterThan(PHONE.width - 60);

    const [declared, found] = tenants as [{ id: string; name: string }, { id: string; name: string }];
    await page.click('[data-testid=ls-declare]');
    await page.click('#ls-declare-person');
    await page.fill('#ls-declare-person', declared.name);
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: declared.name })
      .first()
      .click();
    await okModal(page);
    const first = page.locator(`[data-testid=ls-tenant][data-name="${declared.name}"]`);
    await first.waitFor();
    expect(await first.getAttribute('data-verified')).toBe('false');
    await screenshot(page, 'landlord-tenants-01-declared-phone');

    await page.click('[data-testid=ls-verify]');
    await page.locator(`[data-testid=ls-visit-tenant][data-name="${declared.name}"]`).waitFor();
    // The demo house has residents of its own: she does not meet them on this round.
    const others = page.locator(`[data-testid=ls-visit-tenant]:not([data-name="${declared.name}"])`);
    for (let i = 0; i < (await others.count()); i++)
      await others.nth(i).locator('[data-testid=ls-seen-unseen]').click();
    await page.click('#ls-visit-found');
    await page.fill('#ls-visit-found', found.name);
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: found.name })
      .first()
      .click();
    await page.locator('[data-testid=ls-visit-found-person]', { hasText: found.name }).waitFor();
    await screenshot(page, 'landlord-tenants-02-visit-phone');
    await page.click('[data-testid=ls-visit-submit]');
    await page.locator('[data-testid=ls-visit][data-undeclared="1"]').waitFor();
    await expect.poll(() => first.getAttribute('data-source')).toBe('landlord');
    const second = page.locator(`[data-testid=ls-tenant][data-name="${found.name}"]`);
    expect(await second.getAttribute('data-source')).toBe('visit');
    await screenshot(page, 'landlord-tenants-03-verified-phone');

    // The server deducted for the undeclared tenant, with the visit as evidence.
    const file = (await call('GET', `${BASE}/subjects/${landlord}`)).body as {
      score: number;
      records: Array<{ itemCode: string; visitId: string | null }>;
      tenants: { declared: number; selfDeclared: number };
    };
    expect(file.records.find((r) => r.itemCode === 'tenant-undeclared')!.visitId).toBeTruthy();
    expect(file.tenants).toMatchObject({ declared: 2, selfDeclared: 1 });
    await page.goto(`${BASE}/subjects/${landlord}`);
    await expect
      .poll(async () => Number(await page.locator('[data-testid=ls-file-score]').getAttribute('data-score')))
      .toBe(file.score);
    await context.close();
  });
});
