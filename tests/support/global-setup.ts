import { DEFAULT_APP_ROLE } from '@civicgrid/db';
import { prepareJobBackend } from '@civicgrid/jobs';
import { createTestDatabase, ensureTestRedis } from '@civicgrid/testing';
import type { TestProject } from 'vitest/node';
import { allMigrations } from '../../apps/api/src/app.ts';
import { appendOnlyTables } from '../../apps/api/src/platform.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    db: { ownerUrl: string; appUrl: string };
    /** The Redis the job tests use for their Redis backend (each file in its own key prefix or db). */
    redisUrl: string;
  }
}

/** One fresh, migrated database per test run; every test makes its own tenants in it. */
export default async function setup(project: TestProject) {
  const db = await createTestDatabase(allMigrations(), appendOnlyTables);
  // BullMQ's PostgreSQL backend in its default schema, for tests that run jobs on it.
  await prepareJobBackend({ kind: 'postgres', url: db.appUrl }, db.ownerUrl, DEFAULT_APP_ROLE);
  project.provide('db', { ownerUrl: db.ownerUrl, appUrl: db.appUrl });
  project.provide('redisUrl', await ensureTestRedis());
  return () => db.drop();
}
