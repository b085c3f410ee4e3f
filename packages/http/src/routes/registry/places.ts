import { countCapped, type Tx } from '@civicgrid/db';
import { badInput, conflict } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { type TObject, Type } from 'typebox';
import { inUserContext, sendList, type UserContext } from '../../context.ts';
import { errorResponses, IdParams, listQuery, Nullable, pageOf, Uuid } from '../../schemas.ts';
import { type PlaceFilter, placeFilter, placeFilters } from './filters.ts';
import { recordIn, unitFor } from './scope.ts';

const READ = 'registry.place.read';
const MANAGE = 'registry.place.manage';
const Text = (max: number) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });

const HouseFields = {
  address: Text(200),
  floor: Nullable(Type.Integer({ minimum: -10, maximum: 200 })),
  area: Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100_000 })),
  use: Type.Union([
    Type.Literal('own-occupied'),
    Type.Literal('rented'),
    Type.Literal('shop'),
    Type.Literal('vacant'),
  ]),
  rooms: Nullable(Type.Integer({ minimum: 0, maximum: 500 })),
  occupancyCap: Nullable(Type.Integer({ minimum: 0, maximum: 2000 })),
  escapeWindow: Nullable(Type.Boolean()),
  ebikeCharging: Nullable(Type.Boolean()),
};
const ShopFields = {
  name: Text(100),
  houseId: Nullable(Uuid),
  licenceNo: Nullable(
    Type.String({ pattern: '^[0-9A-Z]{15,18}$', description: 'unified social credit code' }),
  ),
  businessStreet: Nullable(Text(100)),
  operatorId: Nullable(Uuid),
};

/** One table's columns as the API names them → SQL column, and how a row is read back. */
export interface Place {
  path: string;
  table: string;
  what: string;
  /** the 409 a second record with the same key gets (the table's unique index) */
  duplicate: { message: string; field: string };
  fields: Record<string, unknown>;
  columns: Record<string, string>;
  sort: Record<string, string>;
  search: string;
}

export const HOUSE: Place = {
  path: '/houses',
  table: 'house',
  what: 'house',
  duplicate: { message: 'a house with this address is registered on this org unit', field: 'address' },
  fields: HouseFields,
  columns: {
    address: 'address',
    floor: 'floor',
    area: 'area',
    use: 'use',
    rooms: 'rooms',
    occupancyCap: 'occupancy_cap',
    escapeWindow: 'escape_window',
    ebikeCharging: 'ebike_charging',
  },
  sort: { address: 'address', createdAt: 'created_at' },
  search: 'address',
};
export const SHOP: Place = {
  path: '/shops',
  table: 'shop',
  what: 'shop',
  duplicate: { message: 'a shop with this licence number exists', field: 'licenceNo' },
  fields: ShopFields,
  columns: {
    name: 'name',
    houseId: 'house_id',
    licenceNo: 'licence_no',
    businessStreet: 'business_street',
    operatorId: 'operator_id',
  },
  sort: { name: 'name', createdAt: 'created_at' },
  search: 'name',
};

const selectOf = (p: Place) =>
  `select id, org_unit_id as "orgUnitId", ${Object.entries(p.columns)
    .map(([k, c]) => (c === 'area' ? `area::float8 as "${k}"` : `${c} as "${k}"`))
    .join(', ')}, created_at as "createdAt", updated_at as "updatedAt" from ${p.table}`;

const view = (r: Record<string, unknown>) => ({
  ...r,
  createdAt: new Date(r.createdAt as string).toISOString(),
  updatedAt: new Date(r.updatedAt as string).toISOString(),
});

async function placeIn(ctx: UserContext, p: Place, id: string, permission: string) {
  const [row] = await ctx.tx.query<Record<string, unknown>>(`${selectOf(p)} where tenant_id = ? and id = ?`, [
    ctx.tx.tenantId,
    id,
  ]);
  await recordIn(ctx, p.what, row?.orgUnitId as string | undefined, READ, permission);
  return row!;
}

/** A shop's house and operator must be the tenant's and inside the caller's scope. */
async function checkRefs(ctx: UserContext, body: Record<string, unknown>) {
  for (const [field, table] of [
    ['houseId', 'house'],
    ['operatorId', 'resident'],
  ] as const) {
    const id = body[field];
    if (typeof id !== 'string') continue;
    const [ref] = await ctx.tx.query<{ unit: string }>(
      `select org_unit_id as unit from ${table} where tenant_id = ? and id = ?`,
      [ctx.tx.tenantId, id],
    );
    if (!ref) throw badInput(field, `no such ${table}`);
    await unitFor(ctx, ref.unit, table === 'house' ? READ : 'registry.resident.read', READ, field);
  }
}

function writeSql(p: Place, body: Record<string, unknown>) {
  const keys = Object.keys(p.columns).filter((k) => k in body);
  return { cols: keys.map((k) => p.columns[k]!), values: keys.map((k) => body[k] ?? null) };
}

async function save(tx: Tx, p: Place, sql: string, params: unknown[]) {
  try {
    await tx.query(`savepoint place_write`);
    const rows = await tx.query<Record<string, unknown>>(sql, params);
    await tx.query(`release savepoint place_write`);
    return rows[0]!;
  } catch (err) {
    await tx.query(`rollback to savepoint place_write`);
    if ((err as { code?: string }).code === '23505')
      throw conflict('duplicate', p.duplicate.message, p.duplicate.field);
    throw err;
  }
}

function placeRoutesFor(app: FastifyInstance, p: Place) {
  const { db } = app.deps;
  const tags = ['registry'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });
  const View = Type.Object({
    id: Type.String(),
    orgUnitId: Type.String(),
    ...(p.fields as Record<string, TObject>),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  });
  const optional = Object.fromEntries(
    Object.entries(p.fields).map(([k, v]) => [k, Type.Optional(v as TObject)]),
  );
  const required = Object.keys(p.fields).filter((k) => k === 'address' || k === 'use' || k === 'name');
  const CreateBody = Type.Object(
    { orgUnitId: Uuid, ...optional, ...Object.fromEntries(required.map((k) => [k, p.fields[k] as TObject])) },
    { additionalProperties: false },
  );
  const PatchBody = Type.Object(optional, { additionalProperties: false, minProperties: 1 });

  app.get(
    p.path,
    {
      config: perm(READ),
      schema: {
        tags,
        querystring: listQuery(Object.keys(p.sort), placeFilters(p)),
        response: { 200: Type.Array(View), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as PlaceFilter;
      const page = pageOf(req.query as never, Object.keys(p.sort)[0]!);
      const result = await inUserContext(db, req, READ, async (ctx) => {
        const { tx } = ctx;
        const { sql, params } = placeFilter(ctx, p, q, [READ]);
        const rows = await tx.query<Record<string, unknown>>(
          `${selectOf(p)} where ${sql} order by ${p.sort[page.sort]} ${page.order}, id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
        );
        return {
          rows: rows.map(view),
          ...(await countCapped(tx, `${p.table} where ${sql}`, params)),
        };
      });
      return sendList(reply, result);
    },
  );

  app.get(
    `${p.path}/:id`,
    { config: perm(READ), schema: { tags, params: IdParams, response: { 200: View, ...errorResponses } } },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, READ, async (ctx) => view(await placeIn(ctx, p, id, READ)));
    },
  );

  app.post(
    p.path,
    { config: perm(MANAGE), schema: { tags, body: CreateBody, response: { 201: View, ...errorResponses } } },
    async (req, reply) => {
      const body = req.body as Record<string, unknown> & { orgUnitId: string };
      const created = await inUserContext(db, req, MANAGE, async (ctx) => {
        await unitFor(ctx, body.orgUnitId, READ, MANAGE);
        await checkRefs(ctx, body);
        const { cols, values } = writeSql(p, body);
        const { id } = await save(
          ctx.tx,
          p,
          `insert into ${p.table} (tenant_id, org_unit_id, ${cols.join(', ')}) values (?, ?, ${cols.map(() => '?').join(', ')}) returning id`,
          [ctx.tx.tenantId, body.orgUnitId, ...values],
        );
        const row = await placeIn(ctx, p, id as string, READ);
        await ctx.audit({
          action: `registry.${p.what}.create`,
          targetType: p.what,
          targetId: id as string,
          orgUnitId: body.orgUnitId,
          after: row,
        });
        return view(row);
      });
      return reply.status(201).send(created);
    },
  );

  app.patch(
    `${p.path}/:id`,
    {
      config: perm(MANAGE),
      schema: { tags, params: IdParams, body: PatchBody, response: { 200: View, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const body = req.body as Record<string, unknown>;
      return inUserContext(db, req, MANAGE, async (ctx) => {
        const before = await placeIn(ctx, p, id, MANAGE);
        await checkRefs(ctx, body);
        const { cols, values } = writeSql(p, body);
        await save(
          ctx.tx,
          p,
          `update ${p.table} set ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = now() where tenant_id = ? and id = ? returning id`,
          [...values, ctx.tx.tenantId, id],
        );
        const after = await placeIn(ctx, p, id, READ);
        await ctx.audit({
          action: `registry.${p.what}.update`,
          targetType: p.what,
          targetId: id,
          orgUnitId: after.orgUnitId as string,
          before,
          after,
        });
        return view(after);
      });
    },
  );
}

export async function placeRoutes(app: FastifyInstance) {
  placeRoutesFor(app, HOUSE);
  placeRoutesFor(app, SHOP);
}
