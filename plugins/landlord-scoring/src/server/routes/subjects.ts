import {
  errorResponses,
  IdParams,
  listQuery,
  pageOf,
  sendList,
  type UserContext,
  Uuid,
  userContextOf,
} from '@civicgrid/http';
import { badInput, conflict, forbidden, notFound, type PluginDeps } from '@civicgrid/kernel';
import { getUnit, inSubtreeOf, tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, type ScoringSettings, type SubjectKind } from '../../common/index.ts';
import { scoresOf } from '../score.ts';
import { subjectFile } from './file.ts';
import {
  checkDate,
  IsoDate,
  iso,
  Kind,
  SUBJECT_JOINS,
  SUBJECT_NAME,
  scopedPage,
  visibleSubject,
} from './shared.ts';
import { FileView } from './views.ts';

const SubjectView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  personId: Type.Union([Type.String(), Type.Null()]),
  shopId: Type.Union([Type.String(), Type.Null()]),
  orgUnitId: Type.String(),
  registeredOn: Type.String(),
  score: Type.Integer(),
  /** the flag of the subject's latest assessment (null: none, or not assessed yet) */
  flag: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
const SubjectBody = Type.Object(
  {
    kind: Kind,
    personId: Type.Optional(Uuid),
    shopId: Type.Optional(Uuid),
    houseIds: Type.Optional(Type.Array(Uuid, { maxItems: 200, uniqueItems: true })),
    orgUnitId: Type.Optional(Uuid),
    registeredOn: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);
const DeclarationBody = Type.Object(
  {
    residenceId: Uuid,
    source: Type.Union([Type.Literal('landlord'), Type.Literal('visit')]),
    declaredOn: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);

interface SubjectInput {
  kind: SubjectKind;
  personId?: string;
  shopId?: string;
  houseIds?: string[];
  orgUnitId?: string;
  registeredOn?: string;
}

/** Who the subject is and where it is managed, from the registry: 400 naming the field otherwise. */
async function resolveSubject(ctx: UserContext, input: SubjectInput) {
  const { tx } = ctx;
  let personId: string | null = null;
  let shopId: string | null = null;
  let unitId = input.orgUnitId ?? null;
  if (input.kind === 'landlord') {
    if (!input.personId) throw badInput('personId', 'a landlord is a person of the registry');
    if (input.shopId) throw badInput('shopId', 'a landlord has no shop');
    const [p] = await tx.query<{ unit: string }>(
      'select org_unit_id as unit from resident where tenant_id = ? and id = ?',
      [tx.tenantId, input.personId],
    );
    if (!p) throw badInput('personId', 'no such person');
    personId = input.personId;
    // Managed where the first rental house is (the landlord may live elsewhere), else where she lives.
    if (!unitId && input.houseIds?.length) {
      const [h] = await tx.query<{ unit: string }>(
        'select org_unit_id as unit from house where tenant_id = ? and id = ?',
        [tx.tenantId, input.houseIds[0]],
      );
      unitId = h?.unit ?? null;
    }
    unitId ??= p.unit;
  } else {
    if (!input.shopId) throw badInput('shopId', 'a shop subject is a shop of the registry');
    if (input.houseIds?.length) throw badInput('houseIds', 'only landlords have rental houses');
    const [s] = await tx.query<{ unit: string; operator: string | null }>(
      'select org_unit_id as unit, operator_id as operator from shop where tenant_id = ? and id = ?',
      [tx.tenantId, input.shopId],
    );
    if (!s) throw badInput('shopId', 'no such shop');
    shopId = input.shopId;
    personId = s.operator;
    unitId ??= s.unit;
  }
  const unit = await getUnit(tx, unitId);
  if (!unit || !ctx.access.can(PERMISSIONS.subjectRead, unit.ancestorIds))
    throw badInput('orgUnitId', 'no such org unit');
  if (!ctx.access.can(PERMISSIONS.subjectManage, unit.ancestorIds))
    throw forbidden('you may register landlords and shops only inside your own scope');
  for (const [i, h] of (input.houseIds ?? []).entries()) {
    const [house] = await tx.query<{ use: string }>('select use from house where tenant_id = ? and id = ?', [
      tx.tenantId,
      h,
    ]);
    if (!house) throw badInput(`houseIds.${i}`, 'no such house');
    if (house.use !== 'rented') throw badInput(`houseIds.${i}`, 'the registry does not list it as rented');
  }
  return { personId, shopId, unit };
}

/** The subjects list's filters: the list and its export take the same. */
export const SUBJECT_FILTERS = {
  kind: Type.Optional(Kind),
  orgUnitId: Type.Optional(Uuid),
  /** the unit or any unit below it (a grid's subjects are managed on its buildings and compounds) */
  under: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  flag: Type.Optional(Type.Union([Type.Literal('yellow'), Type.Literal('red')])),
};
export interface SubjectFilter {
  kind?: SubjectKind;
  orgUnitId?: string;
  q?: string;
  flag?: string;
  under?: string;
}

/**
 * The filters as conditions on `s` (the subject), `la` (its latest assessment, SUBJECT_LIST_FROM) and
 * the name columns; the caller adds her scope.
 */
export function subjectFilter(ctx: UserContext, q: SubjectFilter) {
  const where = ['s.tenant_id = ?'];
  const params: unknown[] = [ctx.tx.tenantId];
  if (q.kind) where.push('s.kind = ?') && params.push(q.kind);
  if (q.orgUnitId) where.push('s.org_unit_id = ?') && params.push(q.orgUnitId);
  if (q.q) where.push(`${SUBJECT_NAME} like ?`) && params.push(`${q.q.replace(/[\\%_]/g, '\\$&')}%`);
  if (q.flag) where.push('la.flag = ?') && params.push(q.flag);
  if (q.under) {
    const t = ctx.tx.tenantId;
    where.push(
      `s.org_unit_id in (select id from org_unit u where u.tenant_id = ? and ${inSubtreeOf('u.path_key', 'tenant_id = ? and id = ?')})`,
    );
    params.push(t, t, q.under, t, q.under);
  }
  return { where, params };
}

/**
 * The month of the latest completed assessment run (once per statement: the tenant comes from the
 * transaction's setting, as row-level security's does). Every run assesses every subject registered by
 * its month's end and subjects are never deleted, so a subject's latest assessment is that month's, and
 * a month still being written shows no half of itself.
 */
export const LATEST_ASSESSED = `(select max(r.period) from landlord_scoring_assessment_run r
   where r.tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid) and r.state = 'completed')`;

/** The subjects with their names and latest assessment (`la`: flag, period; one primary-key probe each). */
export const SUBJECT_LIST_FROM = `landlord_scoring_subject s ${SUBJECT_JOINS}
  left join landlord_scoring_assessment la
    on la.tenant_id = s.tenant_id and la.period = ${LATEST_ASSESSED} and la.subject_id = s.id`;

export function subjectRoutes(app: FastifyInstance, deps: PluginDeps) {
  app.get(
    '/subjects',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectRead } },
      schema: {
        querystring: listQuery(['createdAt', 'name'], SUBJECT_FILTERS),
        response: { 200: Type.Array(SubjectView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const q = req.query as SubjectFilter;
      const page = pageOf(req.query as never, 'createdAt');
      const { where, params } = subjectFilter(ctx, q);
      const sort = (page.sort as string) === 'name' ? SUBJECT_NAME : 's.created_at';
      const result = await scopedPage<{ id: string; createdAt: Date; registeredOn: string; score?: number }>(
        ctx,
        PERMISSIONS.subjectRead,
        {
          columns: `s.id, s.kind, ${SUBJECT_NAME} as name, s.person_id as "personId", s.shop_id as "shopId",
            s.org_unit_id as "orgUnitId", to_char(s.registered_on, 'YYYY-MM-DD') as "registeredOn",
            la.flag, s.created_at as "createdAt"`,
          from: SUBJECT_LIST_FROM,
          unitColumn: 's.org_unit_id',
          where,
          params,
          orderBy: `${sort} ${page.order}, s.id`,
          page,
        },
      );
      const settings = await deps.settings<ScoringSettings>(ctx.tx);
      const today = await tenantToday(ctx.tx);
      const scores = await scoresOf(
        ctx.tx,
        result.rows.map((r) => r.id),
        `${today.slice(0, 4)}-01-01`,
        `${today.slice(0, 4)}-12-31`,
        settings,
      );
      const rows = result.rows.map((r) => ({
        ...r,
        createdAt: iso(r.createdAt)!,
        score: scores.get(r.id)!.score,
      }));
      return sendList(reply, { ...result, rows });
    },
  );

  app.post(
    '/subjects',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectManage } },
      schema: { body: SubjectBody, response: { 201: Type.Object({ id: Type.String() }), ...errorResponses } },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const input = req.body as SubjectInput;
      checkDate('registeredOn', input.registeredOn);
      const today = await tenantToday(ctx.tx);
      if (input.registeredOn && input.registeredOn > today)
        throw badInput('registeredOn', 'must not be in the future');
      const { personId, shopId, unit } = await resolveSubject(ctx, input);
      const [dup] = await ctx.tx.query(
        `select 1 from landlord_scoring_subject where tenant_id = ? and kind = ?
            and (case when kind = 'landlord' then person_id = ? else shop_id = ? end)`,
        [ctx.tx.tenantId, input.kind, personId, shopId],
      );
      if (dup)
        throw conflict(
          'duplicate',
          `this ${input.kind} has a file already`,
          input.kind === 'shop' ? 'shopId' : 'personId',
        );
      const registeredOn = input.registeredOn ?? today;
      const [row] = await ctx.tx.query<{ id: string }>(
        `insert into landlord_scoring_subject (tenant_id, kind, person_id, shop_id, org_unit_id, registered_on, registered_by)
         values (?, ?, ?, ?, ?, ?::date, ?) returning id`,
        [ctx.tx.tenantId, input.kind, personId, shopId, unit.id, registeredOn, ctx.user.id],
      );
      if (input.houseIds?.length)
        await ctx.tx.query(
          `insert into landlord_scoring_subject_house (tenant_id, subject_id, house_id, since)
           select ?, ?, unnest(?::uuid[]), ?::date`,
          [ctx.tx.tenantId, row!.id, input.houseIds, registeredOn],
        );
      await ctx.audit({
        action: 'landlord-scoring.subject.create',
        targetType: 'landlord-scoring.subject',
        targetId: row!.id,
        orgUnitId: unit.id,
        after: { kind: input.kind, personId, shopId, houses: input.houseIds?.length ?? 0 },
      });
      reply.code(201);
      return { id: row!.id };
    },
  );

  app.get(
    '/subjects/:id',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectRead } },
      schema: {
        params: IdParams,
        querystring: Type.Object(
          { year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })) },
          { additionalProperties: false },
        ),
        response: { 200: FileView, ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const subject = await visibleSubject(ctx, (req.params as { id: string }).id);
      if (!subject) throw notFound('subject');
      const settings = await deps.settings<ScoringSettings>(ctx.tx);
      return subjectFile(ctx, subject, settings, (req.query as { year?: number }).year);
    },
  );

  app.post(
    '/declarations',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectManage } },
      schema: {
        body: DeclarationBody,
        response: { 201: Type.Object({ residenceId: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const input = req.body as { residenceId: string; source: 'landlord' | 'visit'; declaredOn?: string };
      checkDate('declaredOn', input.declaredOn);
      const today = await tenantToday(ctx.tx);
      const declaredOn = input.declaredOn ?? today;
      if (declaredOn > today) throw badInput('declaredOn', 'must not be in the future');
      // The residence must be in a house a landlord with a file lets, in the caller's scope.
      const [r] = await ctx.tx.query<{ unit: string; house: string }>(
        `select s.org_unit_id as unit, rs.house_id as house from residence rs
           join landlord_scoring_subject_house h on h.tenant_id = rs.tenant_id and h.house_id = rs.house_id
           join landlord_scoring_subject s on s.tenant_id = h.tenant_id and s.id = h.subject_id
          where rs.tenant_id = ? and rs.id = ? limit 1`,
        [ctx.tx.tenantId, input.residenceId],
      );
      const unit = r ? await getUnit(ctx.tx, r.unit) : null;
      if (!unit || !ctx.access.can(PERMISSIONS.subjectManage, unit.ancestorIds))
        throw badInput('residenceId', 'no such residence in a rental house of a landlord you manage');
      const added = await ctx.tx.query(
        `insert into landlord_scoring_declaration (tenant_id, residence_id, house_id, source, declared_on, recorded_by)
         values (?, ?, ?, ?, ?::date, ?) on conflict do nothing returning 1`,
        [ctx.tx.tenantId, input.residenceId, r!.house, input.source, declaredOn, ctx.user.id],
      );
      if (!added.length) throw conflict('duplicate', 'this tenant is declared already', 'residenceId');
      reply.code(201);
      return { residenceId: input.residenceId };
    },
  );
}
