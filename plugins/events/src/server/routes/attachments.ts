import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { errorResponses, Uuid, userContextOf } from '@civicgrid/http';
import {
  AppError,
  forbidden,
  notFound,
  type ObjectStorage,
  ObjectTooLargeError,
  objectStorage,
  type PluginDeps,
} from '@civicgrid/kernel';
import { forTenant } from '@civicgrid/storage';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { clock } from '../clock.ts';
import { actorOf, visibleEvent } from '../machine.ts';
import type { EventsSettings } from '../settings.ts';
import { addTimeline } from '../store.ts';
import { Text } from './schemas.ts';

/** The types an attachment may be, told by the file's first bytes (the header only has to agree). */
const KINDS = [
  { type: 'image/jpeg', ext: 'jpg', test: (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/png',
    ext: 'png',
    test: (b: Buffer) =>
      b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  {
    type: 'image/webp',
    ext: 'webp',
    test: (b: Buffer) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  },
  {
    type: 'image/heic',
    ext: 'heic',
    test: (b: Buffer) =>
      b.toString('latin1', 4, 8) === 'ftyp' &&
      ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(b.toString('latin1', 8, 12)),
  },
  { type: 'application/pdf', ext: 'pdf', test: (b: Buffer) => b.toString('latin1', 0, 5) === '%PDF-' },
] as const;
/** Headers a client may send: the kinds' own, HEIF for HEIC, and "I don't know" (octet-stream). */
const DECLARED: Record<string, string | null> = {
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg',
  'image/png': 'image/png',
  'image/webp': 'image/webp',
  'image/heic': 'image/heic',
  'image/heif': 'image/heic',
  'application/pdf': 'application/pdf',
  'application/octet-stream': null,
};
const SNIFF = 16;

const refuse = (status: number, code: string, reason: string) =>
  new AppError(status, code, `file: ${reason}`, [{ field: 'file', reason }]);
const unsupported = (reason: string) => refuse(415, 'unsupported_media_type', reason);

export const AttachmentView = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  fileName: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  uploadedBy: Type.Union([Type.String(), Type.Null()]),
  uploadedAt: Type.String(),
});
const COLUMNS = `id, event_id as "eventId", file_name as "fileName", content_type as "contentType", size::int as size,
  sha256, uploaded_by as "uploadedBy", uploaded_at as "uploadedAt"`;
type Row = { id: string; fileName: string; contentType: string; uploadedAt: Date | string } & Record<
  string,
  unknown
>;
const view = (r: Row) => ({ ...r, uploadedAt: new Date(r.uploadedAt).toISOString() });

/** Reads the first bytes to tell the type, then hands back a stream of the whole body. */
async function sniff(body: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const it = body[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let got = 0;
  let done = false;
  while (got < SNIFF) {
    const n = await it.next();
    if (n.done) {
      done = true;
      break;
    }
    parts.push(n.value as Buffer);
    got += (n.value as Buffer).length;
  }
  const head = Buffer.concat(parts);
  async function* all() {
    yield head;
    if (!done) for (let n = await it.next(); !n.done; n = await it.next()) yield n.value as Buffer;
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) };
}

/** `a/b\\c.jpg` → `c.jpg`; control characters out. */
const baseName = (s: string) =>
  (s.split(/[/\\]/).at(-1) ?? '')
    .replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, 200);

/** `attachment; filename="ascii"; filename*=UTF-8''<utf-8>` */
const disposition = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

/**
 * Photos and documents on an event. Upload: the file as the raw body (like the registry's imports),
 * `?fileName=` and an optional timeline `?note=`; the type is told by its first bytes (JPEG, PNG,
 * WebP, HEIC, PDF; a header naming another type is refused), the size is capped by the setting
 * `attachmentMaxMb` — a declared length over it is refused before reading, a body passing it mid-way
 * is cut off — and a refused file leaves nothing stored. Anyone who sees the event and may report at
 * its location, handle it, or report in on it may attach; list and download follow the event's own
 * visibility (404 outside it), and each download is audited.
 */
export function attachmentRoutes(app: FastifyInstance, deps: PluginDeps) {
  for (const type of [/^image\//, 'application/pdf'])
    app.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
  const storageFor = (tenantId: string): ObjectStorage =>
    forTenant(deps.services.get(objectStorage), tenantId);
  const Params = Type.Object({ id: Uuid }, { additionalProperties: false });

  app.post(
    '/events/:id/attachments',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        params: Params,
        querystring: Type.Object(
          { fileName: Type.Optional(Text(200, 1)), note: Type.Optional(Text(2000)) },
          { additionalProperties: false },
        ),
        response: { 201: AttachmentView, ...errorResponses },
      },
    },
    async (req: FastifyRequest, reply) => {
      const ctx = userContextOf(req);
      const l = await visibleEvent(ctx, (req.params as { id: string }).id);
      const may =
        ctx.access.can(PERMISSIONS.create, l.location) ||
        ctx.access.can(PERMISSIONS.handle, l.handler) ||
        ctx.access.holdsAnywhere(PERMISSIONS.reportIn);
      if (!may) throw forbidden('you may not add attachments to this event');
      const s = await deps.settings<EventsSettings>(ctx.tx);
      const maxBytes = s.attachmentMaxMb * 1024 * 1024;
      const declaredType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!(declaredType in DECLARED) || !(req.body instanceof Readable))
        throw unsupported('send a JPEG, PNG, WebP or HEIC photo or a PDF as the body');
      const declaredLength = Number(req.headers['content-length']);
      if (declaredLength > maxBytes)
        throw refuse(413, 'body_too_large', `larger than ${s.attachmentMaxMb} MB`);
      const { head, stream } = await sniff(req.body);
      if (head.length === 0) throw refuse(400, 'validation_failed', 'the body is empty: send the file');
      const kind = KINDS.find((k) => k.test(head));
      if (!kind) throw unsupported('is not a JPEG, PNG, WebP or HEIC photo or a PDF');
      const expected = DECLARED[declaredType];
      if (expected && expected !== kind.type)
        throw unsupported(`the content is ${kind.type}, not ${declaredType} as declared`);

      const id = randomUUID();
      const key = `events/${l.ev.id}/${id}`;
      const store = storageFor(ctx.tx.tenantId!);
      const stored = await store.put(key, stream, { maxBytes }).catch((err) => {
        if (err instanceof ObjectTooLargeError)
          throw refuse(413, 'body_too_large', `larger than ${s.attachmentMaxMb} MB`);
        throw err;
      });
      const q = req.query as { fileName?: string; note?: string };
      const fileName = baseName(q.fileName ?? '') || `attachment.${kind.ext}`;
      const now = clock.now();
      try {
        const [row] = await ctx.tx.query<Row>(
          `insert into events_attachment (tenant_id, id, event_id, file_name, content_type, size, sha256, storage_key,
             uploaded_by, uploaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
          [
            ctx.tx.tenantId,
            id,
            l.ev.id,
            fileName,
            kind.type,
            stored.size,
            stored.sha256,
            key,
            ctx.user.id,
            now,
          ],
        );
        await addTimeline(ctx.tx, {
          eventId: l.ev.id,
          at: now,
          actor: actorOf(ctx),
          action: 'attach',
          note: q.note ?? '',
          data: { attachmentIds: [id], fileName, contentType: kind.type },
        });
        await ctx.audit({
          action: 'events.attachment.create',
          targetType: 'events.attachment',
          targetId: id,
          orgUnitId: l.ev.orgUnitId,
          after: { eventId: l.ev.id, fileName, contentType: kind.type, size: stored.size },
        });
        reply.code(201);
        return view(row!);
      } catch (err) {
        // The row did not make it: the bytes go too, so storage holds nothing the database does not name.
        await store.delete(key).catch(() => undefined);
        throw err;
      }
    },
  );

  app.get(
    '/events/:id/attachments',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { params: Params, response: { 200: Type.Array(AttachmentView), ...errorResponses } },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { ev } = await visibleEvent(ctx, (req.params as { id: string }).id);
      const rows = await ctx.tx.query<Row>(
        `select ${COLUMNS} from events_attachment where tenant_id = ? and event_id = ? order by uploaded_at, id`,
        [ctx.tx.tenantId, ev.id],
      );
      return rows.map(view);
    },
  );

  app.get(
    '/events/:id/attachments/:attachmentId',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        params: Type.Object({ id: Uuid, attachmentId: Uuid }, { additionalProperties: false }),
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const p = req.params as { id: string; attachmentId: string };
      const { ev } = await visibleEvent(ctx, p.id);
      const [a] = await ctx.tx.query<Row & { storageKey: string }>(
        `select ${COLUMNS}, storage_key as "storageKey" from events_attachment
          where tenant_id = ? and event_id = ? and id = ?`,
        [ctx.tx.tenantId, ev.id, p.attachmentId],
      );
      if (!a) throw notFound('attachment');
      const body = await storageFor(ctx.tx.tenantId!).get(a.storageKey);
      if (!body) throw notFound('attachment');
      await ctx.audit({
        action: 'events.attachment.download',
        targetType: 'events.attachment',
        targetId: a.id,
        orgUnitId: ev.orgUnitId,
        after: { eventId: ev.id, fileName: a.fileName },
      });
      reply.header('content-type', a.contentType);
      reply.header('content-length', String(a.size));
      reply.header('content-disposition', disposition(a.fileName));
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cache-control', 'private, no-store');
      // Returned, not sent: Fastify sends it once the wrapper's transaction (with the audit row) committed.
      return body;
    },
  );
}
