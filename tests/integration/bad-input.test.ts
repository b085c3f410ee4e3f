import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

let t: TestApp;
let city: CityFixture;
let admin: Client;
let token: string;

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  token = (await login(t.app, city.code, 'admin')).accessToken;
  admin = as(t.app, token);
});
afterAll(() => t.close());

/** Rows in the tenant's tables: a failed request must leave every count as it was. */
const counts = () =>
  t.db.withTenant(city.tenantId, async (tx) => {
    const out: Record<string, number> = {};
    for (const table of ['org_unit', 'app_user', 'role', 'role_grant']) {
      out[table] = (await tx.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;
    }
    return out;
  });

const raw = (method: 'POST' | 'PATCH', url: string, body: string, contentType = 'application/json') =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload: body,
  });

describe('bad input is a 4xx naming the field; nothing is written', () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await counts();
  });

  it('malformed JSON', async () => {
    const res = await raw('POST', '/org-units', '{"parentId": "x", "kind": ');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'malformed_json' });
  });

  it('wrong types are not coerced', async () => {
    const res = await admin.post('/org-units', {
      parentId: city.units.commA1,
      kind: 'grid',
      gridTier: 'general',
      name: 'x',
      householdCount: '120',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].field).toBe('householdCount');
    const num = await admin.post('/users', {
      orgUnitId: city.units.commA1,
      username: 12345,
      displayName: 'x',
      password: 'Valid-pass-2026',
    });
    expect(num.statusCode).toBe(400);
    expect(num.json().details[0].field).toBe('username');
  });

  it('unknown fields are refused, not dropped', async () => {
    const res = await admin.post('/org-units', {
      parentId: city.units.commA1,
      kind: 'compound',
      name: '新小区',
      tenantId: city.tenantId,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toEqual({ field: 'tenantId', reason: 'is not a known field' });
    const q = await admin.get('/users?isAdmin=true');
    expect(q.statusCode).toBe(400);
    expect(q.json().details[0].field).toBe('isAdmin');
  });

  it('missing fields name the field', async () => {
    const res = await admin.post('/users', {
      orgUnitId: city.units.commA1,
      displayName: 'x',
      password: 'Valid-pass-2026',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toEqual({ field: 'username', reason: 'is required' });
  });

  it('oversize bodies are 413', async () => {
    const res = await raw('POST', '/org-units', JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('body_too_large');
  });

  it('other content types are 415', async () => {
    const res = await raw('POST', '/org-units', 'name=x', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
  });

  it('invalid ids in the path and the query', async () => {
    for (const url of ['/users/not-a-uuid', '/org-units/1%27%20or%201=1', `/users/${city.users.admin}x`]) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().details[0].field).toBe('id');
    }
    const q = await admin.get('/users?under=root.*');
    expect(q.statusCode).toBe(400);
    expect(q.json().details[0].field).toBe('under');
  });

  it('path traversal and unknown routes are 404 with a body, never a stack', async () => {
    for (const url of [
      '/api/v1/../../etc/passwd',
      '/api/v1/users/..%2F..%2Fetc%2Fpasswd/x',
      '/api/v1/nothing',
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('paging out of bounds', async () => {
    expect((await admin.get('/users?_start=10&_end=5')).json().details[0].field).toBe('_end');
    expect((await admin.get('/users?_start=0&_end=100000')).json().details[0].field).toBe('_end');
    expect((await admin.get('/users?_sort=password_hash')).json().details[0].field).toBe('_sort');
  });

  it('rule violations name the rule', async () => {
    const res = await admin.post('/org-units', { parentId: city.units.gridA1a, kind: 'street', name: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/grid cannot hold a street/);
    const tier = await admin.post('/org-units', {
      parentId: city.units.gridA1a,
      kind: 'grid',
      gridTier: 'total',
      name: 'x',
    });
    expect(tier.statusCode).toBe(400);
    expect(tier.json().message).toMatch(/total grid cannot sit under a general grid/);
    const weak = await admin.post('/users', {
      orgUnitId: city.units.commA1,
      username: 'weakling',
      displayName: 'x',
      password: 'aaaaaaaaaaaa',
    });
    expect(weak.json().details[0].field).toBe('password');
    const dup = await admin.post('/users', {
      orgUnitId: city.units.commA1,
      username: 'seca1',
      displayName: 'x',
      password: 'Valid-pass-2026',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().details[0].field).toBe('username');
  });

  it('nothing above was written', async () => {
    expect(await counts()).toEqual(before);
  });
});

describe('SQL and ltree metacharacters are data, not code', () => {
  const nasty = [
    "x'); drop table app_user; --",
    'a.b.*{1,}',
    '网格 %_\\ @ ! | & ? ~',
    '\u202e反向\u200b零宽',
  ];

  it('are stored and found verbatim in names', async () => {
    for (const name of nasty) {
      const res = await admin.post('/org-units', { parentId: city.units.commA2, kind: 'compound', name });
      expect(res.statusCode, name).toBe(201);
      expect(res.json().name).toBe(name);
      const found = await admin.get(`/org-units?q=${encodeURIComponent(name)}`);
      expect(found.statusCode).toBe(200);
      expect(found.json().map((u: { name: string }) => u.name)).toContain(name);
    }
    // The wildcard characters match themselves only.
    const pct = await admin.get(`/org-units?q=${encodeURIComponent('%')}`);
    expect(pct.json().every((u: { name: string }) => u.name.includes('%'))).toBe(true);
  });

  it('control characters in names are refused', async () => {
    const res = await admin.post('/org-units', {
      parentId: city.units.commA2,
      kind: 'compound',
      name: 'a\u0000b',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].field).toBe('name');
  });
});
