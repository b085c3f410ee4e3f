import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmin } from '../../apps/api/src/admin-static.ts';
import { startApp, type TestApp } from '../support/app.ts';

let dir: string;
let t: TestApp;

/** The API serving a stand-in admin build: the real serveAdmin on the real app. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-dist-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>admin</title>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync('console.log(1)'));
  t = await startApp({ beforeReady: (app) => serveAdmin(app, dir) });
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the admin app served by the API', () => {
  it('serves the page at / and at any app route (SPA fallback), never cached', async () => {
    for (const url of ['/', '/users', '/m/bulletin/notices?x=1']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain('<title>admin</title>');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets with a long cache, pre-compressed when the browser accepts it', async () => {
    const res = await t.app.inject({ url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
    const gz = await t.app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe('console.log(1)');
  });

  it('serves an asset built after the API started (a rebuild needs no restart)', async () => {
    await writeFile(join(dir, 'assets', 'page-new456.js'), 'console.log(2)');
    const res = await t.app.inject({ url: '/assets/page-new456.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(2)');
    const missing = await t.app.inject({ url: '/assets/nothing-here.js' });
    expect(missing.statusCode).toBe(404);
  });

  it('never shadows the API, the probes or the queue board', async () => {
    const api = await t.app.inject({ url: '/api/v1/no-such-route' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ code: 'route_not_found' });
    const docs = await t.app.inject({ url: '/api/nothing' });
    expect(docs.json()).toMatchObject({ code: 'route_not_found' });
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
    const board = await t.app.inject({ url: '/platform/queues/anything' });
    expect(board.statusCode).toBe(404);
    expect(board.json()).toMatchObject({ code: 'route_not_found' });
    const me = await t.app.inject({ url: '/api/v1/me' });
    expect(me.statusCode).toBe(401);
  });

  it('without a build, serves nothing and says why', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'admin-none-'));
    const other = await startApp({
      beforeReady: async (app) => expect(await serveAdmin(app, empty)).toBe(false),
    });
    try {
      expect((await other.app.inject({ url: '/' })).statusCode).toBe(404);
    } finally {
      await other.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
