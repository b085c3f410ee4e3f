/**
 * `pnpm bench admin`: what the admin app costs a browser. Builds apps/admin, starts the product
 * (apps/api main on a fresh database with the demo tenant) and drives Debian's headless Chromium:
 *
 * - initial JavaScript of the login page and of the dashboard: every script the page loads until it
 *   is usable, as gzip (the .gz the build writes) and as actually transferred (the server sends the
 *   brotli copy to Chromium);
 * - each page and module chunk on its own, from the build manifest (a module's pages load only when
 *   opened);
 * - time to interactive of the dashboard, median of 5 cold loads (fresh browser context each time):
 *   from navigation start until the counts are drawn and the chart is on its canvas, by the page's clock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  buildAdmin,
  DEMO_PASSWORD,
  gzipOf,
  launchBrowser,
  ROOT,
  recordScripts,
  type Script,
  startServer,
} from '../e2e/support.ts';

const DIST = join(ROOT, 'apps/admin/dist');
const RUNS = Number(process.env.BENCH_ADMIN_RUNS ?? 5);

type Log = (msg: string) => void;

const sum = (xs: Script[], k: 'gzip' | 'transferred') => xs.reduce((s, x) => s + x[k], 0);
const kb = (n: number) => Math.round(n / 102.4) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function tokensFor(base: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'yiwu', username: 'admin', password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}

/** A fresh (cold-cache) context already holding a session, as after logging in. */
async function loggedInPage(browser: Browser, base: string) {
  const t = await tokensFor(base);
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  await context.addInitScript(
    `localStorage.setItem('civicgrid.accessToken', ${JSON.stringify(t.accessToken)});
     localStorage.setItem('civicgrid.refreshToken', ${JSON.stringify(t.refreshToken)});`,
  );
  return { context, page: await context.newPage() };
}

const DASHBOARD_READY = `(() => {
  const values = [...document.querySelectorAll('[data-testid=dashboard] .ant-statistic-content-value')];
  return values.length >= 9 && values.every((v) => !v.textContent.includes('…'))
    && document.querySelector('[data-testid=units-chart] canvas') != null;
})()`;

interface Manifest {
  [src: string]: {
    file: string;
    imports?: string[];
    dynamicImports?: string[];
    isDynamicEntry?: boolean;
    isEntry?: boolean;
  };
}

/** Each page's and module's own chunk (the file its source became), gzip. */
function chunks() {
  const manifest = JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8')) as Manifest;
  return Object.entries(manifest)
    .filter(([src, c]) => c.isDynamicEntry && /(pages|layout|plugins\/[^/]+\/src\/client)\//.test(src))
    .map(([src, c]) => ({
      source: src.replace(/^.*?(apps\/admin\/src\/|plugins\/)/, '$1'),
      file: c.file,
      gzip: gzipOf(c.file),
    }))
    .sort((a, b) => a.source.localeCompare(b.source));
}

export async function benchAdmin(log: Log) {
  log('building the admin app');
  buildAdmin();
  log('starting the API on a fresh database (demo tenant)');
  const server = await startServer();
  const { browser, close } = await launchBrowser();
  try {
    log('login page');
    const lc = await browser.newContext({ baseURL: server.url });
    const lp = await lc.newPage();
    const loginScripts = recordScripts(lp);
    await lp.goto('/login');
    await lp.waitForSelector('#username');
    await lp.waitForLoadState('networkidle');
    await lc.close();

    log('dashboard (initial scripts)');
    const { context: dc, page: dp } = await loggedInPage(browser, server.url);
    const dashScripts = recordScripts(dp);
    await dp.goto('/');
    await dp.waitForFunction(DASHBOARD_READY, undefined, { timeout: 60_000 });
    await dp.waitForLoadState('networkidle');
    await dc.close();

    const tti: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { context, page } = await loggedInPage(browser, server.url);
      await page.goto('/');
      await page.waitForFunction(DASHBOARD_READY, undefined, { timeout: 60_000, polling: 'raf' });
      tti.push(Math.round((await page.evaluate('performance.now()')) as number));
      await context.close();
      log(`dashboard time to interactive, run ${i + 1}: ${tti[i]} ms`);
    }
    const chart = dashScripts.filter((s) => /\/chart-/.test(s.url));
    return {
      startedAt: new Date().toISOString(),
      login: {
        scripts: loginScripts.length,
        gzipKB: kb(sum(loginScripts, 'gzip')),
        transferredKB: kb(sum(loginScripts, 'transferred')),
        files: loginScripts,
      },
      dashboard: {
        scripts: dashScripts.length,
        gzipKB: kb(sum(dashScripts, 'gzip')),
        transferredKB: kb(sum(dashScripts, 'transferred')),
        chartGzipKB: kb(sum(chart, 'gzip')),
        files: dashScripts,
      },
      chunks: chunks().map((c) => ({ ...c, gzipKB: kb(c.gzip) })),
      tti: { runs: tti, medianMs: median(tti) },
    };
  } finally {
    await close();
    await server.stop();
  }
}

export type AdminReport = Awaited<ReturnType<typeof benchAdmin>>;

export function formatAdmin(r: AdminReport): string {
  const lines = [
    `CivicGrid admin benchmark — ${r.startedAt}`,
    '',
    `login page:  ${r.login.scripts} scripts, ${r.login.gzipKB} KB gzip (${r.login.transferredKB} KB transferred, brotli) — target < 350 KB gzip: ${r.login.gzipKB < 350 ? 'PASS' : 'MISS'}`,
    `dashboard:   ${r.dashboard.scripts} scripts, ${r.dashboard.gzipKB} KB gzip (${r.dashboard.transferredKB} KB transferred), of which the lazily loaded chart ${r.dashboard.chartGzipKB} KB`,
    `dashboard time to interactive (median of ${r.tti.runs.length} cold loads): ${r.tti.medianMs} ms  [${r.tti.runs.join(', ')}]`,
    '',
    'page and module chunks (gzip, loaded only when opened):',
    ...r.chunks.map((c) => `  ${c.source.padEnd(48)} ${String(c.gzipKB).padStart(7)} KB  ${c.file}`),
  ];
  return lines.join('\n');
}
