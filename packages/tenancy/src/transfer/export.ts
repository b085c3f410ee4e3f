import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Database, Tx } from '@civicgrid/db';
import type { ObjectStorage, StoredObject } from '@civicgrid/kernel';
import { forTenant } from '@civicgrid/storage';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveManifest,
  type ArchiveTotals,
  FILE_CHUNK,
  type KeyFingerprints,
  line,
} from './archive.ts';
import { readSql, transferPlan } from './plan.ts';

export interface TransferDeps {
  /** The platform's storage (not a tenant's view of it): archives live outside the tenants' prefixes. */
  storage: ObjectStorage;
  /** This instance's personal-data keys, as fingerprints; null when none are configured. */
  keys: KeyFingerprints | null;
  /** Tables rebuilt from others by the modules' triggers: not carried, rebuilt on import. */
  skipTables: readonly string[];
}

/** How far a transfer is: the step (a table, or `files`) and the share of the work done. */
export type TransferProgress = (step: string, percent: number) => void;

const FETCH = 2_000;

/** The migrations applied to this database, as `source/name`. */
export async function appliedMigrations(tx: Tx): Promise<string[]> {
  const rows = await tx.query<{ m: string }>(
    `select source || '/' || name as m from schema_migration order by 1`,
  );
  return rows.map((r) => r.m);
}

/**
 * Writes all of a tenant's rows and stored files into one archive at `key`, read in one repeatable-read
 * transaction: the rows agree with each other as of one moment, whatever is written meanwhile.
 */
export async function exportTenant(
  db: Database,
  tenantId: string,
  key: string,
  deps: TransferDeps,
  progress: TransferProgress,
): Promise<{ stored: StoredObject; totals: ArchiveTotals }> {
  return db.withTenant(
    tenantId,
    async (tx) => {
      const totals: ArchiveTotals = { tables: {}, files: 0 };
      const gz = createGzip();
      const source = Readable.from(archiveLines(tx, tenantId, deps, totals, progress), { objectMode: false });
      source.on('error', (e) => gz.destroy(e));
      source.pipe(gz);
      const stored = await deps.storage.put(key, gz);
      return { stored, totals };
    },
    { snapshot: true },
  );
}

async function* archiveLines(
  tx: Tx,
  tenantId: string,
  deps: TransferDeps,
  totals: ArchiveTotals,
  progress: TransferProgress,
): AsyncGenerator<string> {
  const [tenant] = await tx.query<ArchiveManifest['tenant']>(
    `select id, code, name, timezone, locale, division_code as "divisionCode", status,
            to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt"
       from tenant where id = ?`,
    [tenantId],
  );
  if (!tenant) throw new Error(`tenant ${tenantId} does not exist`);
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    exportedAt: new Date().toISOString(),
    tenant,
    migrations: await appliedMigrations(tx),
    keys: deps.keys,
  };
  yield line('M', manifest);

  const plan = await transferPlan(tx, deps.skipTables);
  // Rows first, then files; a file counts as much as a thousand rows for the progress bar.
  const files = forTenant(deps.storage, tenantId);
  // One after another: the snapshot's one connection runs one statement at a time.
  const counts: number[] = [];
  for (const t of plan) {
    const [r] = await tx.query<{ n: number }>(`select count(*)::int as n from ${t.name}`);
    counts.push(r?.n ?? 0);
  }
  // Keys and sizes only, listed once: what is counted for progress is what is written.
  const objects: { key: string }[] = [];
  for await (const o of files.list('')) objects.push(o);
  const work = counts.reduce((a, b) => a + b, 0) + objects.length * 1_000 + 1;
  let done = 0;

  for (const [i, t] of plan.entries()) {
    progress(t.name, (done / work) * 100);
    yield line('T', { table: t.name, columns: t.columns });
    const cursor = `cg_export_${i}`;
    await tx.query(`declare ${cursor} no scroll cursor for ${readSql(t)}`);
    let rows = 0;
    for (;;) {
      const batch = await tx.query<{ row: string }>(`fetch ${FETCH} from ${cursor}`);
      if (!batch.length) break;
      let text = '';
      for (const r of batch) text += `R ${r.row}\n`;
      rows += batch.length;
      done += batch.length;
      yield text;
      if (batch.length < FETCH) break;
    }
    await tx.query(`close ${cursor}`);
    totals.tables[t.name] = rows;
    yield line('E', { table: t.name, rows });
  }

  for (const o of objects) {
    progress('files', (done / work) * 100);
    const body = await files.get(o.key);
    if (!body) continue; // deleted while listing: it is no longer the tenant's
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of body) {
      hash.update(c as Buffer);
      chunks.push(c as Buffer);
      size += (c as Buffer).length;
    }
    yield line('F', { key: o.key, size, sha256: hash.digest('hex') });
    const all = Buffer.concat(chunks);
    for (let at = 0; at < all.length; at += FILE_CHUNK)
      yield `B ${all.subarray(at, at + FILE_CHUNK).toString('base64')}\n`;
    totals.files++;
    done += 1_000;
  }
  yield line('Z', totals);
  progress('done', 100);
}
