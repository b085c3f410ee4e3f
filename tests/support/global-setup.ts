import { createTestDatabase } from '@civicgrid/testing';
import type { TestProject } from 'vitest/node';
import { allMigrations } from '../../apps/api/src/app.ts';
import { appendOnlyTables } from '../../apps/api/src/platform.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    db: { ownerUrl: string; appUrl: string };
  }
}

/** One fresh, migrated database per test run; every test makes its own tenants in it. */
export default async function setup(project: TestProject) {
  const db = await createTestDatabase(allMigrations(), appendOnlyTables);
  project.provide('db', { ownerUrl: db.ownerUrl, appUrl: db.appUrl });
  return () => db.drop();
}
