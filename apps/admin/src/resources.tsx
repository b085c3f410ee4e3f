import type { ResourceProps } from '@refinedev/core';
import { ICONS } from './icons.tsx';

/** Houses and shops: read to list them, manage to register and edit them. */
const PLACE = {
  list: 'registry.place.read',
  create: 'registry.place.manage',
  edit: 'registry.place.manage',
};

/**
 * The platform's own pages as Refine resources. `meta.permissions` names the permission behind each
 * action (the access-control provider hides what the user cannot do); `meta.operator` marks the
 * platform operators' console. The resource name is also the API path under /api/v1.
 */
export function coreResources(t: (k: string) => string): ResourceProps[] {
  const r = (
    name: string,
    list: string,
    permissions: Record<string, string> | undefined,
    extra: Record<string, unknown> = {},
  ): ResourceProps => ({
    name,
    list,
    meta: { label: t(`menu.${name}`), icon: ICONS[name], permissions, ...extra },
  });
  return [
    r('dashboard', '/', undefined),
    r('org-units', '/org-units', { list: 'core.org-unit.read', create: 'core.org-unit.create' }),
    r('users', '/users', { list: 'core.user.read', create: 'core.user.create', edit: 'core.user.update' }),
    r('grants', '/grants', {
      list: 'core.grant.read',
      create: 'core.grant.manage',
      delete: 'core.grant.manage',
    }),
    r('roles', '/roles', { list: 'core.role.read', create: 'core.role.manage', edit: 'core.role.manage' }),
    { name: 'registry', meta: { label: t('menu.registry'), icon: ICONS.registry } },
    r(
      'residents',
      '/registry/residents',
      {
        list: 'registry.resident.read',
        create: 'registry.resident.manage',
        edit: 'registry.resident.manage',
      },
      { parent: 'registry' },
    ),
    r('houses', '/registry/houses', PLACE, { parent: 'registry' }),
    r('shops', '/registry/shops', PLACE, { parent: 'registry' }),
    r('residents-import', '/registry/import', { list: 'registry.resident.manage' }, { parent: 'registry' }),
    { name: 'system', meta: { label: t('menu.system'), icon: ICONS.system } },
    r('modules', '/modules', { list: 'core.module.read', edit: 'core.module.manage' }, { parent: 'system' }),
    r('job-runs', '/job-runs', { list: 'core.job.read' }, { parent: 'system' }),
    r('audit-log', '/audit-log', { list: 'core.audit.read' }, { parent: 'system' }),
    r('platform/tenants', '/platform/tenants', undefined, { operator: true }),
  ];
}
