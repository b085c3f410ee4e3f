import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import type { StoredObject } from '@civicgrid/kernel';
import { forTenant } from '@civicgrid/storage';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  ArchiveError,
  type ArchiveLine,
  type ArchiveManifest,
  type ArchiveTotals,
  type KeyFingerprints,
  readArchive,
} from './archive.ts';
import { appliedMigrations, type TransferDeps, type TransferProgress } from './export.ts';
import { quoteIdent as q, type TransferTable, transferPlan } from './plan.ts';

const BATCH_ROWS = 1_000;
const BATCH_CHARS = 4 * 1024 * 1024;

/** The manifest, from the archive's first line (nothing else is read). */
export async function readManifest(gz: Readable): Promise<ArchiveManifest> {
  const lines = readArchive(gz);
  try {
    return await manifestOf(lines);
  } finally {
    await lines.return(undefined);
    gz.destroy();
  }
}

/** The first line, which must be the manifest, checked. */
async function manifestOf(lines: AsyncGenerator<ArchiveLine>): Promise<ArchiveManifest> {
  const first = await lines.next();
  if (first.done || first.value.kind !== 'M')
    throw new ArchiveError('the archive does not start with a manifest');
  return checkManifest(first.value.manifest);
}

/** A manifest is checked whole before anything is made from it. */
function checkManifest(m: ArchiveManifest): ArchiveManifest {
  if (m?.format !== ARCHIVE_FORMAT) throw new ArchiveError('this is not a CivicGrid tenant archive');
  if (m.version !== ARCHIVE_VERSION)
    throw new ArchiveError(
      `archive version ${m.version} is not one this instance reads (${ARCHIVE_VERSION})`,
    );
  checkTenant(m.tenant);
  const keysOk =
    m.keys === null ||
    (typeof m.keys === 'object' &&
      typeof m.keys.hash === 'string' &&
      typeof m.keys.keys === 'object' &&
      m.keys.keys !== null &&
      Object.values(m.keys.keys).every((v) => typeof v === 'string'));
  if (!Array.isArray(m.migrations) || !m.migrations.every((x) => typeof x === 'string') || !keysOk)
    throw new ArchiveError('the manifest does not list its migrations and keys');
  return m;
}

/** The manifest's tenant becomes a row here: each field is checked as the platform's own form checks it. */
function checkTenant(t: ArchiveManifest['tenant'] | undefined) {
  const ok =
    t &&
    typeof t === 'object' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(String(t.id)) &&
    /^[a-z][a-z0-9-]{1,31}$/.test(String(t.code)) &&
    typeof t.name === 'string' &&
    t.name.length >= 1 &&
    t.name.length <= 100 &&
    /^[A-Za-z]+(\/[A-Za-z_+-]+){0,2}$/.test(String(t.timezone)) &&
    (t.locale === 'zh-CN' || t.locale === 'en') &&
    (t.divisionCode === null || /^[0-9]{6}$/.test(String(t.divisionCode))) &&
    !Number.isNaN(Date.parse(String(t.createdAt)));
  if (!ok)
    throw new ArchiveError('the manifest does not describe a tenant (id, code, name, timezone, locale)');
}

/**
 * What an archive needs of the instance it goes into, checked before anything is written: every
 * migration it was exported under, and the same personal-data keys (sealed ID numbers, phones and
 * secret settings open only under the keys that sealed them).
 */
export async function checkArchiveFits(tx: Tx, m: ArchiveManifest, keys: KeyFingerprints | null) {
  const have = new Set(await appliedMigrations(tx));
  const missing = m.migrations.filter((x) => !have.has(x));
  if (missing.length)
    throw new ArchiveError(
      `the archive comes from a newer schema: this instance lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} (install the same modules and version first)`,
    );
  if (!m.keys) return;
  const absent = Object.entries(m.keys.keys)
    .filter(([id, fp]) => keys?.keys[id] !== fp)
    .map(([id]) => id);
  if (absent.length || keys?.hash !== m.keys.hash)
    throw new ArchiveError(
      `this instance does not hold the personal-data keys the archive was sealed with (${[...absent, ...(keys?.hash === m.keys.hash ? [] : ['the hash key'])].join(', ')}): add them to PII_KEYS / PII_HASH_KEY first`,
    );
}

/**
 * Writes an archive's rows and files into the transaction's tenant, whose row the caller made from the
 * manifest. All rows go in this one transaction: an archive that fails half-way leaves no rows (and the
 * files it stored are removed again).
 */
export async function importTenant(
  tx: Tx,
  gz: Readable,
  deps: TransferDeps,
  progress: TransferProgress,
  expectedBytes: number,
): Promise<ArchiveTotals> {
  const tenantId = tx.tenantId!;
  const files = forTenant(deps.storage, tenantId);
  const written: string[] = [];
  let read = 0;
  gz.on('data', (c: Buffer) => {
    read += c.length;
  });
  try {
    const lines = readArchive(gz);
    const manifest = await manifestOf(lines);
    if (manifest.tenant.id !== tenantId) throw new ArchiveError('the archive is of another tenant');
    await checkArchiveFits(tx, manifest, deps.keys);
    const plan = new Map((await transferPlan(tx, deps.skipTables)).map((t) => [t.name, t]));
    const seen: ArchiveTotals = { tables: {}, files: 0 };
    let table: {
      name: string;
      plan: TransferTable | null;
      columns: string[];
      rows: string[];
      chars: number;
      count: number;
    } | null = null;
    let file: {
      key: string;
      size: number;
      sha256: string;
      body: PassThrough;
      put: Promise<StoredObject>;
      hash: ReturnType<typeof createHash>;
      got: number;
    } | null = null;
    let totals: ArchiveTotals | null = null;
    const deferredTables: TransferTable[] = [];

    const endFile = async () => {
      if (!file) return;
      const f = file;
      file = null;
      f.body.end();
      await f.put;
      written.push(f.key);
      if (f.got !== f.size || f.hash.digest('hex') !== f.sha256)
        throw new ArchiveError(`file ${f.key} is damaged in the archive`);
      seen.files++;
    };

    for await (const l of lines) {
      if (l.kind !== 'B') await endFile();
      if (totals) throw new ArchiveError('the archive goes on after its last line');
      switch (l.kind) {
        case 'M':
          throw new ArchiveError('the archive has a second manifest');
        case 'T': {
          if (table) throw new ArchiveError(`table ${l.table} begins inside another`);
          const target = plan.get(l.table) ?? null;
          if (!target && !deps.skipTables.includes(l.table))
            throw new ArchiveError(`the archive holds table ${l.table}, which this instance does not have`);
          const unknown = target ? l.columns.filter((c) => !target.columns.includes(c)) : [];
          if (unknown.length)
            throw new ArchiveError(
              `table ${l.table}: columns ${unknown.join(', ')} are not in this instance`,
            );
          if (target?.deferred.length) {
            await prepareDeferred(tx, target);
            deferredTables.push(target);
          }
          table = { name: l.table, plan: target, columns: l.columns, rows: [], chars: 0, count: 0 };
          progress(l.table, Math.min(99, (read / Math.max(1, expectedBytes)) * 100));
          break;
        }
        case 'R':
          if (!table) throw new ArchiveError('a row outside any table');
          table.rows.push(l.row);
          table.chars += l.row.length;
          table.count++;
          if (table.rows.length >= BATCH_ROWS || table.chars >= BATCH_CHARS) await flush(tx, table);
          break;
        case 'E':
          if (table?.name !== l.table) throw new ArchiveError(`table ${l.table} ends where it did not begin`);
          await flush(tx, table);
          if (table.count !== l.rows)
            throw new ArchiveError(`table ${l.table}: ${table.count} rows, the archive says ${l.rows}`);
          seen.tables[l.table] = table.count;
          table = null;
          break;
        case 'F': {
          if (table) throw new ArchiveError('a file inside a table');
          const body = new PassThrough();
          file = { ...l, body, put: files.put(l.key, body), hash: createHash('sha256'), got: 0 };
          // A refused put (a bad key) must not leave the read waiting on a stream nobody drains.
          file.put.catch(() => body.resume());
          progress('files', Math.min(99, (read / Math.max(1, expectedBytes)) * 100));
          break;
        }
        case 'B':
          if (!file) throw new ArchiveError('file data outside any file');
          file.hash.update(l.bytes);
          file.got += l.bytes.length;
          if (!file.body.write(l.bytes)) await new Promise((r) => file!.body.once('drain', r));
          break;
        case 'Z':
          if (table) throw new ArchiveError('the archive ends inside a table');
          totals = l.totals;
          break;
      }
    }
    await endFile();
    if (!totals) throw new ArchiveError('the archive is cut short (no closing line)');
    if (
      JSON.stringify(sorted(totals.tables)) !== JSON.stringify(sorted(seen.tables)) ||
      totals.files !== seen.files
    )
      throw new ArchiveError('the archive does not hold what its closing line counts');
    for (const t of deferredTables) await applyDeferred(tx, t);
    progress('done', 100);
    return seen;
  } catch (err) {
    gz.destroy();
    await Promise.all(written.map((k) => files.delete(k).catch(() => {})));
    throw err;
  }
}

const sorted = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

async function flush(
  tx: Tx,
  t: { plan: TransferTable | null; columns: string[]; rows: string[]; chars: number },
): Promise<void> {
  if (!t.rows.length) return;
  const json = `[${t.rows.join(',')}]`;
  t.rows = [];
  t.chars = 0;
  if (!t.plan) return; // a derived table this instance rebuilds itself
  const p = t.plan;
  const cols = t.columns.map(q).join(', ');
  const values = t.columns.map((c) => (p.deferred.includes(c) ? 'null' : `r.${q(c)}`)).join(', ');
  await tx.query(
    `insert into ${q(p.name)} (${cols}) select ${values} from json_populate_recordset(null::${q(p.name)}, ?::json) r`,
    [json],
  );
  if (p.deferred.length) {
    const keep = [...p.primaryKey, ...p.deferred].map(q).join(', ');
    await tx.query(
      `insert into ${deferredTable(p)} (${keep}) select ${keep} from json_populate_recordset(null::${q(p.name)}, ?::json)`,
      [json],
    );
  }
}

const deferredTable = (t: TransferTable) => `pg_temp.${q(`cg_deferred_${t.name}`)}`;

/** Where a broken cycle's key values wait until every table is in. */
async function prepareDeferred(tx: Tx, t: TransferTable) {
  const keep = [...t.primaryKey, ...t.deferred].map(q).join(', ');
  await tx.query(`drop table if exists ${deferredTable(t)}`);
  await tx.query(
    `create temp table ${q(`cg_deferred_${t.name}`)} on commit drop as select ${keep} from ${q(t.name)} with no data`,
  );
}

async function applyDeferred(tx: Tx, t: TransferTable) {
  const set = t.deferred.map((c) => `${q(c)} = d.${q(c)}`).join(', ');
  const on = t.primaryKey.map((c) => `x.${q(c)} = d.${q(c)}`).join(' and ');
  const any = t.deferred.map((c) => `d.${q(c)} is not null`).join(' or ');
  await tx.query(`update ${q(t.name)} x set ${set} from ${deferredTable(t)} d where ${on} and (${any})`);
}
