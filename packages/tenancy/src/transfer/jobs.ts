import { type AuditActor, recordAudit } from '@civicgrid/audit';
import { isUuid, type Tx } from '@civicgrid/db';
import { AppError, type JobContext, type PlatformJobs } from '@civicgrid/kernel';
import { ArchiveError, type ArchiveTotals } from './archive.ts';
import { exportTenant, type TransferDeps, type TransferProgress } from './export.ts';
import { importTenant } from './import.ts';

/** The platform job group of tenant transfers: on for every tenant, its runs in the job centre. */
export const TRANSFER_JOBS = 'tenant-transfer';
export const EXPORT_JOB = 'export';
export const IMPORT_JOB = 'import';

interface TransferRow {
  direction: 'export' | 'import';
  state: string;
  storageKey: string;
  size: string | null;
  actor: AuditActor;
}

/** A run that cannot succeed however often it is tried: failed at once with the reason. */
const hopeless = (reason: string) => new AppError(422, 'transfer_failed', reason);

const setTransfer = (tx: Tx, id: string, fields: Record<string, unknown>) => {
  const names = Object.keys(fields);
  return tx.query(
    `update tenant_transfer set ${names.map((n) => `${n} = ?`).join(', ')} where tenant_id = ? and id = ?`,
    [
      ...Object.values(fields).map((v) =>
        v && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v,
      ),
      tx.tenantId,
      id,
    ],
  );
};

async function transferOf(ctx: JobContext, direction: TransferRow['direction']) {
  const id = (ctx.data as { transferId?: unknown }).transferId;
  if (!isUuid(id)) throw hopeless('the job names no transfer');
  const [row] = await ctx.tx.query<TransferRow>(
    `select direction, state, storage_key as "storageKey", size, actor from tenant_transfer
      where tenant_id = ? and id = ?`,
    [ctx.tenantId, id],
  );
  if (row?.direction !== direction) throw hopeless(`no such ${direction}`);
  return { id, row };
}

/**
 * Progress in short transactions of their own, at most one a second, in order, and waited for before
 * the end (a late write must not overwrite the final state).
 */
function progressWriter(ctx: JobContext, id: string) {
  let chain = Promise.resolve();
  let last = 0;
  const report: TransferProgress = (step, percent) => {
    const now = Date.now();
    if (now - last < 1_000 && percent < 100) return;
    last = now;
    const p = Math.floor(percent);
    chain = chain
      .then(() => ctx.db.withTenant(ctx.tenantId, (tx) => setTransfer(tx, id, { progress: p, step })))
      .then(() => ctx.progress(p))
      .catch((e: Error) => ctx.log.warn({ err: e.message }, 'transfer progress not recorded'));
  };
  return { report, settled: () => chain };
}

async function run(
  ctx: JobContext,
  direction: TransferRow['direction'],
  work: (row: TransferRow, progress: TransferProgress) => Promise<{ totals: ArchiveTotals; fields?: object }>,
) {
  const { id, row } = await transferOf(ctx, direction);
  if (row.state === 'completed') return;
  await ctx.db.withTenant(ctx.tenantId, (tx) =>
    setTransfer(tx, id, { state: 'running', progress: 0, error: null, finished_at: null }),
  );
  const progress = progressWriter(ctx, id);
  try {
    const { totals, fields } = await work(row, progress.report);
    await progress.settled();
    await setTransfer(ctx.tx, id, {
      ...fields,
      state: 'completed',
      progress: 100,
      step: null,
      counts: totals,
      finished_at: new Date(),
    });
    const rows = Object.values(totals.tables).reduce((a, b) => a + b, 0);
    await recordAudit(ctx.tx, row.actor, {
      action: `tenant.${direction}`,
      targetType: 'tenant',
      targetId: ctx.tenantId,
      after: { transferId: id, rows, files: totals.files, ...fields },
    });
    return { rows, files: totals.files };
  } catch (err) {
    await progress.settled();
    const message =
      err instanceof ArchiveError || err instanceof AppError
        ? err.message
        : `the ${direction} stopped unexpectedly`;
    await ctx.db.withTenant(ctx.tenantId, (tx) =>
      setTransfer(tx, id, { state: 'failed', error: message, finished_at: new Date() }),
    );
    throw err instanceof ArchiveError ? hopeless(`archive: ${err.message}`) : err;
  }
}

/**
 * Export: every row and file of the tenant into an archive, read as of one moment. Import: an archive
 * into the tenant the upload made (status `importing`) in one transaction; it ends `suspended`, for an
 * operator to look over and resume — resuming starts its schedules.
 */
export const transferJobs = (deps: TransferDeps): PlatformJobs => ({
  id: TRANSFER_JOBS,
  jobs: [
    {
      name: EXPORT_JOB,
      title: { 'zh-CN': '租户数据导出', en: 'Tenant export' },
      attempts: 1,
      tenantStates: ['active', 'suspended'],
      process: (ctx) =>
        run(ctx, 'export', async (row, progress) => {
          const { stored, totals } = await exportTenant(ctx.db, ctx.tenantId, row.storageKey, deps, progress);
          return { totals, fields: { size: stored.size, sha256: stored.sha256 } };
        }),
    },
    {
      name: IMPORT_JOB,
      title: { 'zh-CN': '租户数据导入', en: 'Tenant import' },
      attempts: 1,
      tenantStates: ['importing'],
      process: (ctx) =>
        run(ctx, 'import', async (row, progress) => {
          const body = await deps.storage.get(row.storageKey);
          if (!body) throw hopeless('the uploaded archive is gone; upload it again');
          const totals = await importTenant(ctx.tx, body, deps, progress, Number(row.size ?? 0));
          await ctx.tx.query(`update tenant set status = 'suspended', suspended_at = now() where id = ?`, [
            ctx.tenantId,
          ]);
          return { totals };
        }),
    },
  ],
});
