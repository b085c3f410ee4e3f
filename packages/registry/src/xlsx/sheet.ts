import type { Readable, Writable } from 'node:stream';
import type ExcelJSTypes from 'exceljs';
import { ExcelJS, unzipper } from './exceljs.ts';

/**
 * Streaming xlsx in and out, one row at a time: the reader parses the zip entry as it arrives and the
 * writer commits each row to the output, so neither ever holds the sheet (100 k rows stay flat in memory).
 */

/** One row of the first worksheet: its 1-based line number and its cells as trimmed text. */
export interface SheetRow {
  line: number;
  cells: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A cell as the text a person typed: dates as YYYY-MM-DD, rich text joined, formulas by their result. */
export function cellText(v: unknown): string {
  if (v == null) return '';
  if (v instanceof Date) {
    // Excel dates carry no zone; exceljs reads them as UTC midnight.
    return `${v.getUTCFullYear()}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())}`;
  }
  if (typeof v === 'object') {
    const o = v as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; error?: string };
    if (o.richText)
      return o.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if (o.result !== undefined) return cellText(o.result);
    if (o.text !== undefined) return cellText(o.text);
    if (o.error) return '';
    return '';
  }
  return String(v).trim();
}

/**
 * Rows of the first worksheet of an xlsx stream (the later ones are drained unread). Throws `NotXlsxError` when
 * the bytes are not a workbook (the route answers a 4xx naming the file); an error of `source` itself
 * (upload too large, client gone) is thrown as it is.
 */
export async function* readSheet(source: Readable): AsyncGenerator<SheetRow> {
  // exceljs pipes `source` into its unzipper, and pipe() does not pass errors on: without this race a
  // failing upload would leave the reader waiting for bytes forever.
  // (One promise per step: racing every step against one long-lived promise would pile a reaction
  // per row onto it, which is a leak of its own.)
  let sourceError: SourceError | null = null;
  let interrupt: ((err: Error) => void) | null = null;
  source.once('error', (err) => {
    sourceError = new SourceError(err);
    interrupt?.(sourceError);
  });
  const next = <T>(it: AsyncIterator<T>) =>
    new Promise<IteratorResult<T>>((resolve, reject) => {
      if (sourceError) return reject(sourceError);
      interrupt = reject;
      it.next().then(resolve, reject);
    });

  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache', // needed to tell a date cell from a number
    worksheets: 'emit',
  });
  let seenSheet = false;
  let index = 0;
  try {
    const sheets = (reader as unknown as AsyncIterable<AsyncIterable<ExcelJSTypes.Row>>)[
      Symbol.asyncIterator
    ]();
    for (let s = await next(sheets); !s.done; s = await next(sheets)) {
      const rows = s.value[Symbol.asyncIterator]();
      // Later sheets are skipped, but their entries must still be drained for the zip to finish.
      for (let r = await next(rows); !r.done; r = await next(rows)) {
        if (seenSheet || index !== 0) continue;
        const values = r.value.values as unknown[];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
        yield { line: r.value.number, cells };
      }
      if (index++ === 0) seenSheet = true;
    }
  } catch (err) {
    if (err instanceof SourceError) throw err.cause;
    if (err instanceof NotXlsxError) throw err;
    throw new NotXlsxError((err as Error).message);
  }
  if (!seenSheet) throw new NotXlsxError('the workbook has no worksheet');
}

class SourceError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

export class NotXlsxError extends Error {
  constructor(detail: string) {
    super(`not a readable xlsx workbook (${detail.slice(0, 120)})`);
    this.name = 'NotXlsxError';
  }
}

/** A sheet written row by row to `out`; `end()` finishes the zip (the stream then ends). */
export interface SheetWriter {
  add(cells: ReadonlyArray<string | number | null>): void;
  end(): Promise<void>;
}

export function writeSheet(out: Writable, sheetName: string, headers: readonly string[]): SheetWriter {
  const wb = writeWorkbook(out);
  const sheet = wb.sheet(sheetName, headers);
  return {
    add: sheet.add,
    async end() {
      await wb.end();
    },
  };
}

/** A workbook of several sheets written one after the other, each row committed as it is added. */
export interface WorkbookWriter {
  /** Starts the next sheet (the one before it is finished first). */
  sheet(name: string, headers: readonly string[]): Pick<SheetWriter, 'add'>;
  end(): Promise<void>;
}

export function writeWorkbook(out: Writable): WorkbookWriter {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useSharedStrings: false,
    useStyles: true,
  });
  let current: ExcelJSTypes.Worksheet | null = null;
  return {
    sheet(name, headers) {
      current?.commit();
      const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
      ws.columns = headers.map((h) => ({ header: h, width: Math.max(10, h.length * 2 + 4) }));
      ws.getRow(1).font = { bold: true };
      ws.getRow(1).commit();
      current = ws;
      return {
        add(cells) {
          ws.addRow([...cells]).commit();
        },
      };
    },
    async end() {
      current?.commit();
      await wb.commit();
    },
  };
}

/**
 * How many rows the first worksheet holds (header included), without parsing it: the sheet's XML is
 * inflated and its `<row` tags counted. A quick pass (no cells, no objects per row) that lets a long
 * import say how far along it is. Rows exceljs would skip as blank count too: an upper bound.
 */
export async function countSheetRows(source: Readable): Promise<number> {
  const zip = unzipper.Parse({ forceStream: true });
  source.on('error', (err) => zip.destroy(err));
  source.pipe(zip);
  const tag = /<(?:[A-Za-z_][\w.-]*:)?row[\s>/]/g;
  let rows: number | null = null;
  for await (const entry of zip as AsyncIterable<Readable & { path: string; autodrain(): void }>) {
    if (rows !== null || !/^xl\/worksheets\/sheet\d+\.xml$/.test(entry.path)) {
      entry.autodrain();
      continue;
    }
    rows = 0;
    const text = new TextDecoder('utf-8');
    let tail = '';
    for await (const chunk of entry) {
      // Everything before the last '<' holds only whole tag names; from it on is carried to the next
      // chunk, so a tag split across two chunks is counted once.
      const s = tail + text.decode(chunk as Buffer, { stream: true });
      const cut = Math.max(0, s.lastIndexOf('<'));
      for (const _ of s.slice(0, cut).matchAll(tag)) rows++;
      tail = s.slice(cut);
    }
    for (const _ of tail.matchAll(tag)) rows++;
  }
  if (rows === null) throw new NotXlsxError('the workbook has no worksheet');
  return rows;
}
