import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect, onTestFailed } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-results/screenshots');

/** STACK.md's flags: no sandbox (root in a container), no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Browser tests need Debian's Chromium; without it they fail and say how to get it (never skip). */
export function requireChromium() {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it. ` +
        'Install it with `apt-get install -y chromium fonts-noto-cjk` (.ci/run does this), or set CHROMIUM_PATH.',
    );
}

/** Playwright gives each launch a fresh temporary profile (the --user-data-dir STACK.md asks for). */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  requireChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return { browser, close: () => browser.close() };
}

/**
 * How long a browser file's setup may take: besides the build and the server, it waits its turn.
 */
export const BROWSER_SETUP_MS = 15 * 60_000;

const TURN = join(ROOT, 'test-results/.browser-turn');
let holdingTurn = false;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * One browser test file at a time (the integration files keep running beside it): two Chromiums, two
 * API servers and two workers on two shared cores starved each other's pages past any sane wait. The
 * turn is a directory (mkdir is atomic) holding the holder's pid; a dead holder's turn is taken over.
 * Also builds the admin first, as every browser file needs it.
 */
export async function takeBrowserTurn(): Promise<void> {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(TURN);
      writeFileSync(join(TURN, 'pid'), String(process.pid));
      holdingTurn = true;
      process.once('exit', releaseBrowserTurn);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(existsSync(join(TURN, 'pid')) ? readFileSync(join(TURN, 'pid'), 'utf8') : 0);
      if (pid > 0 && !alive(pid)) rmSync(TURN, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  buildAdmin();
}

/** Ends this file's browser turn (afterAll; also on exit). */
export function releaseBrowserTurn() {
  if (!holdingTurn) return;
  holdingTurn = false;
  rmSync(TURN, { recursive: true, force: true });
}

/** Builds apps/admin when its dist is missing or stale (the same step `pnpm start` runs). */
export function buildAdmin() {
  const r = spawnSync(process.execPath, ['apps/admin/scripts/ensure-build.mjs'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`the admin app did not build:\n${r.stdout}\n${r.stderr}`);
}

export { DEMO_PASSWORD, type Server, startServer } from '../support/server.ts';

import { DEMO_PASSWORD } from '../support/server.ts';

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/**
 * When the running test fails, saves what this page showed and prints where it was and what went
 * wrong in it (script errors, console errors, failed or refused requests): a timeout alone says only
 * that something never appeared.
 */
export function explainFailures(page: Page) {
  const trail: string[] = [];
  const note = (line: string) => {
    trail.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (trail.length > 60) trail.shift();
  };
  page.on('pageerror', (e) => note(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') note(`console ${m.type()}: ${m.text()}`);
  });
  page.on('requestfailed', (r) => note(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    // Every API call (a dialog that "did nothing" shows here whether it asked at all), other files on failure.
    if (r.status() >= 400 || r.url().includes('/api/'))
      note(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) note(`at ${f.url()}`);
  });
  try {
    onTestFailed(async ({ task }) => {
      const name = `failed-${task.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60)}`;
      await screenshot(page, name).catch(() => {});
      process.stderr.write(
        `\n[browser] ${task.name}: page at ${page.url()}, screenshot ${name}.png\n${trail.join('\n')}\n`,
      );
    });
  } catch {
    // Outside a running test (a beforeAll): nothing to attach to.
  }
}

/** A fresh browser context (its own storage) logged in through the login page. */
export async function loginAs(
  browser: Browser,
  base: string,
  who: { tenant?: string; username: string; password?: string },
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, baseURL: base, acceptDownloads: true });
  const page = await context.newPage();
  // The browser test files run two at a time on two shared cores beside their API servers and workers:
  // a first render can take tens of seconds there, so a wait gives up only well past that.
  page.setDefaultTimeout(45_000);
  explainFailures(page);
  await page.goto('/login');
  if (who.tenant) await page.fill('#tenant', who.tenant);
  else await page.click('[data-testid=operator-login]');
  await page.fill('#username', who.username);
  await page.fill('#password', who.password ?? DEMO_PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  // The signed-in frame has loaded (its chunk, /me): a test's next page.goto then never cuts the first
  // page's loading short.
  await page.waitForSelector('[data-testid=logout]');
  return { context, page };
}

/** The texts of the left menu (top-level items and group titles). */
export async function menuTexts(page: Page): Promise<string[]> {
  await page.waitForSelector('.ant-layout-sider .ant-menu');
  return (await page.locator('.ant-layout-sider .ant-menu-title-content').allTextContents()).map((s) =>
    s.trim(),
  );
}

/** Picks an option in an antd Select whose input has this id, by typing and clicking the label. */
export async function pickOption(page: Page, inputId: string, label: string) {
  await page.click(`#${inputId}`);
  await page.fill(`#${inputId}`, label);
  await clickInPopup(
    page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: label }).first(),
  );
}

/**
 * Picks an org unit in an OrgUnitPicker (TreeSelect) by searching the server for its name, until the
 * field shows it: a click on a result the search was re-rendering chose nothing (seen under load), and
 * is tried again, at most three times.
 */
export async function pickUnit(page: Page, inputId: string, name: string) {
  const chosen = page
    .locator('.ant-select', { has: page.locator(`#${inputId}`) })
    .locator('.ant-select-selection-item', { hasText: name });
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.click(`#${inputId}`);
    await page.fill(`#${inputId}`, name);
    await clickInPopup(
      page
        .locator('.ant-select-dropdown:visible .ant-select-tree-title', { hasText: new RegExp(`^${name}$`) })
        .first(),
    );
    if (
      await chosen
        .first()
        .waitFor({ timeout: 5_000 })
        .then(
          () => true,
          () => false,
        )
    )
      return;
  }
  await chosen.first().waitFor();
}

/** What clickInPopup reads of an element and its parents (the tests compile without the DOM's types). */
interface MotionNode {
  classList: Iterable<string>;
  parentElement: MotionNode | null;
}

/**
 * Clicks something in a popup (a modal, popover or dropdown) once the popup has finished opening.
 * antd lays a popup out at its full size for a frame before zooming it in from nothing (rc-motion's
 * prepare step): Playwright can find the button steady there and press it, and when the machine is
 * loaded the release comes once the zoom has begun, over another element, so the click goes to their
 * common parent and the button never hears it. No person clicks within that frame; a test without
 * fields to fill first did, in CI runs only.
 */
export async function clickInPopup(target: Locator) {
  await target.waitFor();
  await expect
    .poll(
      () =>
        target.evaluate((el: MotionNode) => {
          // rc-motion marks an opening or closing element `<motion>-appear|enter|leave` until it is done.
          for (let e: MotionNode | null = el; e; e = e.parentElement)
            if ([...e.classList].some((c) => /-(appear|enter|leave)$/.test(c))) return true;
          return false;
        }),
      { timeout: 10_000 },
    )
    .toBe(false);
  await target.click();
}

/** Switches the admin's language through the switch in its header. */
export async function switchLanguage(page: Page, label: 'English' | '中文') {
  await page.click('[data-testid=locale-switch]');
  await clickInPopup(
    page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: label }),
  );
}

/** Clicks the primary button of the open modal. */
export const okModal = (page: Page) =>
  clickInPopup(page.locator('.ant-modal-wrap:visible .ant-modal-footer .ant-btn-primary'));

export interface Script {
  url: string;
  gzip: number;
  transferred: number;
}

/** gzip size of a built file: its .gz when the build wrote one, else compressed here (small files). */
export function gzipOf(path: string): number {
  const file = join(ROOT, 'apps/admin/dist', path);
  if (existsSync(`${file}.gz`)) return statSync(`${file}.gz`).size;
  return existsSync(file) ? gzipSync(readFileSync(file), { level: 9 }).length : 0;
}

/** Records every script a page loads, with its transferred (encoded) size. */
export function recordScripts(page: Page): Script[] {
  const scripts: Script[] = [];
  page.on('requestfinished', async (req) => {
    if (req.resourceType() !== 'script') return;
    const sizes = await req.sizes();
    const path = new URL(req.url()).pathname;
    scripts.push({ url: path, gzip: gzipOf(path), transferred: sizes.responseBodySize });
  });
  return scripts;
}
