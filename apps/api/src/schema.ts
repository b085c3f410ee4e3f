import { type DbConfig, ensureAppRole, migrate } from '@civicgrid/db';
import { type JobBackendConfig, prepareJobBackend } from '@civicgrid/jobs';
import type { PluginHost } from '@civicgrid/kernel';
import { allMigrations } from './app.ts';
import { appendOnlyTables } from './platform.ts';

/**
 * Everything the owner role does before any process serves: the migrations (core then plugins'),
 * the application role and its grants, and the queues' schema when they live in PostgreSQL.
 * `pnpm start` runs it inside the API; a deployment runs it once, as its own step (`migrate.ts`),
 * so that replicas start without the owner's credentials.
 */
export async function prepareSchema(
  cfg: DbConfig,
  host: PluginHost,
  backend: JobBackendConfig,
): Promise<{ applied: string[] }> {
  const applied = await migrate(cfg.ownerUrl, allMigrations(host));
  if (cfg.appPassword) await ensureAppRole(cfg.ownerUrl, cfg.appRole, cfg.appPassword, appendOnlyTables);
  await prepareJobBackend(backend, cfg.ownerUrl, cfg.appRole);
  return { applied };
}
