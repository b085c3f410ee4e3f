import { createMongoAbility, subject } from '@casl/ability';
import { unpackRules } from '@casl/ability/extra';
import { buildApp } from '@civicgrid/http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionCatalog, pluginHost } from '../../apps/api/src/app.ts';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

let t: TestApp;
let city: CityFixture;
let admin: Client;

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
});
afterAll(() => t.close());

describe('service endpoints', () => {
  it('/health and /ready answer without auth', async () => {
    expect((await t.app.inject('/health')).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject('/ready')).json()).toEqual({ status: 'ready' });
  });

  it('/ready says 503 when a dependency is down', async () => {
    const app = await buildApp({
      db: t.db,
      jwtSecret: 'x'.repeat(32),
      catalog: permissionCatalog(pluginHost()),
      readyChecks: [
        async () => {
          throw new Error('queue unreachable');
        },
      ],
    });
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json().reason).toBe('queue unreachable');
    await app.close();
  });

  it('serves the OpenAPI document with a schema for every route', async () => {
    const doc = (await t.app.inject('/api/docs/json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.values(
      doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>,
    ).flatMap((m) => Object.values(m));
    expect(ops.length).toBeGreaterThan(20);
    for (const op of ops) expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
    expect((await t.app.inject('/api/docs')).statusCode).toBeLessThan(400);
  });

  it('every answer carries a request id; a given one is kept', async () => {
    const res = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'req-42' } });
    expect(res.headers['x-request-id']).toBe('req-42');
  });
});

describe('startup refuses routes without a declared permission', () => {
  it('fails on a route with no access declaration', async () => {
    const app: FastifyInstance = await buildApp({
      db: t.db,
      jwtSecret: 'x'.repeat(32),
      catalog: permissionCatalog(pluginHost()),
    });
    expect(() => app.get('/api/v1/open-door', async () => 'hi')).toThrow(/declares no permission/);
    expect(() =>
      app.get(
        '/api/v1/typo',
        { config: { access: { kind: 'permission', permission: 'core.user.reed' } } },
        async () => 'hi',
      ),
    ).toThrow(/unknown permission/);
    await app.close();
  });
});

describe('/me', () => {
  it('returns the user, grants and packed CASL rules the UI can unpack', async () => {
    const s = as(t.app, (await login(t.app, city.code, 'streeta')).accessToken);
    const me = (await s.get('/me')).json();
    expect(me).toMatchObject({ kind: 'user', username: 'streeta', tenant: { code: city.code } });
    expect(me.grants).toEqual([
      expect.objectContaining({ roleKey: 'street-admin', orgUnitId: city.units.streetA }),
    ]);
    expect(me.permissions).toContain('core.user.create');
    expect(me.permissions).not.toContain('core.role.manage');
    // What the UI's access-control provider will do with them:
    const ui = createMongoAbility(unpackRules(me.rules) as never);
    expect(
      ui.can(
        'read',
        subject('core.user', { ancestorIds: [city.units.root, city.units.streetA, city.units.commA1] }),
      ),
    ).toBe(true);
    expect(ui.can('read', subject('core.user', { ancestorIds: [city.units.root, city.units.streetB] }))).toBe(
      false,
    );
    expect(ui.can('manage', 'core.role')).toBe(false);
    expect(me.modules).toEqual([]);
  });
});

describe('org-unit CRUD', () => {
  it('creates, edits, deletes — and refuses deleting a unit that still holds units or staff', async () => {
    const grid = await admin.post('/org-units', {
      parentId: city.units.commA2,
      kind: 'grid',
      gridTier: 'general',
      gridType: 'school',
      name: '义乌中学网格',
      householdCount: 0,
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [120.07, 29.3],
            [120.08, 29.3],
            [120.08, 29.31],
            [120.07, 29.3],
          ],
        ],
      },
    });
    expect(grid.statusCode).toBe(201);
    const micro = await admin.post('/org-units', {
      parentId: grid.json().id,
      kind: 'grid',
      gridTier: 'micro',
      name: '微网格1',
      householdCount: 60,
    });
    expect(micro.statusCode).toBe(201);
    expect((await admin.patch(`/org-units/${grid.json().id}`, { gridTier: 'micro' })).json().message).toMatch(
      /child would no longer fit/,
    );
    expect((await admin.delete(`/org-units/${grid.json().id}`)).json().code).toBe('has_children');
    expect((await admin.delete(`/org-units/${city.units.gridA1a}`)).json().code).toBe('in_use');
    expect((await admin.delete(`/org-units/${micro.json().id}`)).statusCode).toBe(204);
    const renamed = await admin.patch(`/org-units/${grid.json().id}`, {
      name: '义乌中学专属网格',
      gridTier: 'dedicated',
    });
    expect(renamed.json()).toMatchObject({ name: '义乌中学专属网格', gridTier: 'dedicated' });
    const list = await admin.get(`/org-units?parentId=${city.units.commA2}&kind=grid&_sort=name&_order=desc`);
    expect(list.headers['x-total-count']).toBe('2');
    expect((await admin.delete(`/org-units/${city.units.root}`)).json().code).toBe('is_root');
  });
});

describe('audit log', () => {
  it('records who changed what, with the diff, in the same transaction', async () => {
    const res = await admin.patch(`/users/${city.residents.gridA1a}`, {
      displayName: '王网格',
      phone: '13812345678',
    });
    expect(res.json().phone).toBe('138****5678');
    const rows = (await admin.get(`/audit-log?targetId=${city.residents.gridA1a}&action=user.update`)).json();
    expect(rows[0]).toMatchObject({
      actorKind: 'user',
      actorId: city.users.admin,
      actorName: 'admin',
      targetType: 'user',
    });
    expect(rows[0].diff.displayName).toEqual(['w-grida1a', '王网格']);
    expect(rows[0].requestId).toBeTruthy();
    expect(JSON.stringify(rows[0])).not.toMatch(/password/i);
  });

  it('a change that fails leaves no audit row', async () => {
    const before = (await admin.get('/audit-log?action=user.create')).headers['x-total-count'];
    const dup = await admin.post('/users', {
      orgUnitId: city.units.commA1,
      username: 'seca1',
      displayName: 'x',
      password: 'Valid-pass-2026',
    });
    expect(dup.statusCode).toBe(409);
    expect((await admin.get('/audit-log?action=user.create')).headers['x-total-count']).toBe(before);
  });

  it("is scoped: a street admin reads her street's rows only, and the inspector reads all", async () => {
    await admin.patch(`/users/${city.residents.gridB1a}`, { displayName: '江东某人' });
    const streetA = as(t.app, (await login(t.app, city.code, 'streeta')).accessToken);
    const rows = (await streetA.get('/audit-log?_end=500')).json() as Array<{ targetId: string }>;
    expect(rows.some((r) => r.targetId === city.residents.gridA1a)).toBe(true);
    expect(rows.some((r) => r.targetId === city.residents.gridB1a)).toBe(false);
    const insp = as(t.app, (await login(t.app, city.code, 'inspector')).accessToken);
    expect(
      (await insp.get('/audit-log?_end=500'))
        .json()
        .some((r: { targetId: string }) => r.targetId === city.residents.gridB1a),
    ).toBe(true);
    expect(
      (await as(t.app, (await login(t.app, city.code, 'workera1a')).accessToken).get('/audit-log'))
        .statusCode,
    ).toBe(403);
  });
});

describe('division import through the API', () => {
  it('imports 义乌市 for a tenant admin, idempotently; others get 403; an unknown code is a 400', async () => {
    const { provisionTenant } = await import('@civicgrid/http');
    const code = `yw${Date.now().toString(36)}`;
    await provisionTenant(
      t.db,
      { kind: 'system', id: null, name: 'test', ip: null, userAgent: null, requestId: null },
      {
        code,
        name: '义乌市',
        divisionCode: '330782',
        admin: { username: 'admin', displayName: '管理员', password: 'Test-pass-2026' },
      },
    );
    const yw = as(t.app, (await login(t.app, code, 'admin')).accessToken);
    const first = await yw.post('/org-units/import-division', { districtCode: '330782' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ streets: 14, communities: 544, inserted: 558 });
    const again = await yw.post('/org-units/import-division', { districtCode: '330782' });
    expect(again.json().inserted).toBe(0);
    const streets = await yw.get('/org-units?kind=street&_end=100');
    expect(streets.headers['x-total-count']).toBe('14');
    expect(streets.json().map((s: { name: string }) => s.name)).toContain('稠城街道');
    const unknown = await yw.post('/org-units/import-division', { districtCode: '999999' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details[0].field).toBe('districtCode');
    const street = as(t.app, (await login(t.app, city.code, 'streeta')).accessToken);
    expect((await street.post('/org-units/import-division', { districtCode: '330782' })).statusCode).toBe(
      403,
    );
  });
});
