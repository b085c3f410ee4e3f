import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appUrlFor,
  DEFAULT_APP_ROLE,
  ensureAppRole,
  type MigrationSource,
  migrate,
  startEmbeddedPostgres,
} from '@civicgrid/db';
import pg from 'pg';

export interface TestDatabase {
  ownerUrl: string;
  appUrl: string;
  drop(): Promise<void>;
}

const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh database for one test run on the PostgreSQL at TEST_DATABASE_URL (default: the local server),
 * or on an embedded PostgreSQL when none answers — so `pnpm test` works on a machine with only Node.
 */
export async function createTestDatabase(
  sources: MigrationSource[],
  appendOnly: string[],
): Promise<TestDatabase> {
  let serverUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_SERVER;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!(await answers(serverUrl))) {
    if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL does not answer: ${serverUrl}`);
    const dir = await mkdtemp(join(tmpdir(), 'civicgrid-test-pg-'));
    const emb = await startEmbeddedPostgres(dir, randomBytes(12).toString('hex'));
    serverUrl = emb.ownerUrl.replace(/\/civicgrid$/, '/postgres');
    stopEmbedded = emb.stop;
  }
  const name = `cg_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const ownerUrl = u.toString();
  const password = randomBytes(16).toString('hex');
  await migrate(ownerUrl, sources);
  await ensureAppRole(ownerUrl, DEFAULT_APP_ROLE, password, appendOnly);
  return {
    ownerUrl,
    appUrl: appUrlFor(ownerUrl, DEFAULT_APP_ROLE, password),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      await stopEmbedded?.();
    },
  };
}
