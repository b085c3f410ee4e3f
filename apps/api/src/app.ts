import { CORE_PERMISSIONS, PermissionCatalog, REGISTRY_PERMISSIONS } from '@civicgrid/authz';
import { type Database, openDatabase } from '@civicgrid/db';
import { type AppOptions, buildApp, type DivisionImporter } from '@civicgrid/http';
import { PluginHost, type ServerPlugin } from '@civicgrid/kernel';
import type { Pii } from '@civicgrid/registry';
import { coreEntities, coreMigrations } from './platform.ts';
import { installedPlugins, platformJobs, platformServices } from './plugins.ts';

/** The core's permissions and every installed plugin's, so roles can hold either. */
export function permissionCatalog(host: PluginHost): PermissionCatalog {
  const catalog = new PermissionCatalog();
  catalog.register(CORE_PERMISSIONS, 'core');
  catalog.register(REGISTRY_PERMISSIONS, 'registry');
  for (const { group, defs, conditions } of host.permissions()) {
    catalog.register(defs, group);
    catalog.registerConditions(conditions);
  }
  return catalog;
}

/** The division importer lives in a tools package that production images may leave out. */
export async function loadDivisionImporter(): Promise<DivisionImporter | null> {
  try {
    const name = '@civicgrid/division';
    return (await import(name)) as DivisionImporter;
  } catch {
    return null;
  }
}

/**
 * The installed plugins, checked (dependencies, cycles, namespaces) and ordered, with the platform's
 * job groups; `pii` is what those jobs seal and open personal data with (the worker's must be given).
 */
export function pluginHost(plugins: ServerPlugin[] = installedPlugins, pii: Pii | null = null) {
  const services = platformServices(pii);
  return new PluginHost(plugins, { platformJobs: platformJobs(pii, plugins, services), services });
}

/** The core's migrations, then the plugins' in dependency order: every module's schema for every tenant. */
export const allMigrations = (host = pluginHost()) => [...coreMigrations, ...host.migrations()];

export const openCoreDatabase = (appUrl: string, poolSize?: number, host = pluginHost()): Promise<Database> =>
  openDatabase(appUrl, [...coreEntities, ...host.entities()], poolSize);

/** The API as `apps/api` runs it: the core routes and the installed plugins' routes. */
export function createApi(
  db: Database,
  opts: Omit<AppOptions, 'db' | 'catalog'> & { jwtSecret: string; plugins?: PluginHost },
) {
  const host = opts.plugins ?? pluginHost();
  return buildApp({
    divisionImporter: loadDivisionImporter,
    ...opts,
    db,
    plugins: host,
    catalog: permissionCatalog(host),
  });
}
