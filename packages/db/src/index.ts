export { ensureAppRole } from './app-role.ts';
export { appUrlFor, type DbConfig, DEFAULT_APP_ROLE, dbConfigFrom } from './config.ts';
export { COUNT_CAP, type Counted, countCapped } from './count.ts';
export { type Database, enterTenant, openDatabase, type Tx } from './database.ts';
export { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded.ts';
export { type TenantScoped, tenantScoped } from './entity.ts';
export { type MigrationSource, migrate, platformMigrations } from './migrator.ts';
export { type QueryOptions, toNumbered } from './sql.ts';
export { isUuid } from './uuid.ts';
