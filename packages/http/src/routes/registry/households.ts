import { countCapped } from '@civicgrid/db';
import { badInput, conflict } from '@civicgrid/kernel';
import { houseUnit } from '@civicgrid/registry';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, sendList, type UserContext } from '../../context.ts';
import { errorResponses, IdParams, listQuery, pageOf, Uuid } from '../../schemas.ts';
import { HOUSEHOLD_FILTERS, type HouseholdFilter, householdFilter } from './filters.ts';
import { residentFor } from './residents.ts';
import { recordIn } from './scope.ts';

const READ = 'registry.resident.read';
const MANAGE = 'registry.resident.manage';

const HouseholdView = Type.Object({
  id: Type.String(),
  orgUnitId: Type.String(),
  houseId: Type.Union([Type.String(), Type.Null()]),
  headId: Type.Union([Type.String(), Type.Null()]),
  members: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), head: Type.Boolean() })),
});

const HouseholdListRow = Type.Object({
  id: Type.String(),
  orgUnitId: Type.String(),
  houseId: Type.Union([Type.String(), Type.Null()]),
  headId: Type.Union([Type.String(), Type.Null()]),
  headName: Type.Union([Type.String(), Type.Null()]),
  memberCount: Type.Integer(),
  createdAt: Type.String(),
});

const SORT = { createdAt: 'hh.created_at' } as const;

async function householdView(ctx: UserContext, id: string, permission: string) {
  const [h] = await ctx.tx.query<{
    id: string;
    orgUnitId: string;
    houseId: string | null;
    headId: string | null;
  }>(
    `select id, org_unit_id as "orgUnitId", house_id as "houseId", head_id as "headId" from household
      where tenant_id = ? and id = ?`,
    [ctx.tx.tenantId, id],
  );
  await recordIn(ctx, 'household', h?.orgUnitId, READ, permission);
  const members = await ctx.tx.query<{ id: string; name: string; head: boolean }>(
    `select id, name, id = ? as head from resident where tenant_id = ? and household_id = ? order by id = ? desc, name`,
    [h!.headId, ctx.tx.tenantId, id, h!.headId],
  );
  return { ...h!, members };
}

/** Households (户): a head and members, on the head's unit (and house, when she has one). */
export async function householdRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  const tags = ['registry'];
  const perm = (permission: string) => ({ access: { kind: 'permission' as const, permission } });

  app.get(
    '/households',
    {
      config: perm(READ),
      schema: {
        tags,
        querystring: listQuery(Object.keys(SORT), HOUSEHOLD_FILTERS),
        response: { 200: Type.Array(HouseholdListRow), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as HouseholdFilter;
      const page = pageOf(req.query as never, 'createdAt' as keyof typeof SORT);
      const result = await inUserContext(db, req, READ, async (ctx) => {
        const { sql, params } = householdFilter(ctx, q, [READ]);
        const rows = await ctx.tx.query<Record<string, unknown>>(
          `select hh.id, hh.org_unit_id as "orgUnitId", hh.house_id as "houseId", hh.head_id as "headId",
             r.name as "headName", hh.created_at as "createdAt",
             (select count(*)::int from resident m where m.tenant_id = hh.tenant_id and m.household_id = hh.id)
               as "memberCount"
           from household hh left join resident r on r.tenant_id = hh.tenant_id and r.id = hh.head_id
           where ${sql} order by ${SORT[page.sort]} ${page.order}, hh.id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
        );
        return {
          rows: rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt as string).toISOString() })),
          ...(await countCapped(ctx.tx, `household hh where ${sql}`, params)),
        };
      });
      return sendList(reply, result);
    },
  );

  app.post(
    '/households',
    {
      config: perm(MANAGE),
      schema: {
        tags,
        body: Type.Object({ headId: Uuid }, { additionalProperties: false }),
        response: { 201: HouseholdView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { headId } = req.body as { headId: string };
      const created = await inUserContext(db, req, MANAGE, async (ctx) => {
        const head = await residentFor(ctx, headId, MANAGE).catch(() => {
          throw badInput('headId', 'no such resident');
        });
        if (head.householdId)
          throw conflict('in_household', 'this resident already belongs to a household', 'headId');
        const unit = head.houseId ? await houseUnit(ctx.tx, head.houseId) : head.orgUnitId;
        const [h] = await ctx.tx.query<{ id: string }>(
          `insert into household (tenant_id, org_unit_id, house_id, head_id) values (?, ?, ?, ?) returning id`,
          [ctx.tx.tenantId, unit, head.houseId, headId],
        );
        await ctx.tx.query(
          `update resident set household_id = ?, updated_at = now() where tenant_id = ? and id = ?`,
          [h!.id, ctx.tx.tenantId, headId],
        );
        await ctx.audit({
          action: 'registry.household.create',
          targetType: 'household',
          targetId: h!.id,
          orgUnitId: unit,
          after: { headId },
        });
        return householdView(ctx, h!.id, READ);
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/households/:id',
    {
      config: perm(READ),
      schema: { tags, params: IdParams, response: { 200: HouseholdView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, READ, (ctx) => householdView(ctx, id, READ));
    },
  );

  app.post(
    '/households/:id/members',
    {
      config: perm(MANAGE),
      schema: {
        tags,
        params: IdParams,
        body: Type.Object({ residentId: Uuid }, { additionalProperties: false }),
        response: { 200: HouseholdView, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const { residentId } = req.body as { residentId: string };
      return inUserContext(db, req, MANAGE, async (ctx) => {
        await householdView(ctx, id, MANAGE);
        const member = await residentFor(ctx, residentId, MANAGE).catch(() => {
          throw badInput('residentId', 'no such resident');
        });
        if (member.householdId && member.householdId !== id)
          throw conflict('in_household', 'this resident belongs to another household', 'residentId');
        await ctx.tx.query(
          `update resident set household_id = ?, updated_at = now() where tenant_id = ? and id = ?`,
          [id, ctx.tx.tenantId, residentId],
        );
        await ctx.audit({
          action: 'registry.household.join',
          targetType: 'household',
          targetId: id,
          after: { residentId },
        });
        return householdView(ctx, id, READ);
      });
    },
  );
}
