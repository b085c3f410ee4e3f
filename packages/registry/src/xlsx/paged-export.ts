import type { Writable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import type { Pii } from '../pii.ts';
import { type SheetWriter, writeSheet } from './sheet.ts';

/**
 * A list to xlsx, page by page (keyset, inside the caller's transaction), so an export never holds
 * more than one page: the loop the houses, shops and households exports share.
 */

/** A condition with its `?` parameters (the list's filters and the caller's scopes). */
export interface Where {
  sql: string;
  params: unknown[];
}

/** Which rows are shown unmasked (the caller's reveal scope) and the keys that open them. */
export interface Unmasked extends Where {
  pii: Pii;
}

export interface PagedExport<R> {
  sheet: string;
  headers: readonly string[];
  /**
   * `select … from … where {where}`: `{where}` becomes the filter, `{reveal}` (in the select list, before
   * the filter) the reveal condition.
   */
  query: string;
  /** the filter: the list's conditions and the caller's scopes */
  where: Where;
  unmasked?: Unmasked;
  /** ORDER BY columns, unique together; `after` compares them with the last row's `keyOf`. */
  order: string;
  after: string;
  keyOf(row: R): unknown[];
  /** a page of rows → their cells (may look things up once per page, e.g. units' name paths) */
  cells(rows: R[]): Promise<Array<Array<string | number | null>>>;
}

const PAGE = 1000;

/** Writes the matching rows to `out` as one sheet; answers the number of rows written. */
export async function exportPaged<R>(tx: Tx, out: Writable, spec: PagedExport<R>): Promise<number> {
  const sheet = writeSheet(out, spec.sheet, spec.headers);
  const count = await addPaged(tx, sheet, spec);
  await sheet.end();
  return count;
}

/**
 * The matching rows added to a sheet the caller made (one of a workbook's several, say), page by page;
 * answers the number of rows added.
 */
export async function addPaged<R>(
  tx: Tx,
  sheet: Pick<SheetWriter, 'add'>,
  spec: Omit<PagedExport<R>, 'sheet' | 'headers'>,
): Promise<number> {
  const reveal = spec.unmasked ?? { sql: 'false', params: [] };
  const reveals = spec.query.split('{reveal}').length - 1;
  const query = spec.query
    .replaceAll('{reveal}', `(${reveal.sql})`)
    .replace('{where}', () => `(${spec.where.sql})`);
  let after: unknown[] | null = null;
  let count = 0;
  for (;;) {
    const rows: R[] = await tx.query<R>(
      `${query} ${after ? `and ${spec.after}` : ''} order by ${spec.order} limit ${PAGE}`,
      [
        ...Array.from({ length: reveals }, () => reveal.params).flat(),
        ...spec.where.params,
        ...(after ?? []),
      ],
    );
    for (const cells of await spec.cells(rows)) sheet.add(cells);
    count += rows.length;
    if (rows.length < PAGE) break;
    after = spec.keyOf(rows[rows.length - 1]!);
  }
  return count;
}

/** A sealed value opened for the export, when the caller may see it (the cipher is selected only then). */
export const opened = (
  tx: Tx,
  u: Unmasked | undefined,
  field: 'id' | 'phone',
  key: string,
  c: Buffer | null,
) => (c && u ? u.pii.decrypt(tx.tenantId!, field, key, c) : null);

export const yesNo = (b: boolean | null) => (b == null ? '' : b ? '是' : '否');
