import type { Readable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import { badInput } from '@civicgrid/kernel';
import type { Pii } from './pii.ts';
import { readSheet } from './xlsx/sheet.ts';

/**
 * The loop every xlsx import shares: read the sheet row by row, check each row on its own (no
 * database), and write the checked rows in batches, each batch in one tenant transaction through the
 * kind's `write` (one multi-row statement). Invalid rows are never written. Only one batch is held at a
 * time, so memory stays flat however long the sheet is; what a kind keeps across batches (keys seen,
 * to catch the same record twice in a file) lives in the kind itself.
 */

export type RowStatus = 'imported' | 'failed' | 'duplicate';

/** One data row and what became of it, in file order: the report's line. */
export interface RowOutcome {
  line: number;
  cells: string[];
  status: RowStatus;
  reason: string | null;
}

export interface ImportSummary {
  /** data rows read (blank lines skipped); rows = imported + failed + duplicates */
  rows: number;
  imported: number;
  failed: number;
  /** already registered, or the same record earlier in the file */
  duplicates: number;
}

export interface ImportOptions {
  pii: Pii;
  /** The tenant the rows go to (values are sealed for it before its transaction opens). */
  tenantId: string;
  /** Runs `fn` in one tenant transaction: a batch's writes commit together. */
  inTransaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /**
   * The caller's scope as a condition on an org-unit column (`orgScopeSql` bound to a scope): only
   * places inside it may be named or written. Default: the whole tenant.
   */
  scope?: (column: string) => { sql: string; params: unknown[] };
  batchSize?: number;
  /** Called after each batch with the data rows done so far. */
  onProgress?: (rowsDone: number) => void;
  /** The file's header row, before any data row (the report repeats it). */
  onHeader?: (cells: string[]) => void | Promise<void>;
  /** Every data row with its outcome, in file order. */
  onRow?: (row: RowOutcome) => void | Promise<void>;
}

/** A row after the checks that need no database: its outcome so far, and what to write when it passed. */
export interface Checked<P> {
  outcome: RowOutcome;
  parsed?: P;
}

/** What one importable kind adds to the shared loop. */
export interface RowKind<C, P> {
  /** The template's name as the clerk knows it (居民导入模板), for a file that is not one. */
  template: string;
  /** The header row's columns, or why the file cannot be this kind's sheet. */
  mapHeaders(cells: string[]): C | { error: string };
  /** A data row's own checks; a failed row carries its reason and no `parsed`. */
  check(line: number, cells: string[], cols: C): Checked<P>;
  /**
   * Writes the batch's rows that passed their checks (one multi-row statement), setting each one's
   * outcome: `imported`, `duplicate`, or a reason (the outcome stays `failed`).
   */
  write(tx: Tx, rows: Checked<P>[]): Promise<void>;
}

/** `scope(column)`, or the whole tenant when the import has no scope. */
export const scopeOf = (opts: ImportOptions, column: string) =>
  opts.scope?.(column) ?? { sql: 'true', params: [] as unknown[] };

export async function importRows<C extends object, P>(
  source: Readable,
  opts: ImportOptions,
  kind: RowKind<C, P>,
): Promise<ImportSummary> {
  const batchSize = opts.batchSize ?? 1000;
  const summary: ImportSummary = { rows: 0, imported: 0, failed: 0, duplicates: 0 };
  let cols: C | null = null;
  let batch: Checked<P>[] = [];
  // One batch is written while the next is read and checked: Node's work (unzip, parse, checksum,
  // AES) overlaps PostgreSQL's. Never more than one in flight, so batches commit in file order.
  let writing: Promise<void> | null = null;

  const write = async (rows: Checked<P>[]) => {
    await opts.inTransaction((tx) => {
      if (tx.tenantId !== opts.tenantId) throw new Error('import: the transaction is for another tenant');
      return kind.write(
        tx,
        rows.filter((r) => r.parsed !== undefined),
      );
    });
    for (const p of rows) {
      const o = p.outcome;
      summary.rows++;
      if (o.status === 'imported') summary.imported++;
      else if (o.status === 'duplicate') summary.duplicates++;
      else summary.failed++;
      await opts.onRow?.(o);
    }
    opts.onProgress?.(summary.rows);
  };
  const flush = async () => {
    if (writing) await writing;
    writing = null;
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    writing = write(current);
    // Its failure surfaces at the next flush; until then it must not count as unhandled.
    writing.catch(() => {});
  };

  try {
    for await (const row of readSheet(source)) {
      if (!cols) {
        const mapped = kind.mapHeaders(row.cells);
        if ('error' in mapped)
          throw badInput('file', `第${row.line}行不是${kind.template}的表头：${mapped.error}`);
        cols = mapped;
        await opts.onHeader?.(row.cells);
        continue;
      }
      if (row.cells.every((c) => c === '')) continue;
      batch.push(kind.check(row.line, row.cells, cols));
      if (batch.length >= batchSize) await flush();
    }
    if (!cols) throw badInput('file', `表格是空的：第一行应为${kind.template}的表头`);
    await flush();
    await flush();
  } finally {
    // A failed read must not leave a write running behind the caller's back.
    if (writing) await (writing as Promise<void>).catch(() => {});
  }
  return summary;
}

/**
 * After a batch's `insert … on conflict do nothing returning id`: the rows returned are imported, the
 * rest of `pending` (keyed by the id each was given) hit the unique key, so were registered before.
 */
export function settleInserted(
  pending: Map<string, { outcome: RowOutcome }>,
  inserted: ReadonlyArray<{ id: string }>,
  duplicateReason: string,
): void {
  for (const { id } of inserted) {
    pending.get(id)!.outcome.status = 'imported';
    pending.delete(id);
  }
  for (const p of pending.values()) {
    p.outcome.status = 'duplicate';
    p.outcome.reason = duplicateReason;
  }
}
