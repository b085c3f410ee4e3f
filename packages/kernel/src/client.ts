import type { LocalizedText } from './plugin.ts';

/**
 * A module's half in the admin app, framework-neutral here so the kernel needs no React: `C` is the
 * component type the admin uses. The shell shows a plugin only where the tenant has the module and
 * the user holds one of the permissions its resources name.
 */
export interface ClientResource {
  /** Refine resource name; lists call `/api/v1/m/<plugin>/<name>`. */
  name: string;
  label: LocalizedText;
  /** The permission that shows the resource (list) in the menu. */
  permission: string;
  list?: string;
  create?: string;
  edit?: string;
  show?: string;
}

export interface ClientRoute<C> {
  path: string;
  /** Loaded on demand: each module's pages are their own chunk. */
  load: () => Promise<{ default: C }>;
}

export interface DashboardWidget<C> {
  key: string;
  title: LocalizedText;
  permission: string;
  load: () => Promise<{ default: C }>;
}

export interface ClientPlugin<C = unknown> {
  id: string;
  menu: { group: LocalizedText; icon?: string; order?: number };
  resources: ClientResource[];
  routes: ClientRoute<C>[];
  widgets?: DashboardWidget<C>[];
  /** i18n messages by locale, merged under the plugin's id. */
  messages: { 'zh-CN': Record<string, string>; en: Record<string, string> };
}
