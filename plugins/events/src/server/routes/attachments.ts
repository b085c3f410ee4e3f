import { randomUUID } from 'node:crypto';
import {
  acceptFileBodies,
  errorResponses,
  fileHeaders,
  storeUpload,
  Uuid,
  uploadFileName,
  userContextOf,
} from '@civicgrid/http';
import { forbidden, notFound, type ObjectStorage, objectStorage, type PluginDeps } from '@civicgrid/kernel';
import { forTenant } from '@civicgrid/storage';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { clock } from '../clock.ts';
import { actorOf, visibleEvent } from '../machine.ts';
import type { EventsSettings } from '../settings.ts';
import { addTimeline } from '../store.ts';
import { Text } from './schemas.ts';

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

/**
 * Photos and documents on an event (the checks and storing are `storeUpload` of @civicgrid/http, shared
 * with the other modules). Upload: the file as the raw body (like the registry's imports),
 * `?fileName=` and an optional timeline `?note=`; the type is told by its first bytes (JPEG, PNG,
 * WebP, HEIC, PDF; a header naming another type is refused), the size is capped by the setting
 * `attachmentMaxMb` — a declared length over it is refused before reading, a body passing it mid-way
 * is cut off — and a refused file leaves nothing stored. Anyone who sees the event and may report at
 * its location, handle it, or report in on it may attach; list and download follow the event's own
 * visibility (404 outside it), and each download is audited.
 */
export function attachmentRoutes(app: FastifyInstance, deps: PluginDeps) {
  acceptFileBodies(app);
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
      const id = randomUUID();
      const key = `events/${l.ev.id}/${id}`;
      const store = storageFor(ctx.tx.tenantId!);
      return storeUpload(req, store, key, { maxMb: s.attachmentMaxMb }, async ({ kind, stored }) => {
        const q = req.query as { fileName?: string; note?: string };
        const fileName = uploadFileName(q.fileName, 'attachment', kind.ext);
        const now = clock.now();
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
      });
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
      reply.headers(fileHeaders({ ...a, size: Number(a.size) }));
      // Returned, not sent: Fastify sends it once the wrapper's transaction (with the audit row) committed.
      return body;
    },
  );
}
