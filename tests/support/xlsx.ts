import { PassThrough, type Readable } from 'node:stream';
import { cellText, writeSheet } from '@civicgrid/registry';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A workbook made with the same streaming writer the API uses (exceljs). */
export async function workbook(rows: string[][], sheetName = 'Sheet1'): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const sheet = writeSheet(out, sheetName, rows[0]!);
  for (const r of rows.slice(1)) sheet.add(r);
  await sheet.end();
  return Buffer.concat(chunks);
}

/**
 * A workbook's first sheet (or the `which`-th, from 0) as rows of text: read whole, as a spreadsheet
 * program does (the streaming reader the imports use reads first sheets; it lost later ones now and
 * then — 1 read in 400 here).
 */
export async function rowsOf(file: Buffer, which = 0): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as unknown as ArrayBuffer);
  const sheet = wb.worksheets[which];
  if (!sheet) throw new Error(`the workbook has no sheet ${which} (it has ${wb.worksheets.length})`);
  const rows: string[][] = [];
  // Every row as wide as the sheet: a row's trailing empty cells are cells too.
  const width = sheet.columnCount;
  sheet.eachRow((row) => {
    const values = row.values as unknown[];
    const cells: string[] = [];
    for (let i = 1; i <= Math.max(width, values.length - 1); i++) cells.push(cellText(values[i]));
    rows.push(cells);
  });
  return rows;
}

/** `POST /api/v1/<path>` with a workbook (or any stream) as the raw body. */
export const uploadTo = (
  app: FastifyInstance,
  token: string,
  path: string,
  payload: Buffer | Readable,
  headers: Record<string, string> = {},
) =>
  app.inject({
    method: 'POST',
    url: `/api/v1${path}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': XLSX, ...headers },
    payload,
  });

export const download = (app: FastifyInstance, token: string, url: string) =>
  app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
