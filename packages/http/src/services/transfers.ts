import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type AuditActor, recordAudit } from '@civicgrid/audit';
import { countCapped, type Database, enterTenant, type Tx } from '@civicgrid/db';
import { AppError, conflict, type JobEnqueuer, notFound, type ObjectStorage } from '@civicgrid/kernel';
import {
  ArchiveError,
  checkArchiveFits,
  EXPORT_JOB,
  IMPORT_JOB,
  type KeyFingerprints,
  readManifest,
  TRANSFER_JOBS,
} from '@civicgrid/tenancy';

/** A tenant transfer as the API shows it. */
export interface TransferView {
  id: string;
  tenantId: string;
  direction: 'export' | 'import';
  state: 'queued' | 'running' | 'completed' | 'failed';
  progress: number;
  step: string | null;
  size: number | null;
  sha256: string | null;
  counts: { tables: Record<string, number>; files: number } | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

const COLUMNS = `id, tenant_id as "tenantId", direction, state, progress, step, size::float8 as size, sha256,
  counts, error, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
  to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "finishedAt"`;

export async function findTransfer(tx: Tx, id: string): Promise<TransferView & { storageKey: string }> {
  const [row] = await tx.query<TransferView & { storageKey: string }>(
    `select ${COLUMNS}, storage_key as "storageKey" from tenant_transfer where tenant_id = ? and id = ?`,
    [tx.tenantId, id],
  );
  if (!row) throw notFound('transfer');
  return row;
}

export async function listTransfers(tx: Tx, start: number, end: number) {
  const rows = await tx.query<TransferView>(
    `select ${COLUMNS} from tenant_transfer where tenant_id = ? order by created_at desc, id limit ? offset ?`,
    [tx.tenantId, end - start, start],
  );
  return { rows, ...(await countCapped(tx, 'tenant_transfer where tenant_id = ?', [tx.tenantId])) };
}

/** Queues the job of a transfer row just committed; if the queue refuses, the row says so. */
async function enqueue(db: Database, jobs: JobEnqueuer, tenantId: string, id: string, job: string) {
  try {
    await jobs.enqueue(TRANSFER_JOBS, job, { tenantId, transferId: id }, { jobId: id });
  } catch (err) {
    await db.withTenant(tenantId, (tx) =>
      tx.query(
        `update tenant_transfer set state = 'failed', error = ?, finished_at = now() where tenant_id = ? and id = ?`,
        ['the job system did not take the transfer; start it again', tenantId, id],
      ),
    );
    throw err;
  }
}

/** Starts an export of the whole tenant (by its admin, or by an operator for a tenant leaving). */
export async function startExport(db: Database, jobs: JobEnqueuer, tx: Tx, actor: AuditActor) {
  const id = randomUUID();
  await tx.query(
    `insert into tenant_transfer (tenant_id, id, direction, storage_key, actor) values (?, ?, 'export', ?, ?::jsonb)`,
    [tx.tenantId, id, `transfers/${tx.tenantId}/${id}.cgt.gz`, JSON.stringify(actor)],
  );
  return { id, queue: () => enqueue(db, jobs, tx.tenantId!, id, EXPORT_JOB) };
}

/** The archive of a completed export, its download audited in the caller's transaction. */
export async function exportArchive(tx: Tx, storage: ObjectStorage, id: string, actor: AuditActor) {
  const t = await findTransfer(tx, id);
  if (t.direction !== 'export') throw notFound('export');
  if (t.state !== 'completed')
    throw new AppError(
      409,
      'export_not_finished',
      `the export is ${t.state}; its archive comes when it completes`,
    );
  const body = await storage.get(t.storageKey);
  if (!body) throw new AppError(410, 'archive_gone', 'the archive is no longer stored; export again');
  await recordAudit(tx, actor, {
    action: 'tenant.export.download',
    targetType: 'tenant_transfer',
    targetId: id,
  });
  const [tenant] = await tx.query<{ code: string }>('select code from tenant where id = ?', [tx.tenantId]);
  // A completed export has its size: the job writes it with the state.
  return { body, fileName: `${tenant?.code ?? 'tenant'}-${t.createdAt.slice(0, 10)}.cgt.gz`, size: t.size! };
}

const unfit = (err: ArchiveError) =>
  new AppError(422, 'archive_unfit', `archive: ${err.message}`, [{ field: 'archive', reason: err.message }]);

/**
 * Takes an uploaded archive: stores it, reads its manifest, checks this instance can hold it, makes the
 * tenant (status `importing`) and its transfer row, and queues the import. A tenant whose earlier import
 * failed is taken again; any other tenant with that id or code is a conflict. Nothing is left behind
 * when it refuses.
 */
export async function startImport(
  db: Database,
  jobs: JobEnqueuer,
  storage: ObjectStorage,
  keys: KeyFingerprints | null,
  body: Readable,
  actor: AuditActor,
) {
  const id = randomUUID();
  const key = `transfers/incoming/${id}.cgt.gz`;
  const stored = await storage.put(key, body);
  try {
    if (stored.size === 0)
      throw new AppError(400, 'validation_failed', 'archive: the body is empty', [
        { field: 'archive', reason: 'the body is empty: send the archive' },
      ]);
    const source = await storage.get(key);
    const manifest = await readManifest(source!).catch((e) => {
      throw e instanceof ArchiveError ? unfit(e) : e;
    });
    const t = manifest.tenant;
    const tenantId = await db.withPlatform(async (tx) => {
      await checkArchiveFits(tx, manifest, keys).catch((e) => {
        throw e instanceof ArchiveError ? unfit(e) : e;
      });
      const [same] = await tx.query<{ id: string; code: string; status: string }>(
        'select id, code, status from tenant where id = ? or code = ? for update',
        [t.id, t.code],
      );
      if (same && (same.id !== t.id || same.status !== 'importing'))
        throw conflict(
          'tenant_exists',
          `a tenant with ${same.id === t.id ? 'this id' : `the code ${t.code}`} is already on this instance`,
          'archive',
        );
      const ttx = await enterTenant(tx, t.id);
      if (same) {
        const [busy] = await ttx.query(
          `select 1 from tenant_transfer where tenant_id = ? and state in ('queued', 'running') limit 1`,
          [t.id],
        );
        if (busy) throw conflict('import_running', 'an import of this tenant is already running', 'archive');
      } else
        await tx.query(
          `insert into tenant (id, code, name, timezone, locale, division_code, status, created_at)
           values (?, ?, ?, ?, ?, ?, 'importing', ?)`,
          [t.id, t.code, t.name, t.timezone, t.locale, t.divisionCode, t.createdAt],
        );
      await ttx.query(
        `insert into tenant_transfer (tenant_id, id, direction, storage_key, size, sha256, actor)
         values (?, ?, 'import', ?, ?, ?, ?::jsonb)`,
        [t.id, id, key, stored.size, stored.sha256, JSON.stringify(actor)],
      );
      return t.id;
    });
    await enqueue(db, jobs, tenantId, id, IMPORT_JOB);
    return { tenantId, id };
  } catch (err) {
    await storage.delete(key).catch(() => {});
    throw err;
  }
}
