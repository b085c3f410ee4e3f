import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** A package's migrations: ordered `NNNN_name.sql` files in one folder. */
export interface MigrationSource {
  /** The owning package or plugin id; migrations are tracked per source. */
  source: string;
  dir: URL;
}

export const platformMigrations: MigrationSource = {
  source: 'db',
  dir: new URL('../migrations/', import.meta.url),
};

/**
 * Applies pending migrations as the owner, each file in its own transaction, sources in the given
 * order (a package's tables before those that reference them). An advisory lock keeps two starting
 * processes from racing.
 */
export async function migrate(ownerUrl: string, sources: MigrationSource[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock(726354)');
    await client.query(`create table if not exists schema_migration (
      source text not null, name text not null, applied_at timestamptz not null default now(),
      primary key (source, name))`);
    const done = new Set(
      (await client.query<{ k: string }>(`select source || '/' || name as k from schema_migration`)).rows.map(
        (r) => r.k,
      ),
    );
    for (const { source, dir } of sources) {
      const files = (await readdir(fileURLToPath(dir))).filter((f) => f.endsWith('.sql')).sort();
      for (const file of files) {
        if (done.has(`${source}/${file}`)) continue;
        const sql = await readFile(new URL(file, dir), 'utf8');
        await client.query('begin');
        try {
          await client.query(sql);
          await client.query('insert into schema_migration (source, name) values ($1, $2)', [source, file]);
          await client.query('commit');
        } catch (err) {
          await client.query('rollback');
          throw new Error(`migration ${source}/${file} failed: ${(err as Error).message}`);
        }
        applied.push(`${source}/${file}`);
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock(726354)').catch(() => {});
    await client.end();
  }
  return applied;
}

/**
 * Refreshes the planner's statistics for every table, as the owner (the application role may not).
 * After a bulk load such as the demo seed: until autovacuum gets to it (a minute or more), the planner
 * takes the new tables for empty and picks nested loops that read every row once per row.
 */
export async function analyze(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('analyze');
  } finally {
    await client.end();
  }
}
