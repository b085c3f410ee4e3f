import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Access } from '@civicgrid/authz';
import { countCapped, type Tx } from '@civicgrid/db';
import { AppError, notFound } from '@civicgrid/kernel';
import {
  chunkReader,
  chunkWriter,
  IMPORT_JOB,
  IMPORT_KINDS,
  type ImportKind,
  needPii,
  REGISTRY_JOBS,
} from '@civicgrid/registry';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, requireJobs, sendList } from '../../context.ts';
import { errorResponses, IdParams, listQuery, pageOf } from '../../schemas.ts';
import { refuseDeclaredTooLarge, workbookBody, XLSX } from './upload.ts';

/**
 * Background imports: `POST /<kind>/imports` stores the workbook (sealed, in PostgreSQL, so any worker
 * can read it) and queues the registry's import job; `GET /imports/:id` shows its progress and counts
 * while it runs; `GET /imports/:id/report.xlsx` gives the per-row report once it is done. For files of
 * any size (a 100 k-row sheet takes tens of seconds); the synchronous `POST /<kind>/import` stays for
 * small ones.
 */

const STATES = ['queued', 'running', 'completed', 'failed'] as const;

const ImportView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  fileName: Type.Union([Type.String(), Type.Null()]),
  fileSize: Type.Integer(),
  state: Type.Union(STATES.map((s) => Type.Literal(s))),
  /** 0–100: rows done of the rows the sheet holds */
  progress: Type.Integer(),
  /** the sheet's data rows, counted when the run starts (blank lines included); null before */
  totalRows: Type.Union([Type.Integer(), Type.Null()]),
  rows: Type.Integer(),
  imported: Type.Integer(),
  failed: Type.Integer(),
  duplicates: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  /** the job centre's run (`/job-runs/:id`) */
  runId: Type.Union([Type.String(), Type.Null()]),
});

const COLUMNS = `i.id, i.kind, i.file_name as "fileName", i.file_size::int8 as "fileSize", i.state,
  case when i.state = 'completed' then 100 when i.total_rows > 0 then least(99, floor(100.0 * i.rows / i.total_rows))::int
    else 0 end as progress, i.total_rows as "totalRows",
  i.rows, i.imported, i.failed, i.duplicates, i.error, i.created_by as "createdBy",
  to_char(i.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
  to_char(i.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "finishedAt",
  (select r.id from job_run r where r.tenant_id = i.tenant_id and r.plugin = '${REGISTRY_JOBS}'
     and r.queue_job_id = i.id::text) as "runId"`;

type Row = { fileSize: string | number } & Record<string, unknown>;
const view = (r: Row) => ({ ...r, fileSize: Number(r.fileSize) });

/**
 * Which imports the caller sees: her own, and every import of a kind she may write tenant-wide (a
 * workbook of residents is personal data; a street admin does not read the city's uploads).
 */
function visible(access: Access, userId: string): { sql: string; params: unknown[] } {
  const wide = Object.entries(IMPORT_KINDS)
    .filter(([, k]) => access.scope(k.permission) === 'all')
    .map(([kind]) => kind);
  return { sql: '(i.created_by = ? or i.kind = any(?::text[]))', params: [userId, wide] };
}

async function visibleImport(tx: Tx, access: Access, userId: string, id: string) {
  const v = visible(access, userId);
  const [row] = await tx.query<Row>(
    `select ${COLUMNS} from registry_import i where i.tenant_id = ? and i.id = ? and ${v.sql}`,
    [tx.tenantId, id, ...v.params],
  );
  if (!row) throw notFound('import');
  return row;
}

export async function importRoutes(app: FastifyInstance) {
  const { db, pii } = app.deps;
  const tags = ['registry'];
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  for (const [kind, def] of Object.entries(IMPORT_KINDS) as Array<
    [ImportKind, (typeof IMPORT_KINDS)[ImportKind]]
  >) {
    app.post(
      `/${kind}/imports`,
      {
        config: { access: { kind: 'permission', permission: def.permission } },
        schema: {
          tags,
          querystring: Type.Object(
            { fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
            { additionalProperties: false },
          ),
          response: { 202: ImportView, 503: errorResponses[409], ...errorResponses },
        },
      },
      async (req, reply) => {
        refuseDeclaredTooLarge(req);
        const keys = needPii(pii);
        const jobs = requireJobs(app.deps.jobs);
        const source = workbookBody(req);
        const id = randomUUID();
        const { fileName } = req.query as { fileName?: string };
        // The row and every chunk of the file in one transaction: an upload cut short leaves nothing.
        const tenantId = await inUserContext(db, req, def.permission, async (ctx) => {
          const { tx, access, actor } = ctx;
          await tx.query(
            `insert into registry_import (tenant_id, id, kind, file_name, file_size, created_by, actor, scope)
             values (?, ?, ?, ?, 0, ?, ?::jsonb, ?::jsonb)`,
            [
              tx.tenantId,
              id,
              kind,
              fileName ?? null,
              actor.id,
              JSON.stringify(actor),
              JSON.stringify(access.scope(def.permission)),
            ],
          );
          const upload = chunkWriter(keys, { tenantId: tx.tenantId!, importId: id, part: 'upload' }, (fn) =>
            fn(tx),
          );
          await pipeline(source, upload);
          const size = upload.bytes();
          if (size === 0)
            throw new AppError(400, 'validation_failed', 'file: the body is empty', [
              { field: 'file', reason: 'the body is empty: send the workbook' },
            ]);
          await tx.query('update registry_import set file_size = ? where tenant_id = ? and id = ?', [
            size,
            tx.tenantId,
            id,
          ]);
          return tx.tenantId!;
        });
        try {
          await jobs.enqueue(REGISTRY_JOBS, IMPORT_JOB, { tenantId, importId: id }, { jobId: id });
        } catch (err) {
          // Stored but not queued: say so on the import, not only in this answer.
          await db.withTenant(tenantId, (tx) =>
            tx.query(
              `update registry_import set state = 'failed', error = ?, finished_at = now() where tenant_id = ? and id = ?`,
              ['the job system did not take the import; upload it again', tenantId, id],
            ),
          );
          throw err;
        }
        const row = await inUserContext(db, req, null, (ctx) =>
          visibleImport(ctx.tx, ctx.access, ctx.actor.id!, id),
        );
        reply.code(202);
        return view(row);
      },
    );
  }

  app.get(
    '/imports',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        tags,
        querystring: listQuery(['createdAt'], {
          kind: Type.Optional(Type.String({ pattern: '^[a-z][a-z-]{1,30}$' })),
          state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)))),
        }),
        response: { 200: Type.Array(ImportView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as { kind?: string; state?: string; _order?: string };
      const page = pageOf(req.query as never, 'createdAt');
      const r = await inUserContext(db, req, null, async ({ tx, access, actor }) => {
        const v = visible(access, actor.id!);
        const where = ['i.tenant_id = ?', v.sql];
        const params: unknown[] = [tx.tenantId, ...v.params];
        for (const k of ['kind', 'state'] as const) {
          if (!q[k]) continue;
          where.push(`i.${k} = ?`);
          params.push(q[k]);
        }
        const w = where.join(' and ');
        // Newest first unless asked otherwise, like the job centre.
        const order = q._order ? page.order : 'desc';
        const rows = await tx.query<Row>(
          `select ${COLUMNS} from registry_import i where ${w} order by i.created_at ${order}, i.id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
        );
        return { rows: rows.map(view), ...(await countCapped(tx, `registry_import i where ${w}`, params)) };
      });
      return sendList(reply, r);
    },
  );

  app.get(
    '/imports/:id',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { tags, params: IdParams, response: { 200: ImportView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, null, async (ctx) =>
        view(await visibleImport(ctx.tx, ctx.access, ctx.actor.id!, id)),
      );
    },
  );

  app.get(
    '/imports/:id/report.xlsx',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { tags, params: IdParams, response: errorResponses },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const keys = needPii(pii);
      const row = await inUserContext(db, req, null, async (ctx) => {
        const r = await visibleImport(ctx.tx, ctx.access, ctx.actor.id!, id);
        if (r.state !== 'completed')
          throw new AppError(
            409,
            'import_not_finished',
            `the import is ${r.state}; its report comes when it completes`,
          );
        // The report repeats the uploaded rows in clear (ID numbers, phones): who took it is recorded.
        await ctx.audit({ action: 'registry.import.report', targetType: 'registry_import', targetId: id });
        return r;
      });
      reply.header('content-type', XLSX);
      reply.header('content-disposition', `attachment; filename="${row.kind}-import-report.xlsx"`);
      return reply.send(chunkReader(keys, db, { tenantId: req.claims!.tid!, importId: id, part: 'report' }));
    },
  );
}
