import type { Readable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import { errorResponses, signedContextOf, type UserContext, userContextOf } from '@civicgrid/http';
import { AppError, badInput, type PluginDeps } from '@civicgrid/kernel';
import { readSheet } from '@civicgrid/registry';
import { idsOfPath } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, URGENCIES, type Urgency } from '../../common/index.ts';
import { ensureCatalogue, FALLBACK_CATEGORY, findCategory } from '../catalogue.ts';
import { clock } from '../clock.ts';
import { parseCsv } from '../csv.ts';
import type { Runtime } from '../deadlines.ts';
import { intake } from '../intake.ts';
import type { EventsSettings } from '../settings.ts';
import { Text } from './schemas.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MAX_BYTES = 8 * 1024 * 1024;
const MAX_ROWS = 5_000;
/** The work-order sheet's columns (the first row names them, in any order; zh-CN or English). */
const COLUMNS: Record<string, string> = {
  工单号: 'orderNo',
  orderno: 'orderNo',
  标题: 'title',
  title: 'title',
  内容: 'description',
  description: 'description',
  分类: 'category',
  category: 'category',
  紧急程度: 'urgency',
  urgency: 'urgency',
  地点: 'location',
  location: 'location',
  纬度: 'lat',
  lat: 'lat',
  经度: 'lng',
  lng: 'lng',
};
const URGENCY_TEXT: Record<string, Urgency> = { 红: 'red', 橙: 'orange', 黄: 'yellow', 绿: 'green' };
const HOTLINE = { id: null, name: '12345热线' };

type Order = Record<
  'orderNo' | 'title' | 'description' | 'category' | 'urgency' | 'location' | 'lat' | 'lng',
  string
>;
type RowError = { line: number; field: string; reason: string };

/**
 * The org unit a work order names: its code, or its name path from any level down (稠城街道/绣湖社区/
 * 绣湖第1网格, levels may be skipped). `allowed` says which matches count (the importer's scope);
 * several matches are an error asking for more of the path, never a guess.
 */
async function findPlace(tx: Tx, ref: string, allowed: (ancestors: string[]) => boolean) {
  const names = ref
    .split(/[/／]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const found = await tx.query<{ id: string; path: string; names: string[] }>(
    `select u.id, u.path::text as path,
            array(select a.name from org_unit a where a.tenant_id = u.tenant_id
                    and a.path_key <= u.path_key and u.path_key < a.path_key || 'g' order by nlevel(a.path)) as names
       from org_unit u where u.tenant_id = ? and (u.code = ? or u.name = ?)`,
    [tx.tenantId, ref, names.at(-1) ?? ''],
  );
  const fits = (chain: string[]) => {
    let i = 0;
    for (const n of chain) if (n === names[i]) i++;
    return i === names.length && chain.at(-1) === names.at(-1);
  };
  const hits = found.filter((u) => (u.names.at(-1) === names.at(-1) ? fits(u.names) : true));
  const mine = hits.filter((u) => allowed(idsOfPath(u.path)));
  if (mine.length === 0) return { reason: 'no such place (a unit code or name path inside your area)' };
  if (mine.length > 1) return { reason: 'several places have this name: give more of the path' };
  return { id: mine[0]!.id };
}

/** One order checked and taken in, or the field and reason it was refused for (nothing of it written). */
async function takeOrder(
  tx: Tx,
  rt: Runtime,
  s: EventsSettings,
  o: Partial<Order>,
  allowed: (ancestors: string[]) => boolean,
): Promise<{ id: string } | { field: string; reason: string }> {
  if (!o.orderNo) return { field: 'orderNo', reason: 'is required' };
  if (!o.title) return { field: 'title', reason: 'is required' };
  if ((o.title?.length ?? 0) > 200) return { field: 'title', reason: 'is longer than 200 characters' };
  const urgency =
    URGENCY_TEXT[o.urgency ?? ''] ??
    (URGENCIES.includes(o.urgency as Urgency) ? (o.urgency as Urgency) : null);
  if (!urgency) return { field: 'urgency', reason: 'must be 红/橙/黄/绿 (red/orange/yellow/green)' };
  const cat =
    (await findCategory(tx, { code: o.category ?? '' })) ??
    (
      await tx.query<{ id: string }>(
        `select id from events_category where tenant_id = ? and parent_id is not null and name = ?`,
        [tx.tenantId, (o.category ?? '').split('/').at(-1)],
      )
    )[0] ??
    (await findCategory(tx, { code: FALLBACK_CATEGORY }));
  const place = o.location ? await findPlace(tx, o.location, allowed) : { reason: 'is required' };
  if (!('id' in place)) return { field: 'location', reason: place.reason };
  const lat = o.lat ? Number(o.lat) : undefined;
  const lng = o.lng ? Number(o.lng) : undefined;
  if (lat !== undefined && !(Math.abs(lat) <= 90)) return { field: 'lat', reason: 'is not a latitude' };
  if (lng !== undefined && !(Math.abs(lng) <= 180)) return { field: 'lng', reason: 'is not a longitude' };
  // A savepoint per order: whatever refuses it (a duplicate order number, a place that is not a grid,
  // compound or building) leaves nothing of it behind and the other orders untouched.
  await tx.query('savepoint hotline_order');
  try {
    const ev = await intake(
      tx,
      rt,
      s,
      {
        title: o.title ?? '',
        description: o.description?.slice(0, 5000),
        categoryId: cat!.id,
        channel: 'hotline',
        urgency,
        orgUnitId: String(place.id),
        lat,
        lng,
        externalRef: o.orderNo.slice(0, 64),
      },
      { actor: HOTLINE, now: clock.now() },
    );
    await tx.query('release savepoint hotline_order');
    return { id: ev.id };
  } catch (err) {
    await tx.query('rollback to savepoint hotline_order');
    if (err instanceof AppError && err.statusCode < 500) {
      const d = err.details?.[0];
      const field =
        d?.field === 'externalRef' ? 'orderNo' : d?.field === 'orgUnitId' ? 'location' : (d?.field ?? 'row');
      return { field, reason: d?.reason ?? err.message };
    }
    throw err;
  }
}

async function* rowsOf(body: Readable, type: string): AsyncGenerator<{ line: number; cells: string[] }> {
  if (type === XLSX || type === 'application/octet-stream') {
    yield* readSheet(body);
    return;
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of body) {
    size += (c as Buffer).length;
    if (size > MAX_BYTES)
      throw new AppError(413, 'body_too_large', 'file: larger than 8 MB', [
        { field: 'file', reason: 'larger than 8 MB' },
      ]);
    chunks.push(c as Buffer);
  }
  yield* parseCsv(Buffer.concat(chunks).toString('utf8'));
}

export function hotlineRoutes(app: FastifyInstance, deps: PluginDeps) {
  const rt: Runtime = { jobs: deps.jobs, events: deps.events };
  app.addContentTypeParser([XLSX, 'text/csv', 'application/octet-stream'], (_req, payload, done) =>
    done(null, payload),
  );

  app.post(
    '/hotline/import',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.hotline } },
      schema: {
        response: {
          200: Type.Object({
            rows: Type.Integer(),
            imported: Type.Integer(),
            failed: Type.Integer(),
            errors: Type.Array(
              Type.Object({ line: Type.Integer(), field: Type.String(), reason: Type.String() }),
            ),
            eventIds: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const ctx: UserContext = userContextOf(req);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (![XLSX, 'text/csv', 'application/octet-stream'].includes(type))
        throw new AppError(
          415,
          'unsupported_media_type',
          `file: send the work orders as ${XLSX} or text/csv`,
          [{ field: 'file', reason: 'send an xlsx workbook or a CSV file as the body' }],
        );
      await ensureCatalogue(ctx.tx);
      const s = await deps.settings<EventsSettings>(ctx.tx);
      const allowed = (a: string[]) =>
        ctx.access.can(PERMISSIONS.create, a) || ctx.access.can(PERMISSIONS.hotline, a);
      let header: string[] | null = null;
      const errors: RowError[] = [];
      const eventIds: string[] = [];
      let rows = 0;
      try {
        for await (const r of rowsOf(req.body as Readable, type)) {
          if (!header) {
            header = r.cells.map((c) => COLUMNS[c.toLowerCase()] ?? COLUMNS[c] ?? '');
            for (const need of ['orderNo', 'title', 'urgency', 'location'])
              if (!header.includes(need)) throw badInput('file', `the first row needs a column ${need}`);
            continue;
          }
          if (++rows > MAX_ROWS) throw badInput('file', `at most ${MAX_ROWS} orders a file`);
          const o: Partial<Order> = {};
          header.forEach((k, i) => {
            if (k) o[k as keyof Order] = r.cells[i] ?? '';
          });
          const out = await takeOrder(ctx.tx, rt, s, o, allowed);
          if ('id' in out) eventIds.push(out.id);
          else errors.push({ line: r.line, ...out });
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw badInput('file', 'is not a readable xlsx workbook or CSV file');
      }
      if (!header) throw badInput('file', 'is empty');
      await ctx.audit({
        action: 'events.hotline.import',
        targetType: 'events.event',
        after: { rows, imported: eventIds.length, failed: errors.length },
      });
      return { rows, imported: eventIds.length, failed: errors.length, errors, eventIds };
    },
  );

  /** A hotline system pushes one work order, signed with the tenant's `hotlineSecret`. */
  app.post(
    '/hotline/orders',
    {
      config: { access: { kind: 'signed', secretSetting: 'hotlineSecret' } },
      schema: {
        body: Type.Object(
          {
            orderNo: Type.String({ minLength: 1, maxLength: 64 }),
            title: Text(200, 1),
            description: Type.Optional(Text(5000)),
            category: Type.Optional(Type.String({ maxLength: 100 })),
            urgency: Type.String({ maxLength: 10 }),
            location: Type.String({ minLength: 1, maxLength: 300 }),
            lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
            lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = signedContextOf(req);
      await ensureCatalogue(ctx.tx);
      const s = await deps.settings<EventsSettings>(ctx.tx);
      const b = req.body as Record<string, string | number | undefined>;
      const o = Object.fromEntries(
        Object.entries(b).map(([k, v]) => [k, v == null ? '' : String(v)]),
      ) as Partial<Order>;
      const out = await takeOrder(ctx.tx, rt, s, o, () => true);
      if (!('id' in out)) {
        if (out.field === 'orderNo' && out.reason.includes('already'))
          throw new AppError(409, 'duplicate', `orderNo: ${out.reason}`, [out]);
        throw badInput(out.field, out.reason);
      }
      await ctx.audit({ action: 'events.hotline.push', targetType: 'events.event', targetId: out.id });
      reply.code(201);
      return out;
    },
  );
}
