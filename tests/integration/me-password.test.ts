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

describe('POST /me/password', () => {
  it('refuses a wrong current password and a weak new one, naming the field', async () => {
    const { accessToken } = await login(t.app, city.code, 'seca1');
    const wrong = await as(t.app, accessToken).post('/me/password', {
      currentPassword: 'Not-the-one-1',
      newPassword: 'Brand-new-pass-2026',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().details).toEqual([
      { field: 'currentPassword', reason: 'is not your current password' },
    ]);
    const weak = await as(t.app, accessToken).post('/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'short',
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().details[0].field).toBe('newPassword');
    // Nothing changed: the old password still logs in.
    await login(t.app, city.code, 'seca1');
  });

  it('changes the password, keeps this session, ends the others, and audits it', async () => {
    const mine = await login(t.app, city.code, 'streeta');
    const other = await login(t.app, city.code, 'streeta');
    const res = await as(t.app, mine.accessToken).post('/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'Changed-pass-2026',
    });
    expect(res.statusCode).toBe(204);

    const old = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: city.code, username: 'streeta', password: PASSWORD },
    });
    expect(old.statusCode).toBe(401);
    await login(t.app, city.code, 'streeta', 'Changed-pass-2026');

    const refresh = (refreshToken: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    expect((await refresh(mine.refreshToken)).statusCode).toBe(200);
    expect((await refresh(other.refreshToken)).statusCode).toBe(401);

    const admin = await login(t.app, city.code, 'admin');
    const log = await as(t.app, admin.accessToken).get(
      `/audit-log?action=user.change-password&targetId=${city.users.streetA}`,
    );
    expect(log.json()).toHaveLength(1);
    expect(JSON.stringify(log.json())).not.toContain('Changed-pass-2026');
  });

  it('needs a logged-in user', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      payload: { currentPassword: 'x', newPassword: 'y' },
    });
    expect(res.statusCode).toBe(401);
  });
});
