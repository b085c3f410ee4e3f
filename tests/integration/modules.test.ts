import { hashPassword } from '@civicgrid/identity';
import { PluginHost, PluginSetupError, type ServerPlugin } from '@civicgrid/kernel';
import { ModuleSettings } from '@civicgrid/tenancy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../apps/api/src/app.ts';
import { installedPlugins } from '../../apps/api/src/plugins.ts';
import { as, type Client, login, PASSWORD, startApp, type TestApp, testPii } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { digestPlugin, flakyPlugin } from '../support/module-plugins.ts';

let t: TestApp;
let a: CityFixture;
let b: CityFixture;
const c = {} as Record<'adminA' | 'adminB' | 'streetA' | 'workerA', Client>;

beforeAll(async () => {
  t = await startApp({ extraPlugins: [digestPlugin, flakyPlugin] });
  [a, b] = [await buildCity(t.db), await buildCity(t.db)];
  const client = async (city: CityFixture, user: string) =>
    as(t.app, (await login(t.app, city.code, user)).accessToken);
  c.adminA = await client(a, 'admin');
  c.adminB = await client(b, 'admin');
  c.streetA = await client(a, 'streeta');
  c.workerA = await client(a, 'workera1a');
  await c.adminA.put('/modules/bulletin', { enabled: true });
});
afterAll(() => t.close());

const modulesOf = async (client: Client) => (await client.get('/me')).json().modules as string[];
const roleOf = async (client: Client, key: string) =>
  ((await client.get('/roles?_end=100')).json() as Array<{ key: string; permissions: string[] }>).find(
    (r) => r.key === key,
  );

describe('a module switched on for one tenant', () => {
  it('serves tenant A, answers 403 module_disabled to tenant B, and /me says which', async () => {
    const posted = await c.adminA.post('/m/bulletin/notices', {
      orgUnitId: a.units.commA1,
      title: '停水通知',
    });
    expect(posted.statusCode).toBe(201);
    const list = await c.adminA.get('/m/bulletin/notices');
    expect(list.statusCode).toBe(200);
    expect(list.json().map((n: { title: string }) => n.title)).toContain('停水通知');

    const other = await c.adminB.get('/m/bulletin/notices');
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('module_disabled');
    expect(
      (await c.adminB.post('/m/bulletin/notices', { orgUnitId: b.units.commA1, title: 'x' })).json().code,
    ).toBe('module_disabled');
    expect(await modulesOf(c.adminA)).toEqual(['bulletin']);
    expect(await modulesOf(c.adminB)).toEqual([]);
  });

  it('ran the enable hook and the default grants in the same switch', async () => {
    const notices = (await c.adminA.get('/m/bulletin/notices?_end=100')).json() as Array<{
      title: string;
      orgUnitId: string;
    }>;
    expect(notices.find((n) => n.title === '公告栏已开通')?.orgUnitId).toBe(a.units.root);
    expect((await roleOf(c.adminA, 'grid-worker'))?.permissions).toContain('bulletin.notice.read');
    expect((await roleOf(c.adminB, 'grid-worker'))?.permissions).not.toContain('bulletin.notice.read');
    const audit = (await c.adminA.get('/audit-log?action=module.enable')).json();
    expect(audit[0]).toMatchObject({ targetType: 'module', targetId: 'bulletin' });
  });

  it('scopes plugin records by the org tree like the core does', async () => {
    await c.adminA.post('/m/bulletin/notices', { orgUnitId: a.units.gridA1a, title: '网格A1a通知' });
    await c.adminA.post('/m/bulletin/notices', { orgUnitId: a.units.gridB1a, title: '网格B1a通知' });
    const seen = async (client: Client) =>
      ((await client.get('/m/bulletin/notices?_end=100')).json() as Array<{ title: string }>).map(
        (n) => n.title,
      );
    expect(await seen(c.workerA)).toEqual(['网格A1a通知']);
    expect(await seen(c.streetA)).toContain('网格A1a通知');
    expect(await seen(c.streetA)).not.toContain('网格B1a通知');
    // A grid worker may read but not post; to a street admin the other street's units do not exist.
    expect(
      (await c.workerA.post('/m/bulletin/notices', { orgUnitId: a.units.gridA1a, title: 'x' })).statusCode,
    ).toBe(403);
    const outside = await c.streetA.post('/m/bulletin/notices', {
      orgUnitId: a.units.gridB1a,
      title: '越界',
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().details[0].field).toBe('orgUnitId');
    // Tenant A's admin naming tenant B's unit: unknown, never B's data.
    const foreign = await c.adminA.post('/m/bulletin/notices', {
      orgUnitId: b.units.commA1,
      title: '跨租户',
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().details[0].field).toBe('orgUnitId');
  });

  it('applies its settings, validated against the plugin schema, with nothing written on a bad value', async () => {
    const bad = await c.adminA.put('/modules/bulletin', {
      enabled: true,
      settings: { titleMaxLength: 5, colour: 'red' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['settings.colour', 'settings.titleMaxLength']);
    const wrongType = await c.adminA.put('/modules/bulletin', {
      enabled: true,
      settings: { titleMaxLength: '20' },
    });
    expect(wrongType.json().details[0].field).toBe('settings.titleMaxLength');
    const current = ((await c.adminA.get('/modules')).json() as Array<{ id: string; settings: object }>).find(
      (m) => m.id === 'bulletin',
    );
    expect(current?.settings).toEqual({ titleMaxLength: 100, signature: '' });
    // The catalogue names the module's jobs and the schedule of the scheduled ones.
    expect(
      (current as unknown as { jobs: Array<{ name: string; cron: string | null }> }).jobs,
    ).toContainEqual(
      expect.objectContaining({ name: 'tally', cron: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) }),
    );

    const ok = await c.adminA.put('/modules/bulletin', { enabled: true, settings: { titleMaxLength: 10 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().settings).toEqual({ titleMaxLength: 10, signature: '' });
    const long = await c.adminA.post('/m/bulletin/notices', {
      orgUnitId: a.units.commA1,
      title: '这是一条超过十个字的公告标题',
    });
    expect(long.statusCode).toBe(400);
    expect(long.json().details[0].field).toBe('title');
    await c.adminA.put('/modules/bulletin', { enabled: true, settings: {} });
  });

  it('stops serving when disabled, keeps the data, and serves it again when re-enabled (no restart)', async () => {
    const before = (await c.adminA.get('/m/bulletin/notices?_end=100')).json().length;
    expect((await c.adminA.put('/modules/bulletin', { enabled: false })).json().enabled).toBe(false);
    expect((await c.adminA.get('/m/bulletin/notices')).json().code).toBe('module_disabled');
    expect(await modulesOf(c.adminA)).toEqual([]);
    await c.adminA.put('/modules/bulletin', { enabled: true });
    expect((await c.adminA.get('/m/bulletin/notices?_end=100')).json().length).toBe(before);
  });
});

describe('switching modules', () => {
  it('refuses a module whose dependency is off, and turning off a dependency still in use', async () => {
    const early = await c.adminB.put('/modules/digest', { enabled: true });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'dependency_disabled' });
    expect(early.json().message).toContain('bulletin');

    expect((await c.adminA.put('/modules/digest', { enabled: true })).statusCode).toBe(200);
    const inUse = await c.adminA.put('/modules/bulletin', { enabled: false });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().message).toContain('digest');
    await c.adminA.put('/modules/digest', { enabled: false });
  });

  it('lets a plugin use another plugin’s service through a typed reference', async () => {
    await c.adminA.put('/modules/digest', { enabled: true });
    await c.adminA.post('/m/bulletin/notices', { orgUnitId: a.units.commA2, title: '宾王通知' });
    const res = await c.adminA.get(`/m/digest/summary/${a.units.commA2}`);
    expect(res.json()).toEqual({ notices: 1 });
    await c.adminA.put('/modules/digest', { enabled: false });
  });

  it('rolls the whole switch back when the enable hook fails', async () => {
    const res = await c.adminA.put('/modules/flaky', { enabled: true });
    expect(res.statusCode).toBe(500);
    expect(res.json().message).not.toContain('seeding failed');
    const flaky = ((await c.adminA.get('/modules')).json() as Array<{ id: string; enabled: boolean }>).find(
      (m) => m.id === 'flaky',
    );
    expect(flaky?.enabled).toBe(false);
    expect((await roleOf(c.adminA, 'grid-worker'))?.permissions).not.toContain('flaky.thing.read');
    expect((await c.adminA.get('/audit-log?action=module.enable&targetId=flaky')).json()).toEqual([]);
  });

  it('needs core.module.manage held tenant-wide; unknown modules and bad bodies are 4xx', async () => {
    expect((await c.streetA.put('/modules/bulletin', { enabled: false })).statusCode).toBe(403);
    expect((await c.workerA.get('/modules')).statusCode).toBe(403);
    expect((await c.adminA.put('/modules/nope', { enabled: true })).statusCode).toBe(404);
    const bad = await c.adminA.put('/modules/bulletin', { enabled: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].field).toBe('enabled');
    expect((await c.adminA.put('/modules/Bad_Id', { enabled: true })).statusCode).toBe(400);
  });

  it('lets roles include plugin permissions from the merged catalogue', async () => {
    const perms = (await c.adminA.get('/permissions')).json() as Array<{ key: string; group: string }>;
    expect(perms.find((p) => p.key === 'bulletin.notice.read')?.group).toBe('bulletin');
    const role = await c.adminA.post('/roles', {
      key: 'notice-editor',
      name: '公告编辑',
      permissions: ['core.org-unit.read', 'bulletin.notice.read', 'bulletin.notice.create'],
    });
    expect(role.statusCode).toBe(201);
    const unknown = await c.adminA.post('/roles', {
      key: 'bogus',
      name: 'x',
      permissions: ['bulletin.notice.fly'],
    });
    expect(unknown.statusCode).toBe(400);
  });
});

describe('platform operators', () => {
  it('list a tenant’s modules and switch one on its behalf, audited as the operator', async () => {
    await t.db.withPlatform(async (tx) =>
      tx.query(
        `insert into platform_operator (username, display_name, password_hash) values ('modop', 'Operator', ?) on conflict do nothing`,
        [await hashPassword(PASSWORD)],
      ),
    );
    const op = as(t.app, (await login(t.app, undefined, 'modop')).accessToken);
    const listed = await op.get(`/platform/tenants/${b.tenantId}/modules`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().find((m: { id: string }) => m.id === 'bulletin').enabled).toBe(false);

    const on = await op.put(`/platform/tenants/${b.tenantId}/modules/bulletin`, { enabled: true });
    expect(on.statusCode).toBe(200);
    expect((await c.adminB.get('/m/bulletin/notices')).statusCode).toBe(200);
    const audit = (await c.adminB.get('/audit-log?action=module.enable')).json();
    expect(audit[0]).toMatchObject({ actorKind: 'operator', actorName: 'modop', targetId: 'bulletin' });

    expect(
      (await op.put(`/platform/tenants/${crypto.randomUUID()}/modules/bulletin`, { enabled: true }))
        .statusCode,
    ).toBe(404);
    // Tenant users are not operators.
    expect((await c.adminA.get(`/platform/tenants/${b.tenantId}/modules`)).statusCode).toBe(403);
    await op.put(`/platform/tenants/${b.tenantId}/modules/bulletin`, { enabled: false });
  });
});

describe('startup checks', () => {
  const plugin = (id: string, extra: Partial<ServerPlugin> = {}): ServerPlugin => ({
    id,
    version: '1.0.0',
    title: { 'zh-CN': id, en: id },
    ...extra,
  });

  it('names a missing dependency and a cycle', () => {
    expect(() => new PluginHost([plugin('alpha', { dependsOn: ['ghost'] })])).toThrow(
      /"alpha" depends on "ghost", which is not installed/,
    );
    const cyclic = () =>
      new PluginHost([
        plugin('alpha', { dependsOn: ['beta'] }),
        plugin('beta', { dependsOn: ['gamma'] }),
        plugin('gamma', { dependsOn: ['alpha'] }),
      ]);
    expect(cyclic).toThrow(PluginSetupError);
    expect(cyclic).toThrow(/alpha → beta → gamma → alpha/);
  });

  it('orders dependencies first and refuses services without a provider or outside the dependencies', () => {
    const host = new PluginHost([digestPlugin, ...installedPlugins]);
    // digest is listed first but needs bulletin: bulletin comes first (other installed modules follow).
    expect(host.plugins.map((p) => p.id).slice(0, 2)).toEqual(['bulletin', 'digest']);
    expect(() => new PluginHost([{ ...digestPlugin, dependsOn: [] }, ...installedPlugins])).toThrow(
      /uses service bulletin.notices from "bulletin" but does not depend on it/,
    );
    expect(
      () =>
        new PluginHost([
          plugin('alpha', { permissions: [{ key: 'core.user.read', title: { 'zh-CN': 'x', en: 'x' } }] }),
        ]),
    ).toThrow(/outside its namespace/);
  });

  it('refuses named conditions outside the plugin, and default grants naming undeclared ones', () => {
    const perm = { key: 'alpha.thing.delete', title: { 'zh-CN': 'x', en: 'x' } };
    const own = { name: 'own', title: { 'zh-CN': 'x', en: 'x' }, field: 'ownerId', column: 'owner_id' };
    expect(
      () =>
        new PluginHost([
          plugin('alpha', { permissions: [perm], conditions: [{ ...own, subjects: ['core.user'] }] }),
        ]),
    ).toThrow(/declares condition "own" badly \(core.user\)/);
    expect(
      () =>
        new PluginHost([
          plugin('alpha', {
            permissions: [perm],
            conditions: [{ ...own, subjects: ['alpha.thing'] }],
            defaultGrants: { 'grid-worker': ['alpha.thing.delete?theirs'] },
          }),
        ]),
    ).toThrow(/grants alpha.thing.delete\?theirs to grid-worker but does not declare it/);
    const fine = plugin('alpha', {
      permissions: [perm],
      conditions: [{ ...own, subjects: ['alpha.thing'] }],
      defaultGrants: { 'grid-worker': ['alpha.thing.delete?own'] },
    });
    expect(new PluginHost([fine]).plugins).toHaveLength(1);
  });

  it('fails when a plugin route declares no permission', async () => {
    const open = plugin('open', {
      routes(app) {
        app.get('/anything', async () => ({ secret: true }));
      },
    });
    await expect(
      createApi(t.db, { jwtSecret: 'x'.repeat(32), plugins: new PluginHost([open]) }),
    ).rejects.toThrow(/route GET \/api\/v1\/m\/open\/anything/);
  });
});

describe('write-only settings at rest', () => {
  it('are sealed with the PII keyring, open only for their tenant and setting, and are never stored in clear', async () => {
    const host = t.app.deps.modules.host;
    const keyed = new ModuleSettings(host, testPii);
    const plain = { hotlineSecret: 'webhook-secret-42', duplicateRadiusM: 300 };
    const sealed = keyed.seal(a.tenantId, 'events', plain);
    expect(JSON.stringify(sealed)).not.toContain('webhook-secret-42');
    expect(sealed).toMatchObject({
      duplicateRadiusM: 300,
      hotlineSecret: expect.stringMatching(/^sealed:k1:/),
    });
    expect(plain.hotlineSecret).toBe('webhook-secret-42'); // the caller's copy is untouched
    expect(keyed.open(a.tenantId, 'events', sealed)).toEqual(plain);
    // Pasted into another tenant's row it does not open; an empty value stays empty, a clear one (stored
    // before sealing) reads as it is until the next save seals it.
    expect(() => keyed.open(b.tenantId, 'events', sealed)).toThrow();
    expect(keyed.seal(a.tenantId, 'events', { hotlineSecret: '' })).toEqual({ hotlineSecret: '' });
    expect(keyed.open(a.tenantId, 'events', { hotlineSecret: 'old-clear' })).toEqual({
      hotlineSecret: 'old-clear',
    });
    // Without a key: a secret is refused (503) rather than stored in clear, and a sealed one reads as unset.
    const keyless = new ModuleSettings(host);
    expect(() => keyless.seal(a.tenantId, 'events', plain)).toThrow(/PII_KEYS/);
    expect(keyless.open(a.tenantId, 'events', sealed).hotlineSecret).toBe('');
    // A module without write-only settings passes through as it is.
    expect(keyed.seal(a.tenantId, 'bulletin', { titleMaxLength: 9 })).toEqual({ titleMaxLength: 9 });
  });
});
