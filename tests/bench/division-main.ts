/**
 * `npx tsx tests/bench/division-main.ts`: the division benchmark on a fresh, migrated throw-away
 * database (TEST_DATABASE_URL's server, default the local PostgreSQL), results printed as JSON.
 * DIVISION_BENCH_ITERATIONS sets the subtree query count (2,000); DIVISION_BENCH_INDEXED=0 skips the
 * indexed baseline.
 */
import { createTestDatabase } from '@civicgrid/testing';
import { appendOnlyTables, coreMigrations } from '../../apps/api/src/platform.ts';
import { benchDivision } from './division.ts';

const tdb = await createTestDatabase(coreMigrations, appendOnlyTables);
try {
  const results = await benchDivision({
    ownerUrl: tdb.ownerUrl,
    appUrl: tdb.appUrl,
    log: (line) => console.log(`[division] ${line}`),
    iterations: Number(process.env.DIVISION_BENCH_ITERATIONS ?? 2000),
    indexedBaseline: process.env.DIVISION_BENCH_INDEXED !== '0',
  });
  console.log(JSON.stringify(results, null, 2));
} finally {
  await tdb.drop();
}
