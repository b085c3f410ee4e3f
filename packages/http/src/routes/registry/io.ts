import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { recordAudit } from '@civicgrid/audit';
import { orgScopeSql } from '@civicgrid/authz';
import { forbidden } from '@civicgrid/kernel';
import {
  exportHouseholds,
  exportHouses,
  exportResidents,
  exportShops,
  IMPORT_KINDS,
  type ImportKind,
  importReport,
  NotXlsxError,
  needPii,
  type Pii,
  type Unmasked,
  writeSheet,
} from '@civicgrid/registry';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { inUserContext, type UserContext } from '../../context.ts';
import { errorResponses } from '../../schemas.ts';
import {
  HOUSEHOLD_FILTERS,
  type HouseholdFilter,
  householdFilter,
  type PlaceFilter,
  placeFilter,
  placeFilters,
  RESIDENT_FILTERS,
  type ResidentFilter,
  residentFilter,
} from './filters.ts';
import { HOUSE, SHOP } from './places.ts';
import { fileIssue, refuseDeclaredTooLarge, workbookBody, XLSX } from './upload.ts';

/**
 * The registry in and out of Excel: for every kind in `IMPORT_KINDS` its template and its import
 * (answered with the per-row report), and for every list its export with the list's own filters.
 * Workbooks go through temporary files, never whole in memory: the report's counts and the export's
 * row count must be known (headers, audit row) before the file is sent.
 */

const RESIDENT_READ = 'registry.resident.read';
const PLACE_READ = 'registry.place.read';
const PII = 'registry.pii.read';
const EXPORT = 'registry.data.export';

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

const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });
const tags = ['registry'];

/** `GET /<kind>/template.xlsx` and `POST /<kind>/import` for one kind of `IMPORT_KINDS`. */
function importRoutesFor(app: FastifyInstance, key: ImportKind) {
  const { db, pii } = app.deps;
  const kind = IMPORT_KINDS[key];

  app.get(
    `/${key}/template.xlsx`,
    { config: perm(kind.readPermission), schema: { tags, response: errorResponses } },
    async (req, reply) => {
      await inUserContext(db, req, kind.readPermission, async () => {});
      const out = new PassThrough();
      const sheet = writeSheet(out, kind.template.sheet, kind.template.headers);
      sheet.add(kind.template.example);
      void sheet.end().catch((err) => out.destroy(err));
      reply.header('content-type', XLSX);
      reply.header('content-disposition', `attachment; filename="${key}-template.xlsx"`);
      return reply.send(out);
    },
  );

  app.post(
    `/${key}/import`,
    { config: perm(kind.permission), schema: { tags, response: errorResponses } },
    async (req, reply) => {
      refuseDeclaredTooLarge(req);
      const keys = needPii(pii);
      const who = await inUserContext(db, req, kind.permission, async (ctx) => ({
        tenantId: ctx.tx.tenantId!,
        scope: ctx.access.scope(kind.permission),
        actor: ctx.actor,
      }));
      const file = await tempFile('report.xlsx');
      const out = createWriteStream(file);
      const report = importReport(out);
      let source: Readable | undefined;
      try {
        // The body as a stream: xlsx only (415), cut off where it passes the cap (413).
        source = workbookBody(req);
        const summary = await kind.run(source, {
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
            action: kind.auditAction,
            targetType: kind.targetType,
            after: { ...summary },
          }),
        );
        reply.header('x-import-rows', String(summary.rows));
        reply.header('x-import-imported', String(summary.imported));
        reply.header('x-import-failed', String(summary.failed));
        reply.header('x-import-duplicates', String(summary.duplicates));
        return attachment(reply, `${kind.reportName}.xlsx`, file);
      } catch (err) {
        source?.destroy();
        out.destroy();
        await rm(join(file, '..'), { recursive: true, force: true });
        if (err instanceof NotXlsxError) throw fileIssue(400, 'validation_failed', err.message);
        throw err;
      }
    },
  );
}

/** One list's export: its path, its read permission and filters, and how its rows are written. */
interface ExportDef<F> {
  list: string;
  /** the audit row's target type: `registry.<what>.export` */
  what: string;
  read: string;
  filters: Record<string, TSchema>;
  /** Holds personal data (ID numbers, phones): `unmasked=true` may open them, audited as such. */
  personal: boolean;
  write(ctx: UserContext, filter: F, out: WriteStream, unmasked?: Unmasked): Promise<number>;
}

const EXPORTS = (pii: Pii | undefined) =>
  [
    {
      list: 'residents',
      what: 'resident',
      read: RESIDENT_READ,
      filters: RESIDENT_FILTERS,
      personal: true,
      write: async (ctx, f, out, unmasked) =>
        exportResidents(ctx.tx, out, {
          where: await residentFilter(ctx, f, pii, [RESIDENT_READ, EXPORT]),
          unmasked,
        }),
    } satisfies ExportDef<ResidentFilter>,
    {
      list: 'houses',
      what: 'house',
      read: PLACE_READ,
      filters: placeFilters(HOUSE),
      personal: false,
      write: (ctx, f, out) => exportHouses(ctx.tx, out, placeFilter(ctx, HOUSE, f, [PLACE_READ, EXPORT])),
    } satisfies ExportDef<PlaceFilter>,
    {
      list: 'shops',
      what: 'shop',
      read: PLACE_READ,
      filters: placeFilters(SHOP),
      personal: true,
      write: (ctx, f, out, unmasked) =>
        exportShops(ctx.tx, out, placeFilter(ctx, SHOP, f, [PLACE_READ, EXPORT]), unmasked),
    } satisfies ExportDef<PlaceFilter>,
    {
      list: 'households',
      what: 'household',
      read: RESIDENT_READ,
      filters: HOUSEHOLD_FILTERS,
      personal: true,
      write: (ctx, f, out, unmasked) =>
        exportHouseholds(ctx.tx, out, householdFilter(ctx, f, [RESIDENT_READ, EXPORT]), unmasked),
    } satisfies ExportDef<HouseholdFilter>,
  ] as ExportDef<Record<string, string>>[];

/**
 * `GET /<list>/export.xlsx`: the whole list with its current filters (paging and sort ignored), inside
 * the caller's read and export scopes, masked unless `unmasked=true` and she holds registry.pii.read
 * (then opened only where that grant reaches). One audit row says who took which filter and how many
 * rows; an unmasked one adds a `registry.pii.export` row. The values themselves are never logged.
 */
function exportRouteFor(app: FastifyInstance, def: ExportDef<Record<string, string>>) {
  const { db, pii } = app.deps;
  const Query = Type.Object(
    {
      ...def.filters,
      ...(def.personal
        ? { unmasked: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }
        : {}),
      // Refine sends its list's paging and sort along; an export is the whole filtered list.
      _start: Type.Optional(Type.Integer()),
      _end: Type.Optional(Type.Integer()),
      _sort: Type.Optional(Type.String()),
      _order: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  );
  app.get(
    `/${def.list}/export.xlsx`,
    { config: perm(EXPORT), schema: { tags, querystring: Query, response: errorResponses } },
    async (req, reply) => {
      const { unmasked: u, _start, _end, _sort, _order, ...filter } = req.query as Record<string, string>;
      const unmasked = u === 'true';
      const file = await tempFile(`${def.list}.xlsx`);
      try {
        const rows = await inUserContext(db, req, EXPORT, async (ctx) => {
          if (!ctx.access.holdsAnywhere(def.read))
            throw forbidden(`exporting ${def.list} needs the permission ${def.read} too`);
          if (unmasked && !ctx.access.holdsAnywhere(PII))
            throw forbidden(`unmasked: you need the permission ${PII}`);
          const reveal = unmasked
            ? { ...orgScopeSql(ctx.access.scope(PII), ctx.tx.tenantId, 'r.org_unit_id'), pii: needPii(pii) }
            : undefined;
          const out = createWriteStream(file);
          const n = await def.write(ctx, filter, out, reveal);
          await finished(out);
          await ctx.audit({
            action: `registry.${def.what}.export`,
            targetType: def.what,
            after: { filter, rows: n, ...(def.personal ? { unmasked } : {}) },
          });
          if (unmasked)
            await ctx.audit({
              action: 'registry.pii.export',
              targetType: def.what,
              after: { filter, rows: n },
            });
          return n;
        });
        reply.header('x-export-rows', String(rows));
        return attachment(reply, `${def.list}.xlsx`, file);
      } catch (err) {
        await rm(join(file, '..'), { recursive: true, force: true });
        throw err;
      }
    },
  );
}

export async function residentIoRoutes(app: FastifyInstance) {
  // Uploads arrive as a raw stream (this plugin's routes only); the import routes check the type themselves.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  for (const key of Object.keys(IMPORT_KINDS) as ImportKind[]) importRoutesFor(app, key);
  for (const def of EXPORTS(app.deps.pii)) exportRouteFor(app, def);
}
