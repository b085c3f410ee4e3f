import { countCapped } from '@civicgrid/db';
import { badInput } from '@civicgrid/kernel';
import {
  CURRENT_RESIDENCE,
  getResident,
  houseUnit,
  moveIn,
  moveOut,
  needPii,
  RESIDENT_COLUMNS,
  type ResidentInput,
  type ResidentRow,
  registerResident,
  residences,
  revealField,
  updateResident,
} from '@civicgrid/registry';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, sendList, type UserContext } from '../../context.ts';
import { errorResponses, IdParams, listQuery, Name, Nullable, Phone, pageOf, Uuid } from '../../schemas.ts';
import { RESIDENT_FILTERS, type ResidentFilter, residentFilter } from './filters.ts';
import { recordIn, unitFor } from './scope.ts';

const READ = 'registry.resident.read';
const MANAGE = 'registry.resident.manage';
const PII = 'registry.pii.read';
const SENSITIVE = 'registry.sensitive-group.read';

const DateOnly = Type.String({ format: 'date' });
const Gender = Type.Union([Type.Literal('male'), Type.Literal('female')]);
const Registration = Type.Union([Type.Literal('local'), Type.Literal('floating'), Type.Literal('overseas')]);
const Initials = Type.String({ pattern: '^[a-z]{1,20}$' });

const ResidentView = Type.Object({
  id: Type.String(),
  orgUnitId: Type.String(),
  name: Type.String(),
  gender: Type.String(),
  birthDate: Type.String(),
  idType: Type.String(),
  idNumber: Type.String({ description: 'masked: 330782********1234' }),
  nationality: Nullable(Type.String()),
  phone: Nullable(Type.String({ description: 'masked: 138****5678' })),
  registration: Type.String(),
  householdId: Nullable(Type.String()),
  houseId: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const ResidentDetail = Type.Intersect([
  ResidentView,
  Type.Object({
    residences: Type.Array(
      Type.Object({
        id: Type.String(),
        houseId: Nullable(Type.String()),
        orgUnitId: Type.String(),
        movedIn: Type.String(),
        movedOut: Nullable(Type.String()),
      }),
    ),
    tags: Type.Array(
      Type.Object({ id: Type.String(), key: Type.String(), name: Type.String(), since: Type.String() }),
    ),
  }),
]);

/** Who a person is, as the registry registers her: also what a module sends to register a newcomer. */
export const PersonFields = {
  name: Name,
  nameInitials: Type.Optional(Nullable(Initials)),
  idType: Type.Union([Type.Literal('resident-id'), Type.Literal('passport')]),
  idNumber: Type.String({ minLength: 5, maxLength: 20 }),
  gender: Type.Optional(Gender),
  birthDate: Type.Optional(DateOnly),
  nationality: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{3}$' }))),
  phone: Type.Optional(Nullable(Phone)),
  registration: Registration,
};
const CreateBody = Type.Object(
  {
    houseId: Type.Optional(Nullable(Uuid)),
    orgUnitId: Type.Optional(Nullable(Uuid)),
    ...PersonFields,
    movedIn: Type.Optional(DateOnly),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    nameInitials: Type.Optional(Nullable(Initials)),
    phone: Type.Optional(Nullable(Phone)),
    registration: Type.Optional(Registration),
  },
  { additionalProperties: false, minProperties: 1 },
);
const MoveInBody = Type.Object(
  { houseId: Type.Optional(Uuid), orgUnitId: Type.Optional(Uuid), date: DateOnly },
  { additionalProperties: false, minProperties: 2 },
);
const MoveOutBody = Type.Object({ date: DateOnly }, { additionalProperties: false });
const RevealBody = Type.Object(
  { field: Type.Union([Type.Literal('idNumber'), Type.Literal('phone')]) },
  { additionalProperties: false },
);

const SORT = { name: 'r.name', createdAt: 'r.created_at', birthDate: 'r.birth_date' } as const;

/** Loads a resident the caller may act on with `permission`; outside her scope: 404. */
export async function residentFor(ctx: UserContext, id: string, permission: string): Promise<ResidentRow> {
  const r = await getResident(ctx.tx, id);
  await recordIn(ctx, 'resident', r?.orgUnitId, READ, permission);
  return r!;
}

/** Where a resident is placed: a house (its unit follows) or a unit, inside the caller's scope. */
async function placeFor(ctx: UserContext, to: { houseId?: string | null; orgUnitId?: string | null }) {
  if (to.houseId) {
    const unit = await houseUnit(ctx.tx, to.houseId);
    if (!unit) throw badInput('houseId', 'no such house');
    await unitFor(ctx, unit, 'registry.place.read', MANAGE, 'houseId');
    return { houseId: to.houseId, orgUnitId: unit };
  }
  if (!to.orgUnitId) throw badInput('houseId', 'give the house (or the org unit) the resident lives in');
  await unitFor(ctx, to.orgUnitId, READ, MANAGE);
  return { houseId: null, orgUnitId: to.orgUnitId };
}

/** The detail view: the masked resident, where she has lived, and the focus groups the caller may see. */
async function detailOf(ctx: UserContext, r: ResidentRow) {
  const tags = await ctx.tx.query<{ id: string; key: string; name: string; since: string }>(
    `select t.id, t.key, t.name, to_char(rt.since, 'YYYY-MM-DD') as since from resident_tag rt
       join focus_tag t on t.tenant_id = rt.tenant_id and t.id = rt.tag_id
      where rt.tenant_id = ? and rt.resident_id = ? and (? or not t.sensitive) order by t.key`,
    [ctx.tx.tenantId, r.id, ctx.access.holdsAnywhere(SENSITIVE)],
  );
  return { ...r, residences: await residences(ctx.tx, r.id), tags };
}

export async function residentRoutes(app: FastifyInstance) {
  const { db, pii } = app.deps;
  const tags = ['registry'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  app.get(
    '/residents',
    {
      config: perm(READ),
      schema: {
        tags,
        querystring: listQuery(Object.keys(SORT), RESIDENT_FILTERS),
        response: { 200: Type.Array(ResidentView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as ResidentFilter;
      const page = pageOf(req.query as never, 'name' as keyof typeof SORT);
      const result = await inUserContext(db, req, READ, async (ctx) => {
        const { tx } = ctx;
        const { sql, params } = await residentFilter(ctx, q, pii, [READ]);
        const from = `resident r ${CURRENT_RESIDENCE} where ${sql}`;
        const rows = await tx.query<ResidentRow>(
          `select ${RESIDENT_COLUMNS} from ${from} order by ${SORT[page.sort]} ${page.order}, r.id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
        );
        return { rows, ...(await countCapped(tx, from, params)) };
      });
      return sendList(reply, result);
    },
  );

  app.post(
    '/residents',
    {
      config: perm(MANAGE),
      schema: { tags, body: CreateBody, response: { 201: ResidentView, ...errorResponses } },
    },
    async (req, reply) => {
      const body = req.body as ResidentInput;
      const created = await inUserContext(db, req, MANAGE, async (ctx) => {
        const place = await placeFor(ctx, body);
        const input = { ...body, houseId: place.houseId };
        return registerResident(ctx.tx, needPii(pii), input, place.orgUnitId, (e) => ctx.audit(e));
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/residents/:id',
    {
      config: perm(READ),
      schema: { tags, params: IdParams, response: { 200: ResidentDetail, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, READ, async (ctx) => {
        return detailOf(ctx, await residentFor(ctx, id, READ));
      });
    },
  );

  app.patch(
    '/residents/:id',
    {
      config: perm(MANAGE),
      schema: { tags, params: IdParams, body: PatchBody, response: { 200: ResidentView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patch = req.body as Parameters<typeof updateResident>[3];
      return inUserContext(db, req, MANAGE, async (ctx) => {
        const before = await residentFor(ctx, id, MANAGE);
        await updateResident(ctx.tx, needPii(pii), id, patch);
        const after = (await getResident(ctx.tx, id))!;
        await ctx.audit({
          action: 'registry.resident.update',
          targetType: 'resident',
          targetId: id,
          orgUnitId: after.orgUnitId,
          before: { name: before.name, phone: before.phone, registration: before.registration },
          after: { name: after.name, phone: after.phone, registration: after.registration },
        });
        return after;
      });
    },
  );

  app.post(
    '/residents/:id/reveal',
    {
      config: perm(PII),
      schema: {
        tags,
        params: IdParams,
        body: RevealBody,
        response: {
          200: Type.Object({ field: Type.String(), value: Nullable(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const { field } = req.body as { field: 'idNumber' | 'phone' };
      return inUserContext(db, req, PII, async (ctx) => {
        const r = await residentFor(ctx, id, PII);
        const value = await revealField(ctx.tx, needPii(pii), id, field === 'idNumber' ? 'id' : 'phone');
        // Who saw whose number, and when: the value itself never goes into the log.
        await ctx.audit({
          action: 'registry.pii.reveal',
          targetType: 'resident',
          targetId: id,
          orgUnitId: r.orgUnitId,
          after: { field },
        });
        return { field, value };
      });
    },
  );

  app.post(
    '/residents/:id/move-in',
    {
      config: perm(MANAGE),
      schema: {
        tags,
        params: IdParams,
        body: MoveInBody,
        response: { 200: ResidentDetail, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const body = req.body as { houseId?: string; orgUnitId?: string; date: string };
      return inUserContext(db, req, MANAGE, async (ctx) => {
        const before = await residentFor(ctx, id, MANAGE);
        const place = await placeFor(ctx, body);
        await moveIn(ctx.tx, id, place, body.date);
        await ctx.audit({
          action: 'registry.resident.move-in',
          targetType: 'resident',
          targetId: id,
          orgUnitId: place.orgUnitId,
          before: { orgUnitId: before.orgUnitId, houseId: before.houseId },
          after: { ...place, date: body.date },
        });
        return detailOf(ctx, (await getResident(ctx.tx, id))!);
      });
    },
  );

  app.post(
    '/residents/:id/move-out',
    {
      config: perm(MANAGE),
      schema: {
        tags,
        params: IdParams,
        body: MoveOutBody,
        response: { 200: ResidentDetail, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const { date } = req.body as { date: string };
      return inUserContext(db, req, MANAGE, async (ctx) => {
        const r = await residentFor(ctx, id, MANAGE);
        await moveOut(ctx.tx, id, date);
        await ctx.audit({
          action: 'registry.resident.move-out',
          targetType: 'resident',
          targetId: id,
          orgUnitId: r.orgUnitId,
          after: { date },
        });
        return detailOf(ctx, (await getResident(ctx.tx, id))!);
      });
    },
  );
}
