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

const counts = async (username: string) => {
  const res = await as(t.app, (await login(t.app, city.code, username)).accessToken).get('/dashboard/counts');
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('GET /dashboard/counts', () => {
  it('counts the whole city for the tenant admin', async () => {
    expect(await counts('admin')).toEqual({
      units: { district: 1, street: 2, community: 3, grid: 4 },
      users: 10,
      residents: 0,
      houses: 0,
      shops: 0,
    });
  });

  it("counts only a street admin's own street, and a grid worker's own grid", async () => {
    expect(await counts('streeta')).toMatchObject({ units: { street: 1, community: 2, grid: 3 }, users: 6 });
    expect(await counts('workera1a')).toMatchObject({ units: { grid: 1 }, users: 2 });
  });

  it('answers null for what the user may not see anywhere, and 403 without org-unit read', async () => {
    const admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
    const u = await admin.post('/users', {
      orgUnitId: city.units.streetA,
      username: 'dept-a',
      displayName: '部门',
      password: PASSWORD,
    });
    expect(u.statusCode, u.body).toBe(201);
    const g = await admin.post('/grants', {
      userId: u.json().id,
      roleId: city.roleIds.get('department-staff'),
      orgUnitId: city.units.streetA,
    });
    expect(g.statusCode, g.body).toBe(201);
    expect(await counts('dept-a')).toEqual({
      units: { street: 1, community: 2, grid: 3 },
      users: null,
      residents: null,
      houses: null,
      shops: null,
    });
    // w-grida1a holds no grant at all.
    const none = await as(t.app, (await login(t.app, city.code, 'w-grida1a')).accessToken).get(
      '/dashboard/counts',
    );
    expect(none.statusCode).toBe(403);
  });
});
