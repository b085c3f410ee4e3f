import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, login, PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

let t: TestApp;
let city: CityFixture;
beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
});
afterAll(() => t.close());

describe('login', () => {
  it('rejects a wrong password with 401 and a stable code', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: city.code, username: 'seca1', password: 'Wrong-pass-1' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'invalid_credentials' });
    expect(res.body).not.toContain('stack');
  });

  it('locks the account after five wrong passwords, even for the right one, and says so', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { tenant: city.code, username: 'w-grida2a', password: 'Wrong-pass-1' },
      });
      expect(r.statusCode).toBe(401);
    }
    const fifth = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: city.code, username: 'w-grida2a', password: 'Wrong-pass-1' },
    });
    expect(fifth.statusCode).toBe(423);
    const right = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: city.code, username: 'w-grida2a', password: PASSWORD },
    });
    expect(right.statusCode).toBe(423);
    expect(right.json().code).toBe('account_locked');
    expect(right.json().message).toMatch(/locked/);
  });

  it('an admin reset unlocks the account', async () => {
    const admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
    const reset = await admin.post(`/users/${city.residents.gridA2a}/reset-password`, {
      password: 'New-pass-2026',
    });
    expect(reset.statusCode).toBe(204);
    await login(t.app, city.code, 'w-grida2a', 'New-pass-2026');
  });

  it('rate-limits logins per account', async () => {
    const limited = await startApp({ loginLimits: { perIp: 1000, perAccount: 3 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { tenant: city.code, username: 'nobody', password: 'Wrong-pass-1' },
        });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('rate-limits logins per IP', async () => {
    const limited = await startApp({ loginLimits: { perIp: 2, perAccount: 1000 } });
    try {
      const codes: number[] = [];
      for (const u of ['a1', 'a2', 'a3']) {
        codes.push(
          (
            await limited.app.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              payload: { tenant: city.code, username: u, password: 'x' },
            })
          ).statusCode,
        );
      }
      expect(codes).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('tokens', () => {
  it('refuses an expired access token', async () => {
    const expired = t.app.jwt.sign(
      { sub: city.users.admin, knd: 'user', tid: city.tenantId, fam: crypto.randomUUID() },
      { expiresIn: 1 },
    );
    await new Promise((r) => setTimeout(r, 1100));
    const res = await as(t.app, expired).get('/me');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('token_expired');
  });

  it('refuses a token signed with another key', async () => {
    const other = await startApp();
    const foreign = other.app.jwt.sign({
      sub: city.users.admin,
      knd: 'user',
      tid: city.tenantId,
      fam: crypto.randomUUID(),
    });
    await other.close();
    expect((await as(t.app, foreign).get('/me')).statusCode).toBe(401);
  });

  it('rotates refresh tokens and revokes the family when a spent one is reused', async () => {
    const first = await login(t.app, city.code, 'seca1');
    const r1 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(r1.statusCode).toBe(200);
    const second = r1.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await as(t.app, second.accessToken).get('/me')).statusCode).toBe(200);
    // The first token is spent: presenting it again is theft or replay.
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().code).toBe('refresh_token_reused');
    // …and the newer token, and the access token of that family, stop working too.
    const after = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: second.refreshToken },
    });
    expect(after.statusCode).toBe(401);
    expect((await as(t.app, second.accessToken).get('/me')).json().code).toBe('session_revoked');
  });

  it('logout ends the session', async () => {
    const s = await login(t.app, city.code, 'seca1');
    expect((await as(t.app, s.accessToken).post('/auth/logout')).statusCode).toBe(204);
    expect((await as(t.app, s.accessToken).get('/me')).statusCode).toBe(401);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: s.refreshToken },
    });
    expect(r.statusCode).toBe(401);
  });

  it('refuses a malformed refresh token with 401, not 500', async () => {
    for (const refreshToken of ['x', 'a.b.c', `${city.tenantId}.${crypto.randomUUID()}.${'A'.repeat(43)}`]) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken },
      });
      expect(r.statusCode).toBe(401);
    }
  });
});

describe('platform operators and suspended tenants', () => {
  it('an operator creates a tenant with its first admin, and suspending it shuts its users out', async () => {
    await t.db.withPlatform(async (tx) => {
      const { hashPassword } = await import('@civicgrid/identity');
      await tx.query(
        `insert into platform_operator (username, display_name, password_hash) values ('op', 'Operator', ?) on conflict do nothing`,
        [await hashPassword(PASSWORD)],
      );
    });
    const op = as(t.app, (await login(t.app, undefined, 'op')).accessToken);
    const code = `sl${Date.now().toString(36)}`;
    const created = await op.post('/platform/tenants', {
      code,
      name: '双流区',
      divisionCode: '510116',
      admin: { username: 'admin', displayName: '管理员', password: PASSWORD },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ code, timezone: 'Asia/Shanghai', status: 'active' });
    const session = await login(t.app, code, 'admin');
    const admin = as(t.app, session.accessToken);
    expect((await admin.get('/me')).json().grants[0].roleKey).toBe('tenant-admin');
    // A tenant user is not an operator.
    expect((await admin.get('/platform/tenants')).statusCode).toBe(403);

    const list = await op.get('/platform/tenants?_start=0&_end=500');
    expect(list.json().map((x: { code: string }) => x.code)).toContain(code);

    const suspend = await op.post(`/platform/tenants/${created.json().id}/suspend`);
    expect(suspend.json().status).toBe('suspended');
    expect((await admin.get('/me')).json().code).toBe('tenant_suspended');
    const relogin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: code, username: 'admin', password: PASSWORD },
    });
    expect(relogin.statusCode).toBe(403);
    expect(relogin.json().code).toBe('tenant_suspended');
    const refresh = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: session.refreshToken },
    });
    expect(refresh.json().code).toBe('tenant_suspended');

    await op.post(`/platform/tenants/${created.json().id}/resume`);
    expect((await admin.get('/me')).statusCode).toBe(200);
  });

  it('a duplicate tenant code is a 409 naming the field, and nothing is half-created', async () => {
    const op = as(t.app, (await login(t.app, undefined, 'op')).accessToken);
    const res = await op.post('/platform/tenants', {
      code: city.code,
      name: 'x',
      admin: { username: 'admin', displayName: 'x', password: PASSWORD },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().details[0].field).toBe('code');
    // A weak admin password fails after the tenant row would have been inserted: the whole thing rolls back.
    const code = `wk${Date.now().toString(36)}`;
    const weak = await op.post('/platform/tenants', {
      code,
      name: 'x',
      admin: { username: 'admin', displayName: 'x', password: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().details[0].field).toBe('password');
    const [row] = await t.db.withPlatform((tx) => tx.query(`select 1 from tenant where code = ?`, [code]));
    expect(row).toBeUndefined();
    const tz = await op.post('/platform/tenants', {
      code,
      name: 'x',
      timezone: 'Mars/Olympus',
      admin: { username: 'admin', displayName: 'x', password: PASSWORD },
    });
    expect(tz.json().details[0].field).toBe('timezone');
  });
});
