import { PassThrough, Readable } from 'node:stream';
import { readSheet, writeSheet } from '@civicgrid/registry';
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

/** A workbook's first sheet (or the `which`-th, from 0) as rows of text. */
export async function rowsOf(file: Buffer, which = 0): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const r of readSheet(Readable.from([file]), which)) rows.push(r.cells);
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
