import { type AuditActor, recordAudit } from '@civicgrid/audit';
import { orgScopeSql } from '@civicgrid/authz';
import { isUuid, type Tx } from '@civicgrid/db';
import { AppError, type JobContext, type PlatformJobs } from '@civicgrid/kernel';
import type { ScopePaths } from '@civicgrid/tenancy';
import type { ImportSummary } from './import.ts';
import { IMPORT_KINDS, isImportKind } from './import-kinds.ts';
import { chunkReader, chunkWriter, dropChunks } from './import-store.ts';
import type { Pii } from './pii.ts';
import { importReport } from './xlsx/import-report.ts';
import { countSheetRows, NotXlsxError } from './xlsx/sheet.ts';

/**
 * Background imports: a workbook uploaded to `registry_import` is read by a worker, batch by batch
 * (each batch its own tenant transaction, as the synchronous route does), with its progress and counts
 * written as it goes and its report stored sealed beside it. The queue owner is `registry`, a platform
 * job group: on for every tenant, its runs in the job centre beside the modules'.
 */
export const REGISTRY_JOBS = 'registry';
export const IMPORT_JOB = 'import';

interface ImportRow {
  kind: string;
  state: string;
  fileSize: string;
  scope: ScopePaths;
  actor: AuditActor;
}

/** Bad input for this run: fails it at once with the message (an AppError below 500 is not retried). */
const hopeless = (reason: string) => new AppError(422, 'import_failed', reason);

async function setState(tx: Tx, id: string, fields: Record<string, unknown>) {
  const names = Object.keys(fields);
  await tx.query(
    `update registry_import set ${names.map((n) => `${n} = ?`).join(', ')}, updated_at = now()
     where tenant_id = ? and id = ?`,
    [...Object.values(fields), tx.tenantId, id],
  );
}

async function runImport(pii: Pii | null, ctx: JobContext) {
  const importId = (ctx.data as { importId?: unknown }).importId;
  if (!isUuid(importId)) throw hopeless('the job names no import');
  const [row] = await ctx.tx.query<ImportRow>(
    `select kind, state, file_size as "fileSize", scope, actor from registry_import where tenant_id = ? and id = ?`,
    [ctx.tenantId, importId],
  );
  if (!row) throw hopeless('no such import (it was deleted)');
  if (row.state === 'completed') return;
  const { db, tenantId } = ctx;
  const short = <T>(fn: (tx: Tx) => Promise<T>) => db.withTenant(tenantId, fn);
  const refuse = async (reason: string) => {
    // The import says why too, not only the job centre: its page must not wait for ever.
    await short((tx) => setState(tx, importId, { state: 'failed', error: reason, finished_at: new Date() }));
    return hopeless(reason);
  };
  if (!pii)
    throw await refuse('personal-data keys (PII_KEYS, PII_HASH_KEY) are not configured for the worker');
  if (!isImportKind(row.kind)) throw await refuse(`unknown import kind ${row.kind}`);
  const kind = IMPORT_KINDS[row.kind];

  // A new attempt starts over: the earlier attempt's report goes; its committed rows come up as duplicates.
  await short(async (tx) => {
    await dropChunks(tx, { tenantId, importId, part: 'report' });
    await setState(tx, importId, {
      state: 'running',
      rows: 0,
      imported: 0,
      failed: 0,
      duplicates: 0,
      total_rows: null,
      error: null,
      finished_at: null,
    });
  });

  let progress = Promise.resolve();
  const counts: ImportSummary = { rows: 0, imported: 0, failed: 0, duplicates: 0 };
  const reportOut = chunkWriter(pii, { tenantId, importId, part: 'report' }, short);
  const report = importReport(reportOut);
  const upload = () => chunkReader(pii, db, { tenantId, importId, part: 'upload' });
  // A first quick pass counts the sheet's rows (no cells parsed), so progress is rows done of all.
  let total = 0;
  try {
    total = Math.max(0, (await countSheetRows(upload())) - 1);
  } catch {
    // An unreadable file fails below, in the importer, with the reason users get for it.
  }
  await short((tx) => setState(tx, importId, { total_rows: total }));
  try {
    const summary = await kind.run(upload(), {
      pii,
      tenantId,
      inTransaction: short,
      scope: (column) => orgScopeSql(row.scope, tenantId, column),
      onHeader: (cells) => report.header(cells),
      onRow: (o) => {
        counts.rows++;
        if (o.status === 'imported') counts.imported++;
        else if (o.status === 'duplicate') counts.duplicates++;
        else counts.failed++;
        report.row(o);
      },
      onProgress: () => {
        // Not awaited by the importer (the next batch is read meanwhile), but kept in order, and
        // waited for before the end: a late write must not overwrite the final counts.
        const snapshot = { ...counts };
        progress = progress
          .then(() => short((tx) => setState(tx, importId, snapshot)))
          .then(() => ctx.progress(Math.min(99, (snapshot.rows / Math.max(1, total)) * 100)))
          .catch((e: Error) => ctx.log.warn({ err: e.message }, 'import progress not recorded'));
      },
    });
    await progress;
    await report.end();
    await new Promise<void>((resolve, reject) =>
      reportOut.writableFinished ? resolve() : reportOut.once('finish', resolve).once('error', reject),
    );
    // Done: the counts, the audit row and the run's record commit together (the job's transaction);
    // the upload, personal data in clear once opened, is not kept past its use.
    await setState(ctx.tx, importId, {
      ...summary,
      state: 'completed',
      finished_at: new Date(),
    });
    await dropChunks(ctx.tx, { tenantId, importId, part: 'upload' });
    await recordAudit(ctx.tx, row.actor, {
      action: kind.auditAction,
      targetType: kind.targetType,
      after: { importId, ...summary },
    });
    return summary;
  } catch (err) {
    reportOut.destroy();
    await progress;
    const message =
      err instanceof NotXlsxError || err instanceof AppError
        ? err.message
        : 'the import stopped unexpectedly';
    await short((tx) =>
      setState(tx, importId, { ...counts, state: 'failed', error: message, finished_at: new Date() }),
    );
    throw err instanceof NotXlsxError ? hopeless(`file: ${err.message}`) : err;
  }
}

/** The registry's platform jobs; `pii` null (no keys configured) fails each import with that reason. */
export const registryJobs = (pii: Pii | null): PlatformJobs => ({
  id: REGISTRY_JOBS,
  jobs: [
    {
      name: IMPORT_JOB,
      title: { 'zh-CN': '登记信息导入', en: 'Registry import' },
      // A second attempt would start the file over; once is right, and the job centre offers a retry.
      attempts: 1,
      process: (ctx) => runImport(pii, ctx),
    },
  ],
});
