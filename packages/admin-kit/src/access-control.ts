import { subject as asSubject, createMongoAbility, type MongoAbility } from '@casl/ability';
import { unpackRules } from '@casl/ability/extra';
import type { AccessControlProvider, ResourceProps } from '@refinedev/core';
import { type Me, session } from './session.ts';

/** `<area>.<subject>.<action>` → CASL subject `<area>.<subject>` and action, as the server splits it. */
function split(permission: string) {
  const i = permission.lastIndexOf('.');
  return { subject: permission.slice(0, i), action: permission.slice(i + 1) };
}

let cached: { me: Me; ability: MongoAbility } | null = null;

/** The same CASL ability the server built, from the packed rules `/me` carries. */
export function abilityOf(me: Me): MongoAbility {
  if (cached?.me !== me)
    cached = { me, ability: createMongoAbility(unpackRules(me.rules as never) as never) };
  return cached.ability;
}

/**
 * May the user do `permission` — anywhere (no unit given), or on a record whose unit has these ancestor
 * ids (root first, the unit itself last)? Hides what she cannot do; the server still decides.
 */
export function may(me: Me | null, permission: string, ancestorIds?: string[]): boolean {
  if (!me) return false;
  const { subject, action } = split(permission);
  const ability = abilityOf(me);
  return ancestorIds
    ? ability.can(action, asSubject(subject, { ancestorIds }) as never)
    : ability.can(action, subject as never);
}

/** What a resource's meta declares: the permission behind each Refine action. */
export interface ResourcePermissions {
  list?: string;
  show?: string;
  create?: string;
  edit?: string;
  delete?: string;
  [action: string]: string | undefined;
}

/**
 * Refine's access control: a resource's `meta.permissions[action]` (show falls back to list), checked
 * against the ability; with `params.ancestorIds` the check is the record's own unit. Operators have no
 * tenant permissions and see only resources marked `meta.operator`.
 */
export const accessControlProvider: AccessControlProvider = {
  can: async ({ action, params }) => {
    const me = session.me ?? (await session.load().catch(() => null));
    if (!me) return { can: false };
    const meta = params?.resource?.meta as
      | { permissions?: ResourcePermissions; operator?: boolean }
      | undefined;
    if (me.kind === 'operator') return { can: meta?.operator === true };
    if (meta?.operator) return { can: false };
    const perms = meta?.permissions;
    const permission = perms?.[action] ?? (action === 'show' ? perms?.list : undefined);
    if (!permission) return { can: true };
    const ok = may(me, permission, params?.ancestorIds as string[] | undefined);
    return ok ? { can: true } : { can: false, reason: permission };
  },
  options: { buttons: { enableAccessControl: true, hideIfUnauthorized: true } },
};

/**
 * Marks menu entries the user cannot open as hidden (`meta.hide`), and menu groups all of whose
 * entries are hidden: a grid worker sees no empty "System" group. The resources stay registered so
 * a typed URL still meets the access check and shows "no access".
 */
export function hideForbidden(resources: ResourceProps[], me: Me | null): ResourceProps[] {
  const allowed = (r: ResourceProps) => {
    const meta = r.meta as { permissions?: ResourcePermissions; operator?: boolean } | undefined;
    if (me?.kind === 'operator') return meta?.operator === true;
    if (meta?.operator) return false;
    const list = meta?.permissions?.list;
    return !list || may(me, list);
  };
  const leaves = resources.filter((r) => r.list);
  return resources.map((r) => {
    const visible = r.list
      ? allowed(r)
      : leaves.some((c) => (c.meta as { parent?: string } | undefined)?.parent === r.name && allowed(c));
    return visible ? r : { ...r, meta: { ...r.meta, hide: true } };
  });
}
