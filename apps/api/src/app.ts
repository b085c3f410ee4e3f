import { CORE_PERMISSIONS, PermissionCatalog } from '@civicgrid/authz';
import { type Database, openDatabase } from '@civicgrid/db';
import { type AppOptions, buildApp, type DivisionImporter } from '@civicgrid/http';
import { coreEntities } from './platform.ts';

export function coreCatalog(): PermissionCatalog {
  const catalog = new PermissionCatalog();
  catalog.register(CORE_PERMISSIONS, 'core');
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

export const openCoreDatabase = (appUrl: string, poolSize?: number): Promise<Database> =>
  openDatabase(appUrl, coreEntities, poolSize);

/** The API as `apps/api` runs it: the core routes (plugins join in issue #3). */
export function createApi(db: Database, opts: Omit<AppOptions, 'db' | 'catalog'> & { jwtSecret: string }) {
  return buildApp({ divisionImporter: loadDivisionImporter, ...opts, db, catalog: coreCatalog() });
}
