import { randomBytes } from 'node:crypto';
import { hashPassword } from '@civicgrid/identity';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApi } from '../../apps/api/src/app.ts';
import { as, login, PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';

let t: TestApp;
let app: Awaited<ReturnType<typeof createApi>>;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  t = await startApp();
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = new Queue('bulletin', { connection: redis, prefix: `{qb-${randomBytes(4).toString('hex')}}` });
  await queue.add('tally', { tenantId: crypto.randomUUID(), period: '2026-10' });
  app = await createApi(t.db, {
    jwtSecret: 'board-secret-0123456789abcdef0123',
    queueBoard: { queues: [queue] },
  });
  await app.ready();
  await t.db.withPlatform(async (tx) =>
    tx.query(
      `insert into platform_operator (username, display_name, password_hash) values ('boardop', 'Operator', ?) on conflict do nothing`,
      [await hashPassword(PASSWORD)],
    ),
  );
});
afterAll(async () => {
  await app.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
  await t.close();
});

describe('Bull Board for platform operators', () => {
  it('opens with a short-lived cookie an operator gets for her bearer token', async () => {
    const { accessToken } = await login(app, undefined, 'boardop');
    const session = await as(app, accessToken).post('/platform/queue-board/session');
    expect(session.statusCode).toBe(200);
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(
      /^cg_queue_board=[^;]+; Path=\/platform\/queues; Max-Age=900; HttpOnly; SameSite=Strict/,
    );
    const jar = cookie.split(';')[0]!;

    const page = await app.inject({ url: '/platform/queues', headers: { cookie: jar } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const api = await app.inject({ url: '/platform/queues/api/queues', headers: { cookie: jar } });
    expect(api.statusCode).toBe(200);
    const q = api.json().queues.find((x: { name: string }) => x.name === 'bulletin');
    expect(q.counts.waiting).toBe(1);

    // The cookie's token is not an API token.
    expect((await as(app, decodeURIComponent(jar.split('=')[1]!)).get('/platform/tenants')).statusCode).toBe(
      401,
    );
  });

  it('refuses anyone without the cookie, with a forged one, and tenant users', async () => {
    const none = await app.inject({ url: '/platform/queues/api/queues' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('unauthenticated');
    const forged = await app.inject({
      url: '/platform/queues/api/queues',
      headers: { cookie: 'cg_queue_board=abc.def.ghi' },
    });
    expect(forged.statusCode).toBe(401);
    const city = await buildCity(t.db);
    const { accessToken } = await login(app, city.code, 'admin');
    expect((await as(app, accessToken).post('/platform/queue-board/session')).statusCode).toBe(403);
  });

  it('ends with the operator’s session: logging out closes the board too', async () => {
    const { accessToken, refreshToken } = await login(app, undefined, 'boardop');
    const client = as(app, accessToken);
    const jar = String((await client.post('/platform/queue-board/session')).headers['set-cookie']).split(
      ';',
    )[0]!;
    expect(
      (await app.inject({ url: '/platform/queues/api/queues', headers: { cookie: jar } })).statusCode,
    ).toBe(200);
    await client.post('/auth/logout', { refreshToken });
    expect(
      (await app.inject({ url: '/platform/queues/api/queues', headers: { cookie: jar } })).statusCode,
    ).toBe(401);
  });
});
