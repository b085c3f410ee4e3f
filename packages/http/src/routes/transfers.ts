import type { Readable } from 'node:stream';
import { enterTenant } from '@civicgrid/db';
import {
  AppError,
  conflict,
  forbidden,
  notFound,
  type ObjectStorage,
  objectStorage,
} from '@civicgrid/kernel';
import { findTenant } from '@civicgrid/tenancy';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { inOperatorContext, inUserContext, requireJobs, sendList } from '../context.ts';
import { errorResponses, IdParams, listQuery, Nullable, pageOf, Uuid } from '../schemas.ts';
import {
  exportArchive,
  findTransfer,
  listTransfers,
  startExport,
  startImport,
} from '../services/transfers.ts';
import { fileHeaders } from '../uploads.ts';

/**
 * Moving a tenant (docs/operations.md): its admin — or an operator, for a city leaving — exports every
 * row and file into one archive, a job with progress; an operator of another instance uploads that
 * archive, which makes the tenant there and imports it, another job. Exports, downloads and imports are
 * audited in the tenant's log.
 */
const TransferView = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  direction: Type.Union([Type.Literal('export'), Type.Literal('import')]),
  state: Type.Union(['queued', 'running', 'completed', 'failed'].map((s) => Type.Literal(s))),
  progress: Type.Integer(),
  /** the table or `files` the job is at */
  step: Nullable(Type.String()),
  size: Nullable(Type.Number()),
  sha256: Nullable(Type.String()),
  /** rows per table and files the archive holds, once done */
  counts: Nullable(
    Type.Object({ tables: Type.Record(Type.String(), Type.Integer()), files: Type.Integer() }),
  ),
  error: Nullable(Type.String()),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});
const PERMISSION = 'core.tenant.export';
const TransferParams = Type.Object({ id: Uuid, transferId: Uuid }, { additionalProperties: false });
const ARCHIVE_TYPE = 'application/gzip';

const sendArchive = (reply: FastifyReply, a: { body: Readable; fileName: string; size: number }) =>
  reply.headers(fileHeaders({ ...a, contentType: ARCHIVE_TYPE })).send(a.body);

export async function transferRoutes(app: FastifyInstance) {
  const { db, modules, pii } = app.deps;
  const storage = (): ObjectStorage => {
    const s = modules.host.platformService(objectStorage);
    if (!s) throw new AppError(503, 'storage_unavailable', 'no object storage is configured');
    return s;
  };
  const jobs = () => requireJobs(app.deps.jobs);
  // The archive is the raw body, streamed to storage (never parsed, never held in memory).
  for (const type of [ARCHIVE_TYPE, 'application/x-gzip'])
    if (!app.hasContentTypeParser(type))
      app.addContentTypeParser(type, (_req, payload, done) => done(null, payload));

  const tenantTags = ['tenant'];
  app.post(
    '/tenant-exports',
    {
      config: { access: { kind: 'permission', permission: PERMISSION } },
      schema: { tags: tenantTags, response: { 202: TransferView, ...errorResponses } },
    },
    async (req, reply) => {
      const started = await inUserContext(db, req, PERMISSION, async ({ tx, access, actor }) => {
        // All of the tenant leaves in it: a grant on one street is not enough.
        if (access.scope(PERMISSION) !== 'all')
          throw forbidden(`exporting the tenant needs ${PERMISSION} over the whole tenant`);
        return { tenantId: tx.tenantId!, ...(await startExport(db, jobs(), tx, actor)) };
      });
      await started.queue();
      reply.code(202);
      return db.withTenant(started.tenantId, (tx) => findTransfer(tx, started.id));
    },
  );

  app.get(
    '/tenant-exports',
    {
      config: { access: { kind: 'permission', permission: PERMISSION } },
      schema: {
        tags: tenantTags,
        querystring: listQuery(['createdAt'], {}),
        response: { 200: Type.Array(TransferView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const page = pageOf(req.query as never, 'createdAt');
      const r = await inUserContext(db, req, PERMISSION, ({ tx }) => listTransfers(tx, page.start, page.end));
      return sendList(reply, r);
    },
  );

  app.get(
    '/tenant-exports/:id',
    {
      config: { access: { kind: 'permission', permission: PERMISSION } },
      schema: { tags: tenantTags, params: IdParams, response: { 200: TransferView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, PERMISSION, ({ tx }) => findTransfer(tx, id));
    },
  );

  app.get(
    '/tenant-exports/:id/archive',
    {
      config: { access: { kind: 'permission', permission: PERMISSION } },
      schema: { tags: tenantTags, params: IdParams, response: errorResponses },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const a = await inUserContext(db, req, PERMISSION, async ({ tx, access, actor }) => {
        if (access.scope(PERMISSION) !== 'all')
          throw forbidden(`the tenant's archive needs ${PERMISSION} over the whole tenant`);
        return exportArchive(tx, storage(), id, actor);
      });
      return sendArchive(reply, a);
    },
  );

  // The operator's side: exports of any tenant (suspended ones too), and imports.
  const access = { kind: 'operator' } as const;
  const tags = ['platform'];
  app.post(
    '/platform/tenants/:id/exports',
    {
      config: { access },
      schema: { tags, params: IdParams, response: { 202: TransferView, ...errorResponses } },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const started = await inOperatorContext(db, req, async ({ tx, actor }) => {
        const tenant = await findTenant(tx, id);
        if (!tenant) throw notFound('tenant');
        if (tenant.status === 'importing')
          throw conflict('tenant_importing', 'the tenant is still being imported');
        return startExport(db, jobs(), await enterTenant(tx, id), actor);
      });
      await started.queue();
      reply.code(202);
      return db.withTenant(id, (tx) => findTransfer(tx, started.id));
    },
  );

  app.get(
    '/platform/tenants/:id/transfers/:transferId',
    {
      config: { access },
      schema: { tags, params: TransferParams, response: { 200: TransferView, ...errorResponses } },
    },
    async (req) => {
      const { id, transferId } = req.params as { id: string; transferId: string };
      return inOperatorContext(db, req, async ({ tx }) =>
        findTransfer(await enterTenant(tx, id), transferId),
      );
    },
  );

  app.get(
    '/platform/tenants/:id/transfers/:transferId/archive',
    { config: { access }, schema: { tags, params: TransferParams, response: errorResponses } },
    async (req, reply) => {
      const { id, transferId } = req.params as { id: string; transferId: string };
      const a = await inOperatorContext(db, req, async ({ tx, actor }) =>
        exportArchive(await enterTenant(tx, id), storage(), transferId, actor),
      );
      return sendArchive(reply, a);
    },
  );

  app.post(
    '/platform/tenant-imports',
    {
      config: { access },
      schema: {
        tags,
        description: 'The body is an archive from a tenant export, sent as application/gzip.',
        response: { 202: TransferView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const body = req.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function')
        throw new AppError(415, 'unsupported_media_type', `archive: send the archive as ${ARCHIVE_TYPE}`, [
          { field: 'archive', reason: `the body must be the archive, as ${ARCHIVE_TYPE}` },
        ]);
      const actor = await inOperatorContext(db, req, async (c) => c.actor);
      const { tenantId, id } = await startImport(
        db,
        jobs(),
        storage(),
        pii?.fingerprints() ?? null,
        body,
        actor,
      );
      reply.code(202);
      return db.withTenant(tenantId, (tx) => findTransfer(tx, id));
    },
  );
}
