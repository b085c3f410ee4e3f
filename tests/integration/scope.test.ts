import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

let t: TestApp;
let city: CityFixture;
const clients: Record<string, Client> = {};

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  for (const u of ['admin', 'streeta', 'streetb', 'seca1', 'workera1a']) {
    clients[u] = as(t.app, (await login(t.app, city.code, u)).accessToken);
  }
});
afterAll(() => t.close());

type Level = 'own' | 'sibling' | 'parent';
/** For each actor: a record (a user) in her own subtree, in a sibling subtree, and at the level above. */
const targets = (c: CityFixture): Record<string, Record<Level, { user: string; unit: string }>> => ({
  streeta: {
    own: { user: c.residents.gridA1a!, unit: c.units.gridA1a },
    sibling: { user: c.residents.gridB1a!, unit: c.units.streetB },
    parent: { user: c.users.admin, unit: c.units.root },
  },
  seca1: {
    own: { user: c.residents.gridA1a!, unit: c.units.gridA1b },
    sibling: { user: c.residents.gridA2a!, unit: c.units.commA2 },
    parent: { user: c.users.streetA, unit: c.units.streetA },
  },
  workera1a: {
    own: { user: c.residents.gridA1a!, unit: c.units.gridA1a },
    sibling: { user: c.residents.gridA1b!, unit: c.units.gridA1b },
    parent: { user: c.users.secA1, unit: c.units.commA1 },
  },
});

/** Expected answers: list = in the list or not; read/update = status of the single-record route. */
const EXPECTED: Record<
  string,
  Record<Level, { list: boolean; read: number; update: number; unitRead: number; unitUpdate: number }>
> = {
  streeta: {
    own: { list: true, read: 200, update: 200, unitRead: 200, unitUpdate: 200 },
    sibling: { list: false, read: 404, update: 404, unitRead: 404, unitUpdate: 404 },
    parent: { list: false, read: 404, update: 404, unitRead: 404, unitUpdate: 404 },
  },
  seca1: {
    own: { list: true, read: 200, update: 200, unitRead: 200, unitUpdate: 200 },
    sibling: { list: false, read: 404, update: 404, unitRead: 404, unitUpdate: 404 },
    parent: { list: false, read: 404, update: 404, unitRead: 404, unitUpdate: 404 },
  },
  // A grid worker reads her own grid but may change nothing.
  // Holding no update permission anywhere is a 403 before any lookup, so it reveals nothing either.
  workera1a: {
    own: { list: true, read: 200, update: 403, unitRead: 200, unitUpdate: 403 },
    sibling: { list: false, read: 404, update: 403, unitRead: 404, unitUpdate: 403 },
    parent: { list: false, read: 404, update: 403, unitRead: 404, unitUpdate: 403 },
  },
};

describe('scope matrix: roles × org levels × actions', () => {
  for (const actor of Object.keys(EXPECTED)) {
    for (const level of ['own', 'sibling', 'parent'] as const) {
      it(`${actor} on ${level}`, async () => {
        const c = clients[actor]!;
        const target = targets(city)[actor]![level];
        const want = EXPECTED[actor]![level];
        const list = (await c.get('/users?_end=500')).json().map((u: { id: string }) => u.id);
        expect(list.includes(target.user)).toBe(want.list);
        expect((await c.get(`/users/${target.user}`)).statusCode).toBe(want.read);
        expect((await c.patch(`/users/${target.user}`, { displayName: `由${actor}修改` })).statusCode).toBe(
          want.update,
        );
        const units = (await c.get('/org-units?_end=500')).json().map((u: { id: string }) => u.id);
        expect(units.includes(target.unit)).toBe(want.unitRead === 200);
        expect((await c.get(`/org-units/${target.unit}`)).statusCode).toBe(want.unitRead);
        expect((await c.patch(`/org-units/${target.unit}`, { householdCount: 120 })).statusCode).toBe(
          want.unitUpdate,
        );
      });
    }
  }

  it('a street admin of 稠城 sees everything under 稠城 and nothing under 江东', async () => {
    const units = (await clients.streeta!.get('/org-units?_end=500')).json() as Array<{
      id: string;
      ancestorIds: string[];
    }>;
    expect(units.length).toBe(6); // street, 2 communities, 3 grids
    expect(units.every((u) => u.ancestorIds.includes(city.units.streetA))).toBe(true);
    const users = (await clients.streeta!.get('/users?_end=500')).json() as Array<{ orgUnitId: string }>;
    const streetA = new Set([
      city.units.streetA,
      city.units.commA1,
      city.units.commA2,
      city.units.gridA1a,
      city.units.gridA1b,
      city.units.gridA2a,
    ]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.every((u) => streetA.has(u.orgUnitId))).toBe(true);
  });

  it('a grid worker sees her grid only', async () => {
    const units = (await clients.workera1a!.get('/org-units?_end=500')).json() as Array<{ id: string }>;
    expect(units.map((u) => u.id)).toEqual([city.units.gridA1a]);
  });
});

describe('no one grants more than she holds', () => {
  it('a street admin creates users and grants roles only inside her street', async () => {
    const s = clients.streeta!;
    const inside = await s.post('/users', {
      orgUnitId: city.units.gridA2a,
      username: 'new-a2a',
      displayName: '新网格员',
      password: 'Valid-pass-2026',
    });
    expect(inside.statusCode).toBe(201);
    const outside = await s.post('/users', {
      orgUnitId: city.units.gridB1a,
      username: 'new-b1a',
      displayName: 'x',
      password: 'Valid-pass-2026',
    });
    expect(outside.statusCode).toBe(400); // a unit outside her scope is unknown to her
    const g = await s.post('/grants', {
      userId: inside.json().id,
      roleId: city.roleIds.get('grid-worker'),
      orgUnitId: city.units.gridA2a,
    });
    expect(g.statusCode).toBe(201);
    const onB = await s.post('/grants', {
      userId: inside.json().id,
      roleId: city.roleIds.get('grid-worker'),
      orgUnitId: city.units.streetB,
    });
    expect(onB.statusCode).toBe(400);
  });

  it('a street admin cannot grant tenant-admin, even inside her street', async () => {
    const res = await clients.streeta!.post('/grants', {
      userId: city.residents.gridA1a,
      roleId: city.roleIds.get('tenant-admin'),
      orgUnitId: city.units.streetA,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/core\.(role\.manage|org-unit\.import)/);
  });

  it('a community secretary cannot grant street-admin (it holds core.org-unit.delete she lacks)', async () => {
    const res = await clients.seca1!.post('/grants', {
      userId: city.residents.gridA1a,
      roleId: city.roleIds.get('street-admin'),
      orgUnitId: city.units.commA1,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/core\.org-unit\.delete/);
  });

  it('a grid worker cannot grant anything', async () => {
    const res = await clients.workera1a!.post('/grants', {
      userId: city.residents.gridA1a,
      roleId: city.roleIds.get('grid-worker'),
      orgUnitId: city.units.gridA1a,
    });
    expect(res.statusCode).toBe(403);
  });

  it('roles are managed tenant-wide only, and only with permissions the author holds', async () => {
    expect(
      (
        await clients.streeta!.post('/roles', {
          key: 'helper',
          name: '助理',
          permissions: ['core.user.read'],
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await clients.streeta!.patch(`/roles/${city.roleIds.get('grid-worker')}`, {
          permissions: ['core.user.create'],
        })
      ).statusCode,
    ).toBe(403);
    const ok = await clients.admin!.post('/roles', {
      key: 'helper',
      name: '助理',
      permissions: ['core.user.read'],
    });
    expect(ok.statusCode).toBe(201);
    const unknown = await clients.admin!.post('/roles', {
      key: 'bad',
      name: 'x',
      permissions: ['core.nuke.all'],
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details[0].field).toBe('permissions');
  });
});

describe('re-zoning', () => {
  it("moving a grid to another community moves its records' visibility, without rewriting them", async () => {
    const worker = city.residents.gridA1b!;
    const before = await t.db.withTenant(city.tenantId, (tx) =>
      tx.query<{ updated_at: string; org_unit_id: string }>(
        `select updated_at::text, org_unit_id from app_user where id = ?`,
        [worker],
      ),
    );
    expect((await clients.streetb!.get(`/users/${worker}`)).statusCode).toBe(404);
    expect((await clients.seca1!.get(`/users/${worker}`)).statusCode).toBe(200);

    const moved = await clients.admin!.post(`/org-units/${city.units.gridA1b}/move`, {
      parentId: city.units.commB1,
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().ancestorIds).toEqual([
      city.units.root,
      city.units.streetB,
      city.units.commB1,
      city.units.gridA1b,
    ]);

    expect((await clients.streetb!.get(`/users/${worker}`)).statusCode).toBe(200);
    expect((await clients.streeta!.get(`/users/${worker}`)).statusCode).toBe(404);
    expect((await clients.seca1!.get(`/users/${worker}`)).statusCode).toBe(404);
    const after = await t.db.withTenant(city.tenantId, (tx) =>
      tx.query<{ updated_at: string; org_unit_id: string }>(
        `select updated_at::text, org_unit_id from app_user where id = ?`,
        [worker],
      ),
    );
    expect(after).toEqual(before);
    const audit = (
      await clients.admin!.get(`/audit-log?action=org-unit.move&targetId=${city.units.gridA1b}`)
    ).json();
    expect(audit[0].diff.parentId).toEqual([city.units.commA1, city.units.commB1]);
  });

  it('refuses moves that break the tree, naming the rule', async () => {
    const intoOwn = await clients.admin!.post(`/org-units/${city.units.streetA}/move`, {
      parentId: city.units.commA1,
    });
    expect(intoOwn.statusCode).toBe(400);
    const gridUnderStreet = await clients.admin!.post(`/org-units/${city.units.gridA2a}/move`, {
      parentId: city.units.streetB,
    });
    expect(gridUnderStreet.statusCode).toBe(400);
    expect(gridUnderStreet.json().message).toMatch(/street cannot hold a grid/);
    // A street admin may not pull a grid out of her street.
    const outOfScope = await clients.streeta!.post(`/org-units/${city.units.gridA2a}/move`, {
      parentId: city.units.commB1,
    });
    expect(outOfScope.statusCode).toBe(400);
  });
});
