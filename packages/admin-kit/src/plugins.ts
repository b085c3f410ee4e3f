import type { ClientPlugin } from '@civicgrid/kernel';
import type { ResourceProps } from '@refinedev/core';
import { may } from './access-control.ts';
import type { Locale } from './i18n.ts';
import type { Me } from './session.ts';

/**
 * The shell shows a module only where the tenant has it enabled (`/me` lists the modules) and the
 * user holds at least one of the permissions its resources name. Everything else about a disabled
 * module — its menu, its routes, its dashboard widgets — is simply absent.
 */
export function visiblePlugins<C>(plugins: ClientPlugin<C>[], me: Me | null): ClientPlugin<C>[] {
  if (me?.kind !== 'user') return [];
  return plugins
    .filter((p) => me.modules.includes(p.id) && p.resources.some((r) => may(me, r.permission)))
    .sort((a, b) => (a.menu.order ?? 100) - (b.menu.order ?? 100));
}

/** A module resource's URL: lists call `/api/v1/m/<plugin>/<name>`; pages live at `/m/<plugin>/<name>`. */
export const moduleResourceName = (pluginId: string, name: string) => `m/${pluginId}/${name}`;

/** Refine resources for the visible modules: a menu group per module, its resources under it. */
export function pluginResources<C>(
  plugins: ClientPlugin<C>[],
  me: Me | null,
  locale: Locale,
): ResourceProps[] {
  return visiblePlugins(plugins, me).flatMap((p) => [
    { name: `module:${p.id}`, meta: { label: p.menu.group[locale], icon: p.menu.icon, module: p.id } },
    ...p.resources
      .filter((r) => may(me, r.permission))
      .map((r) => ({
        name: moduleResourceName(p.id, r.name),
        identifier: moduleResourceName(p.id, r.name),
        list: r.list ?? `/${moduleResourceName(p.id, r.name)}`,
        create: r.create,
        edit: r.edit,
        show: r.show,
        meta: {
          label: r.label[locale],
          parent: `module:${p.id}`,
          module: p.id,
          permissions: { list: r.permission },
        },
      })),
  ]);
}
