import { randomUUID } from 'node:crypto';
import {
  acceptFileBodies,
  errorResponses,
  fileHeaders,
  PHOTO_TYPES,
  storeUpload,
  Uuid,
  uploadFileName,
  userContextOf,
} from '@civicgrid/http';
import { conflict, forbidden, notFound, objectStorage, type PluginDeps } from '@civicgrid/kernel';
import { forTenant } from '@civicgrid/storage';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, type ScoringSettings } from '../../common/index.ts';
import { visibleRecord } from './records.ts';
import { Line } from './shared.ts';

/** At most this many photos on one record: evidence, not an album. */
export const MAX_PHOTOS = 20;

const PhotoView = Type.Object({
  id: Type.String(),
  recordId: Type.String(),
  fileName: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  uploadedBy: Type.String(),
  uploadedAt: Type.String(),
});
const COLUMNS = `id, record_id as "recordId", file_name as "fileName", content_type as "contentType",
  size::int as size, sha256, uploaded_by as "uploadedBy", uploaded_at as "uploadedAt"`;
interface Row {
  id: string;
  recordId: string;
  fileName: string;
  contentType: string;
  size: number;
  uploadedAt: Date;
}
const view = <R extends Row>(r: R) => ({ ...r, uploadedAt: new Date(r.uploadedAt).toISOString() });
const Params = Type.Object({ id: Uuid }, { additionalProperties: false });

/**
 * Evidence photos on a record, through the platform's object storage (the tenant's namespace) and
 * the one upload path of @civicgrid/http (type by the first bytes: JPEG, PNG, WebP, HEIC; size capped
 * by `evidenceMaxMb`; a refused file leaves nothing). Whoever may record in the subject's unit may add
 * photos; listing and downloading follow the subject's visibility (404 outside it); every download is
 * audited. Photos are never removed: evidence stays on the file with its record.
 */
export function evidenceRoutes(app: FastifyInstance, deps: PluginDeps) {
  acceptFileBodies(app);
  const storageFor = (tenantId: string) => forTenant(deps.services.get(objectStorage), tenantId);

  app.post(
    '/records/:id/photos',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.recordCreate } },
      schema: {
        params: Params,
        querystring: Type.Object({ fileName: Type.Optional(Line(200)) }, { additionalProperties: false }),
        response: { 201: PhotoView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const found = await visibleRecord(ctx, (req.params as { id: string }).id, true);
      if (!found) throw notFound('record');
      if (!ctx.access.can(PERMISSIONS.recordCreate, found.subject.ancestorIds))
        throw forbidden('you may add evidence only inside your own scope');
      if (found.record.voided) throw conflict('voided', 'this record is void: it takes no more evidence');
      const [{ n } = { n: 0 }] = await ctx.tx.query<{ n: number }>(
        'select count(*)::int as n from landlord_scoring_evidence where tenant_id = ? and record_id = ?',
        [ctx.tx.tenantId, found.record.id],
      );
      if (n >= MAX_PHOTOS)
        throw conflict('too_many_photos', `a record holds at most ${MAX_PHOTOS} photos`, 'file');
      const s = await deps.settings<ScoringSettings>(ctx.tx);
      const id = randomUUID();
      const key = `landlord-scoring/records/${found.record.id}/${id}`;
      const store = storageFor(ctx.tx.tenantId!);
      return storeUpload(
        req,
        store,
        key,
        { maxMb: s.evidenceMaxMb, types: PHOTO_TYPES },
        async ({ kind, stored }) => {
          const fileName = uploadFileName((req.query as { fileName?: string }).fileName, 'photo', kind.ext);
          const [row] = await ctx.tx.query<Row>(
            `insert into landlord_scoring_evidence (tenant_id, id, record_id, file_name, content_type, size, sha256,
             storage_key, uploaded_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
            [
              ctx.tx.tenantId,
              id,
              found.record.id,
              fileName,
              kind.type,
              stored.size,
              stored.sha256,
              key,
              ctx.user.id,
            ],
          );
          await ctx.audit({
            action: 'landlord-scoring.evidence.create',
            targetType: 'landlord-scoring.evidence',
            targetId: id,
            orgUnitId: found.subject.orgUnitId,
            after: { recordId: found.record.id, fileName, contentType: kind.type, size: stored.size },
          });
          reply.code(201);
          return view(row!);
        },
      );
    },
  );

  app.get(
    '/records/:id/photos',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectRead } },
      schema: { params: Params, response: { 200: Type.Array(PhotoView), ...errorResponses } },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const found = await visibleRecord(ctx, (req.params as { id: string }).id);
      if (!found) throw notFound('record');
      const rows = await ctx.tx.query<Row>(
        `select ${COLUMNS} from landlord_scoring_evidence where tenant_id = ? and record_id = ?
          order by uploaded_at, id`,
        [ctx.tx.tenantId, found.record.id],
      );
      return rows.map(view);
    },
  );

  app.get(
    '/records/:id/photos/:photoId',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectRead } },
      schema: {
        params: Type.Object({ id: Uuid, photoId: Uuid }, { additionalProperties: false }),
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const p = req.params as { id: string; photoId: string };
      const found = await visibleRecord(ctx, p.id);
      if (!found) throw notFound('record');
      const [photo] = await ctx.tx.query<Row & { storageKey: string }>(
        `select ${COLUMNS}, storage_key as "storageKey" from landlord_scoring_evidence
          where tenant_id = ? and record_id = ? and id = ?`,
        [ctx.tx.tenantId, found.record.id, p.photoId],
      );
      if (!photo) throw notFound('photo');
      const body = await storageFor(ctx.tx.tenantId!).get(photo.storageKey);
      if (!body) throw notFound('photo');
      await ctx.audit({
        action: 'landlord-scoring.evidence.download',
        targetType: 'landlord-scoring.evidence',
        targetId: photo.id,
        orgUnitId: found.subject.orgUnitId,
        after: { recordId: found.record.id, fileName: photo.fileName },
      });
      reply.headers(fileHeaders(photo));
      // Returned, not sent: Fastify sends it once the wrapper's transaction (with the audit row) committed.
      return body;
    },
  );
}
