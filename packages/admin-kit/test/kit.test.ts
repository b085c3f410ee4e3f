import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Access, DEFAULT_ROLES } from '@civicgrid/authz';
import type { ResourceProps } from '@refinedev/core';
import { describe, expect, it } from 'vitest';
import { bulletinClient } from '../../../plugins/bulletin/src/client/index.ts';
import { hideForbidden, may } from '../src/access-control.ts';
import { tenantToday } from '../src/dates.ts';
import { pluginResources, visiblePlugins } from '../src/plugins.ts';
import type { Me } from '../src/session.ts';

const CITY = 'c0000000-0000-0000-0000-000000000001';
const STREET = 's0000000-0000-0000-0000-000000000002';
const GRID = 'g0000000-0000-0000-0000-000000000003';
const OTHER_STREET = 's0000000-0000-0000-0000-000000000009';

/** A user as /me describes her, with the packed rules the server's own Access builds. */
function meWith(roleKey: string, unit: string, path: string, modules = ['bulletin']): Me {
  const role = DEFAULT_ROLES.find((r) => r.key === roleKey)!;
  const permissions = [...role.permissions, 'bulletin.notice.read'];
  const access = new Access([
    {
      grantId: 'g1',
      roleId: 'r1',
      roleKey,
      roleName: role.name,
      orgUnitId: unit,
      orgUnitName: 'x',
      orgUnitPath: path,
      permissions,
    },
  ]);
  return {
    kind: 'user',
    id: 'u1',
    username: 'u',
    displayName: 'U',
    grants: [],
    permissions: access.permissions(),
    modules,
    rules: JSON.parse(JSON.stringify(access.packedRules())),
  };
}

describe('access control from the packed CASL rules of /me', () => {
  const street = meWith('street-admin', STREET, 'c.s');
  const worker = meWith('grid-worker', GRID, 'c.s.m.g');

  it('answers "anywhere" and "on this record" as the server does', () => {
    expect(may(street, 'core.user.create')).toBe(true);
    expect(may(street, 'core.role.manage')).toBe(false);
    // A record in her street (its ancestors include the street) vs one in another street.
    expect(may(street, 'core.org-unit.move', [CITY, STREET, GRID])).toBe(true);
    expect(may(street, 'core.org-unit.move', [CITY, OTHER_STREET])).toBe(false);
    expect(may(worker, 'core.role.read')).toBe(false);
    expect(may(null, 'core.org-unit.read')).toBe(false);
  });

  it('hides menu entries and empty groups the user cannot open', () => {
    const resources: ResourceProps[] = [
      { name: 'roles', list: '/roles', meta: { permissions: { list: 'core.role.read' } } },
      { name: 'system', meta: {} },
      {
        name: 'modules',
        list: '/modules',
        meta: { parent: 'system', permissions: { list: 'core.module.read' } },
      },
      { name: 'org-units', list: '/org-units', meta: { permissions: { list: 'core.org-unit.read' } } },
      { name: 'tenants', list: '/platform/tenants', meta: { operator: true } },
    ];
    const hidden = (me: Me) =>
      hideForbidden(resources, me)
        .filter((r) => r.meta?.hide)
        .map((r) => r.name);
    expect(hidden(worker)).toEqual(['roles', 'system', 'modules', 'tenants']);
    expect(hidden(street)).toEqual(['tenants']); // a street admin may read roles, not manage them
    const operator: Me = { ...street, kind: 'operator', permissions: [], rules: [], modules: [] };
    expect(hidden(operator)).toEqual(['roles', 'system', 'modules', 'org-units']);
  });
});

describe('client plugins', () => {
  it('show only when the tenant has the module on and the user holds one of its permissions', () => {
    const on = meWith('street-admin', STREET, 'c.s');
    expect(visiblePlugins([bulletinClient], on).map((p) => p.id)).toEqual(['bulletin']);
    expect(visiblePlugins([bulletinClient], { ...on, modules: [] })).toEqual([]);
    const noPermission = meWith('department-staff', STREET, 'c.s');
    noPermission.rules = JSON.parse(JSON.stringify(new Access([]).packedRules()));
    expect(visiblePlugins([bulletinClient], noPermission)).toEqual([]);
    const res = pluginResources([bulletinClient], on, 'en');
    expect(res.map((r) => r.name)).toEqual(['module:bulletin', 'm/bulletin/notices']);
    expect(res[0]!.meta?.label).toBe('Notice board');
    expect(res[1]!.list).toBe('/m/bulletin/notices');
  });

  it('each route of a module loads on demand (its own chunk), and its messages exist in both languages', () => {
    for (const r of bulletinClient.routes) expect(r.load).toBeTypeOf('function');
    expect(Object.keys(bulletinClient.messages.en).sort()).toEqual(
      Object.keys(bulletinClient.messages['zh-CN']).sort(),
    );
  });
});

describe('the admin app translates every string it shows', async () => {
  const { pairs } = await import('../../../apps/admin/src/i18n/catalogue.ts');
  const src = fileURLToPath(new URL('../../../apps/admin/src/', import.meta.url));
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
    });

  it('has every literal key it calls t() with, in zh-CN and English', () => {
    const missing: string[] = [];
    for (const f of files(src))
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z][\w./-]*)'/g))
        if (!pairs[m[1]!]) missing.push(`${m[1]} (${f.slice(src.length)})`);
    expect(missing).toEqual([]);
    for (const [k, [zh, en]] of Object.entries(pairs)) {
      expect(zh, k).not.toBe('');
      expect(en, k).not.toBe('');
    }
  });
});

describe('tenantToday', () => {
  // 00:30 in Yiwu on the 28th is still the 27th in London and New York.
  const lateUtc = new Date('2026-11-27T16:30:00Z');
  it("answers the date in the tenant's zone, not the device's", () => {
    expect(tenantToday(lateUtc, 'Asia/Shanghai')).toBe('2026-11-28');
    expect(tenantToday(lateUtc, 'Europe/London')).toBe('2026-11-27');
    expect(tenantToday(new Date('2026-11-28T03:00:00Z'), 'America/New_York')).toBe('2026-11-27');
  });
  it("falls back to the device's date for an unknown zone", () => {
    const device = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
    expect(tenantToday(lateUtc, 'Mars/Olympus_Mons')).toBe(device.format(lateUtc));
  });
});
