import { makeIdCard } from '@civicgrid/registry';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROWSER_SETUP_MS,
  clickInPopup,
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
  // People of her grid without a file yet (the demo data has landlords there already).
  const filed = new Set(
    ((await call('GET', `${BASE}/subjects?_end=500`)).body as Array<{ personId: string | null }>).map(
      (s) => s.personId,
    ),
  );
  const people = (
    (await call('GET', `/residents?under=${grid}&_end=60`)).body as Array<{
      id: string;
      name: string;
    }>
  ).filter((p) => !filed.has(p.id));
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
    await clickInPopup(
      page
        .locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: declared.name })
        .first(),
    );
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
    await clickInPopup(
      page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: found.name }).first(),
    );
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

  it('registers a newcomer the registry does not know and declares her, from the same dialog', async () => {
    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'gridworker' },
      PHONE,
    );
    await page.goto(`${BASE}/subjects/${landlord}/tenants`);
    await page.waitForSelector('[data-testid=ls-tenants]');
    await page.click('[data-testid=ls-declare]');
    await page.locator('[data-testid=ls-declare-who] .ant-segmented-item', { hasText: '新登记人员' }).click();
    // A wrong check digit first: the server's refusal lands on the ID number's field.
    const idNumber = makeIdCard('510116', '19990909', 123);
    await page.fill('#ls-newcomer-name', '新租客');
    await page.fill('#ls-newcomer-idNumber', `${idNumber.slice(0, 17)}${idNumber.endsWith('0') ? '1' : '0'}`);
    await page.fill('#ls-newcomer-phone', '13900139000');
    await okModal(page);
    await page
      .locator('[data-testid=ls-declare-form] .ant-form-item-has-error', {
        has: page.locator('#ls-newcomer-idNumber'),
      })
      .waitFor();
    await page.fill('#ls-newcomer-idNumber', idNumber);
    await screenshot(page, 'landlord-tenants-04-newcomer-phone');
    await okModal(page);
    const row = page.locator('[data-testid=ls-tenant][data-name="新租客"]');
    await row.waitFor();
    expect(await row.getAttribute('data-verified')).toBe('false');
    // In the registry now, as a floating resident living in the landlord's house, born as her ID says.
    const found = (await call('GET', `/residents?q=${encodeURIComponent('新租客')}&_end=5`)).body as Array<{
      id: string;
      registration: string;
      birthDate: string;
    }>;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ registration: 'floating', birthDate: '1999-09-09' });
    await context.close();
  });

  it('the landlord on her own login declares a tenant from her ID card, and sees only her file', async () => {
    // Her login, made by the tenant admin like any user's, granted the landlord role and linked to her file.
    const admin = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'yiwu', username: 'admin', password: DEMO_PASSWORD }),
    });
    const worker = token;
    token = ((await admin.json()) as { accessToken: string }).accessToken;
    try {
      const file = (await call('GET', `${BASE}/subjects/${landlord}`)).body as { orgUnitId: string };
      const user = await call('POST', '/users', {
        orgUnitId: file.orgUnitId,
        username: 'fangdong-e2e',
        displayName: '房东本人',
        password: DEMO_PASSWORD,
      });
      expect(user.status).toBe(201);
      const userId = (user.body as { id: string }).id;
      const roles = (await call('GET', '/roles?_end=100')).body as Array<{ id: string; key: string }>;
      const role = roles.find((r) => r.key === 'landlord')!;
      expect(
        (await call('POST', '/grants', { userId, roleId: role.id, orgUnitId: file.orgUnitId })).status,
      ).toBe(201);
      expect((await call('PUT', `${BASE}/subjects/${landlord}/account`, { userId })).status).toBe(200);
    } finally {
      token = worker;
    }

    const { context, page } = await loginAs(
      browser,
      server.url,
      { tenant: 'yiwu', username: 'fangdong-e2e' },
      PHONE,
    );
    await page.goto(`${BASE}/subjects`);
    const rows = page.locator('[data-testid=ls-subject-card]');
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().click();
    await page.click('[data-testid=ls-file-tenants-page]');
    await page.waitForSelector('[data-testid=ls-tenants]');
    // No verifying for her, and no registry to search: the dialog asks who the tenant is.
    expect(await page.locator('[data-testid=ls-verify]').count()).toBe(0);
    await page.click('[data-testid=ls-declare]');
    expect(await page.locator('[data-testid=ls-declare-who]').count()).toBe(0);
    await page.fill('#ls-newcomer-name', '房东申报的租客');
    await page.fill('#ls-newcomer-idNumber', makeIdCard('510116', '20000202', 321));
    await screenshot(page, 'landlord-tenants-05-landlord-declares-phone');
    await okModal(page);
    const row = page.locator('[data-testid=ls-tenant][data-name="房东申报的租客"]');
    await row.waitFor();
    expect(await row.getAttribute('data-verified')).toBe('false');
    await context.close();
  });
});
