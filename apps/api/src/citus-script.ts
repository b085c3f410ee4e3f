/**
 * `DATABASE_URL=… pnpm citus:script > infra/citus/distribute.sql`: reads a migrated database's schema
 * and prints the SQL that distributes it on Citus (reference tables, then the tenant tables by
 * `tenant_id`, co-located). Refuses, naming each one, when a key or a foreign key would not survive
 * distribution. See docs/scale-out.md.
 */
import { citusScriptOf } from '@civicgrid/db';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL must name a migrated database (pnpm --filter @civicgrid/api migrate)\n');
  process.exit(2);
}
try {
  process.stdout.write(await citusScriptOf(url));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
