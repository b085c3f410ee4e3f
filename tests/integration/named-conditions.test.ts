import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

/**
 * Named conditions: a plugin declares one (`bulletin`'s `own`: only notices she posted) and a role
 * holds a permission with it (`bulletin.notice.delete?own`). Single records are checked with the
 * record's field, lists turn it into SQL, the catalogue refuses unknown ones, and nobody hands on
 * more than she holds.
 */
let t: TestApp;
let city: CityFixture;
let admin: Client;
let street: Client;
let poster: Client;
let posterId: string;

interface Notice {
  id: string;
  postedBy: string | null;
  canRemove: boolean;
}

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
  street = as(t.app, (await login(t.app, city.code, 'streeta')).accessToken);
  await admin.put('/modules/bulletin', { enabled: true });
  const role = await admin.post('/roles', {
    key: 'grid-poster',
    name: '网格公告员',
    permissions: ['bulletin.notice.read', 'bulletin.notice.create', 'bulletin.notice.delete?own'],
  });
  expect(role.statusCode).toBe(201);
  posterId = city.users.workerA1a;
  const g = await admin.post('/grants', {
    userId: posterId,
    roleId: role.json().id,
    orgUnitId: city.units.gridA1a,
  });
  expect(g.statusCode).toBe(201);
  poster = as(t.app, (await login(t.app, city.code, 'workera1a')).accessToken);
});
afterAll(() => t?.close());

const post = async (client: Client, title: string) => {
  const res = await client.post('/m/bulletin/notices', { orgUnitId: city.units.gridA1a, title });
  expect(res.statusCode).toBe(201);
  return res.json() as Notice;
};

describe('named conditions', () => {
  it('a role holding delete?own removes the notices she posted and no other', async () => {
    const mine = await post(poster, '我的通知');
    const theirs = await post(street, '街道的通知');
    expect(mine.canRemove).toBe(true);

    const denied = await poster.delete(`/m/bulletin/notices/${theirs.id}`);
    expect(denied.statusCode).toBe(403);
    expect((await poster.delete(`/m/bulletin/notices/${mine.id}`)).statusCode).toBe(204);
    // The street admin holds it unconditioned: anyone's notice in her street.
    const other = await post(poster, '另一条');
    expect((await street.delete(`/m/bulletin/notices/${other.id}`)).statusCode).toBe(204);

    const audit = (await admin.get('/audit-log?action=bulletin.notice.delete&_end=10')).json() as unknown[];
    expect(audit).toHaveLength(2);
  });

  it('lists carry the condition as SQL: canRemove only on her own notices', async () => {
    const mine = await post(poster, '列表里我的');
    await post(street, '列表里街道的');
    const list = (await poster.get('/m/bulletin/notices?_end=100')).json() as Notice[];
    expect(list.length).toBeGreaterThanOrEqual(3);
    for (const n of list) expect(n.canRemove).toBe(n.postedBy === posterId);
    expect(list.find((n) => n.id === mine.id)?.canRemove).toBe(true);
    const all = (await street.get('/m/bulletin/notices?_end=100')).json() as Notice[];
    expect(all.every((n) => n.canRemove)).toBe(true);
  });

  it('the UI gets the condition in the packed rules, with her id', async () => {
    const me = (await poster.get('/me')).json() as { permissions: string[]; rules: unknown[] };
    expect(me.permissions).toContain('bulletin.notice.delete?own');
    expect(JSON.stringify(me.rules)).toContain(`"postedBy":"${posterId}"`);
    const catalogue = (await poster.get('/permissions')).json() as Array<{
      key: string;
      conditions: Array<{ name: string }>;
    }>;
    expect(catalogue.find((p) => p.key === 'bulletin.notice.delete')?.conditions).toEqual([
      expect.objectContaining({ name: 'own' }),
    ]);
    expect(catalogue.find((p) => p.key === 'core.user.read')?.conditions).toEqual([]);
  });

  it('refuses conditions nobody declared for that permission, naming the field', async () => {
    for (const permissions of [['bulletin.notice.delete?nobody'], ['core.user.read?own']]) {
      const res = await admin.post('/roles', {
        key: `bad-${permissions[0]!.length}`,
        name: '坏',
        permissions,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].field).toBe('permissions');
    }
  });

  it('nobody hands on more than she holds: ?own does not cover the unconditioned permission', async () => {
    // A user with one role on 绣湖 community: she may grant, and holds delete?own only.
    const role = await admin.post('/roles', {
      key: 'careful-secretary',
      name: '谨慎书记',
      permissions: [
        'core.org-unit.read',
        'core.user.read',
        'core.grant.manage',
        'bulletin.notice.delete?own',
      ],
    });
    const wide = await admin.post('/roles', {
      key: 'remover',
      name: '撤稿员',
      permissions: ['bulletin.notice.delete'],
    });
    const narrow = await admin.post('/roles', {
      key: 'own-remover',
      name: '本人撤稿员',
      permissions: ['bulletin.notice.delete?own'],
    });
    await admin.post('/grants', {
      userId: city.residents.gridA2a!,
      roleId: role.json().id,
      orgUnitId: city.units.commA1,
    });
    const sec = as(t.app, (await login(t.app, city.code, 'w-grida2a')).accessToken);
    const target = city.residents.gridA1a!;
    const refused = await sec.post('/grants', {
      userId: target,
      roleId: wide.json().id,
      orgUnitId: city.units.gridA1a,
    });
    expect(refused.statusCode).toBe(403);
    const allowed = await sec.post('/grants', {
      userId: target,
      roleId: narrow.json().id,
      orgUnitId: city.units.gridA1a,
    });
    expect(allowed.statusCode).toBe(201);
  });
});
