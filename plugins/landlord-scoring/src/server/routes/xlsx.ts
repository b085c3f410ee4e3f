import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { UserContext } from '@civicgrid/http';
import { forbidden } from '@civicgrid/kernel';
import { writeWorkbook } from '@civicgrid/registry';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** A subject's kind as the sheets say it. */
export const KIND: Record<string, string> = { landlord: '房东', shop: '商铺' };
/** Refine sends its list's paging and sort along; an export is the whole filtered list. */
export const LIST_PAGING = {
  _start: Type.Optional(Type.Integer()),
  _end: Type.Optional(Type.Integer()),
  _sort: Type.Optional(Type.String()),
  _order: Type.Optional(Type.String()),
};

/**
 * Rows in the units where the caller holds both the list's read permission and the export one: the
 * condition for `unitColumn`, with its parameters.
 */
export function exportScope(ctx: UserContext, read: string, unitColumn: string) {
  if (!ctx.access.holdsAnywhere(read)) throw forbidden(`exporting needs the permission ${read} too`);
  const a = ctx.access.where(read, ctx.tx.tenantId, unitColumn);
  const b = ctx.access.where(PERMISSIONS.dataExport, ctx.tx.tenantId, unitColumn);
  return { sql: `${a.sql} and ${b.sql}`, params: [...a.params, ...b.params] };
}

/**
 * Writes a workbook to a temporary file inside the request's transaction (so the row count is known
 * for the audit row), then answers it as a download: the stream is returned, sent once the wrapper's
 * transaction committed, and the folder goes when it has been sent (or the client went away).
 */
export async function workbookDownload(
  reply: FastifyReply,
  name: string,
  fill: (wb: ReturnType<typeof writeWorkbook>) => Promise<number>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'civicgrid-ls-xlsx-'));
  const file = join(dir, name);
  try {
    const out = createWriteStream(file);
    const wb = writeWorkbook(out);
    const rows = await fill(wb);
    await wb.end();
    await finished(out);
    const stream = createReadStream(file);
    stream.on('close', () => void rm(dir, { recursive: true, force: true }));
    reply.header('content-type', XLSX);
    reply.header('content-disposition', `attachment; filename="${name}"`);
    reply.header('x-export-rows', String(rows));
    return { stream, rows };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The export's audit row, then its download: an audit that fails takes the download (and its folder)
 * with it, so no list leaves unaudited.
 */
export async function audited(
  ctx: UserContext,
  stream: Readable,
  entry: { action: string; targetType: string; after: object },
) {
  await ctx.audit(entry).catch((err) => {
    stream.destroy(); // its folder goes with it
    throw err;
  });
  return stream;
}
