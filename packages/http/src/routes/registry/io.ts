import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { recordAudit } from '@civicgrid/audit';
import { orgScopeSql } from '@civicgrid/authz';
import { AppError, badInput, forbidden } from '@civicgrid/kernel';
import {
  exportResidents,
  idLookupHash,
  importReport,
  importResidents,
  NotXlsxError,
  phoneLookupHash,
  RESIDENT_EXAMPLE,
  RESIDENT_HEADERS,
  writeSheet,
} from '@civicgrid/registry';
import { inSubtreeOf } from '@civicgrid/tenancy';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, type UserContext } from '../../context.ts';
import { errorResponses, Phone, Uuid } from '../../schemas.ts';
import { likePrefix, needPii } from './scope.ts';

/**
 * Residents in and out of Excel: the template, the import (answered with the per-row report) and the
 * export of a filtered list. Workbooks go through temporary files, never whole in memory: the report's
 * counts and the export's row count must be known (headers, audit row) before the file is sent.
 */

const READ = 'registry.resident.read';
const MANAGE = 'registry.resident.manage';
const PII = 'registry.pii.read';
const EXPORT = 'registry.data.export';
const SENSITIVE = 'registry.sensitive-group.read';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** An xlsx of 100 k residents is ~8 MB; this leaves room without letting one upload fill the disk. */
const MAX_UPLOAD = 64 * 1024 * 1024;

const fileIssue = (status: number, code: string, reason: string) =>
  new AppError(status, code, `file: ${reason}`, [{ field: 'file', reason }]);

/** Passes the upload through, failing once it is larger than `max` bytes. */
function capped(max: number) {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(fileIssue(413, 'body_too_large', `the workbook is larger than ${max >> 20} MB`));
      else done(null, chunk);
    },
  });
}

function attachment(reply: FastifyReply, name: string, file: string) {
  reply.header('content-type', XLSX);
  reply.header('content-disposition', `attachment; filename="${name}"`);
  const stream = createReadStream(file);
  // The temporary folder goes once the file is sent (or the client went away).
  stream.on('close', () => void rm(join(file, '..'), { recursive: true, force: true }));
  return reply.send(stream);
}

async function tempFile(name: string) {
  return join(await mkdtemp(join(tmpdir(), 'civicgrid-xlsx-')), name);
}

const ExportQuery = Type.Object(
  {
    under: Type.Optional(Uuid),
    houseId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    idNumber: Type.Optional(Type.String({ minLength: 5, maxLength: 20 })),
    phone: Type.Optional(Phone),
    registration: Type.Optional(
      Type.Union([Type.Literal('local'), Type.Literal('floating'), Type.Literal('overseas')]),
    ),
    tagId: Type.Optional(Uuid),
    unmasked: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    // Refine sends its list's paging and sort along; an export is the whole filtered list.
    _start: Type.Optional(Type.Integer()),
    _end: Type.Optional(Type.Integer()),
    _sort: Type.Optional(Type.String()),
    _order: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
interface ExportFilter {
  under?: string;
  houseId?: string;
  q?: string;
  idNumber?: string;
  phone?: string;
  registration?: string;
  tagId?: string;
}

/** The same filters as `GET /residents`, inside the caller's read and export scopes. */
async function exportWhere(ctx: UserContext, q: ExportFilter, pii: ReturnType<typeof needPii> | undefined) {
  const { tx, access } = ctx;
  const where = ['r.tenant_id = ?'];
  const params: unknown[] = [tx.tenantId];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  for (const permission of [READ, EXPORT]) {
    const s = orgScopeSql(access.scope(permission), tx.tenantId, 'r.org_unit_id');
    add(s.sql, ...s.params);
  }
  if (q.under) {
    const sub = inSubtreeOf('u2.path_key', 'tenant_id = ? and id = ?');
    add(
      `r.org_unit_id in (select id from org_unit u2 where u2.tenant_id = ? and ${sub})`,
      ...[tx.tenantId, tx.tenantId, q.under, tx.tenantId, q.under],
    );
  }
  if (q.houseId) add('c.house_id = ?', q.houseId);
  if (q.registration) add('r.registration = ?', q.registration);
  if (q.q) add(/^[a-z]+$/.test(q.q) ? 'r.name_initials like ?' : 'r.name like ?', likePrefix(q.q));
  if (q.idNumber) add('r.id_hash = ?', idLookupHash(tx, needPii(pii), q.idNumber));
  if (q.phone) add('r.phone_hash = ?', phoneLookupHash(tx, needPii(pii), q.phone));
  if (q.tagId) {
    // Filtering by a sensitive group would reveal who is in it.
    const [t] = await tx.query<{ sensitive: boolean }>(
      `select sensitive from focus_tag where tenant_id = ? and id = ?`,
      [tx.tenantId, q.tagId],
    );
    if (!t || (t.sensitive && !access.holdsAnywhere(SENSITIVE)))
      throw badInput('tagId', 'no such focus group');
    add(
      'exists (select 1 from resident_tag rt where rt.tenant_id = r.tenant_id and rt.resident_id = r.id and rt.tag_id = ?)',
      q.tagId,
    );
  }
  return { sql: where.join(' and '), params };
}

export async function residentIoRoutes(app: FastifyInstance) {
  const { db, pii } = app.deps;
  const tags = ['registry'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  // Uploads arrive as a raw stream (this plugin's routes only); the import route checks the type itself.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.get(
    '/residents/template.xlsx',
    { config: perm(READ), schema: { tags, response: errorResponses } },
    async (req, reply) => {
      await inUserContext(db, req, READ, async () => {});
      const out = new PassThrough();
      const sheet = writeSheet(out, '居民', RESIDENT_HEADERS);
      sheet.add(RESIDENT_EXAMPLE);
      void sheet.end().catch((err) => out.destroy(err));
      reply.header('content-type', XLSX);
      reply.header('content-disposition', 'attachment; filename="residents-template.xlsx"');
      return reply.send(out);
    },
  );

  app.post(
    '/residents/import',
    { config: perm(MANAGE), schema: { tags, response: errorResponses } },
    async (req, reply) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== XLSX && type !== 'application/octet-stream')
        throw fileIssue(
          415,
          'unsupported_media_type',
          `send the workbook as the body, with content-type ${XLSX}`,
        );
      const keys = needPii(pii);
      const who = await inUserContext(db, req, MANAGE, async (ctx) => ({
        tenantId: ctx.tx.tenantId!,
        scope: ctx.access.scope(MANAGE),
        actor: ctx.actor,
      }));
      const file = await tempFile('report.xlsx');
      const out = createWriteStream(file);
      const report = importReport(out);
      try {
        const source = (req.body as Readable).pipe(capped(MAX_UPLOAD));
        (req.body as Readable).on('error', (e) => source.destroy(e));
        const summary = await importResidents(source, {
          pii: keys,
          tenantId: who.tenantId,
          // Each batch in its own tenant transaction: a 100 k file commits as it goes, not all at the end.
          inTransaction: (fn) => db.withTenant(who.tenantId, fn),
          scope: (column) => orgScopeSql(who.scope, who.tenantId, column),
          onHeader: (cells) => report.header(cells),
          onRow: (o) => report.row(o),
        });
        await report.end();
        await finished(out);
        await db.withTenant(who.tenantId, (tx) =>
          recordAudit(tx, who.actor, {
            action: 'registry.resident.import',
            targetType: 'resident',
            after: { ...summary },
          }),
        );
        reply.header('x-import-rows', String(summary.rows));
        reply.header('x-import-imported', String(summary.imported));
        reply.header('x-import-failed', String(summary.failed));
        reply.header('x-import-duplicates', String(summary.duplicates));
        return attachment(reply, 'residents-import-report.xlsx', file);
      } catch (err) {
        out.destroy();
        await rm(join(file, '..'), { recursive: true, force: true });
        if (err instanceof NotXlsxError) throw fileIssue(400, 'validation_failed', err.message);
        throw err;
      }
    },
  );

  app.get(
    '/residents/export.xlsx',
    { config: perm(EXPORT), schema: { tags, querystring: ExportQuery, response: errorResponses } },
    async (req, reply) => {
      const q = req.query as ExportFilter & {
        unmasked?: string;
        _start?: number;
        _end?: number;
        _sort?: string;
        _order?: string;
      };
      const unmasked = q.unmasked === 'true';
      const file = await tempFile('residents.xlsx');
      try {
        const rows = await inUserContext(db, req, EXPORT, async (ctx) => {
          if (unmasked && !ctx.access.holdsAnywhere(PII))
            throw forbidden(`unmasked: you need the permission ${PII}`);
          const { unmasked: _u, _start, _end, _sort, _order, ...filter } = q;
          const where = await exportWhere(ctx, filter, pii);
          const reveal = unmasked
            ? { ...orgScopeSql(ctx.access.scope(PII), ctx.tx.tenantId, 'r.org_unit_id'), pii: needPii(pii) }
            : undefined;
          const out = createWriteStream(file);
          const n = await exportResidents(ctx.tx, out, { where, unmasked: reveal });
          await finished(out);
          // Who took which list, and how many people were in it; the values themselves are never logged.
          await ctx.audit({
            action: 'registry.resident.export',
            targetType: 'resident',
            after: { filter, rows: n, unmasked },
          });
          if (unmasked)
            await ctx.audit({
              action: 'registry.pii.export',
              targetType: 'resident',
              after: { filter, rows: n },
            });
          return n;
        });
        reply.header('x-export-rows', String(rows));
        return attachment(reply, 'residents.xlsx', file);
      } catch (err) {
        await rm(join(file, '..'), { recursive: true, force: true });
        throw err;
      }
    },
  );
}
