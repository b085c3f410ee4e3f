import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { AppError } from '@civicgrid/kernel';
import type { FastifyRequest } from 'fastify';

/** Workbook uploads: the raw xlsx as the request body, streamed, never parsed as JSON or buffered whole. */
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** An xlsx of 100 k residents is ~8 MB; this leaves room without letting one upload fill the disk. */
export const MAX_UPLOAD = 64 * 1024 * 1024;

export const fileIssue = (status: number, code: string, reason: string) =>
  new AppError(status, code, `file: ${reason}`, [{ field: 'file', reason }]);

/** Passes the upload through, failing once it is larger than `max` bytes. */
export function capped(max: number) {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(fileIssue(413, 'body_too_large', `the workbook is larger than ${max >> 20} MB`));
      else done(null, chunk);
    },
  });
}

/** A declared length over the cap is refused first, before a byte is read or anything is written. */
export function refuseDeclaredTooLarge(req: FastifyRequest) {
  if (Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD)
    throw fileIssue(413, 'body_too_large', `the workbook is larger than ${MAX_UPLOAD >> 20} MB`);
}

/**
 * The request's body as a workbook stream, capped at MAX_UPLOAD: 415 unless it is sent as an xlsx
 * (or octet-stream). An error of the body itself (client gone) reaches the returned stream.
 */
export function workbookBody(req: FastifyRequest): Readable {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== XLSX && type !== 'application/octet-stream')
    throw fileIssue(
      415,
      'unsupported_media_type',
      `send the workbook as the body, with content-type ${XLSX}`,
    );
  const body = req.body as Readable;
  const source = body.pipe(capped(MAX_UPLOAD));
  body.on('error', (e) => source.destroy(e));
  return source;
}
