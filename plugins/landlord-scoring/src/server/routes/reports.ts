import { orgScopeSql } from '@civicgrid/authz';
import { errorResponses, listQuery, pageOf, sendList, userContextOf } from '@civicgrid/http';
import { badInput, forbidden, type PluginDeps } from '@civicgrid/kernel';
import { tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { checkDate, IsoDate, Kind, Month, SUBJECT_JOINS, SUBJECT_NAME, scopedPage } from './shared.ts';
import { RateView } from './views.ts';

const Flag = Type.Union([Type.Literal('yellow'), Type.Literal('red')]);
const Level = Type.Union([Type.Literal('street'), Type.Literal('community'), Type.Literal('grid')]);

const AssessmentView = Type.Object({
  period: Type.String(),
  subjectId: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  orgUnitId: Type.String(),
  deductions: Type.Integer(),
  bonuses: Type.Integer(),
  score: Type.Integer(),
  flag: Type.Union([Type.String(), Type.Null()]),
  improvementClass: Type.Boolean(),
  referral: Type.Boolean(),
  tenantsVerified: Type.Integer(),
  tenantsSelfDeclared: Type.Integer(),
});
const ReportView = Type.Object({
  period: Type.String(),
  orgUnitId: Type.String(),
  name: Type.String(),
  level: Type.String(),
  landlords: Type.Integer(),
  yellowLandlords: Type.Integer(),
  improvementClass: Type.Integer(),
  referrals: Type.Integer(),
  shops: Type.Integer(),
  yellowShops: Type.Integer(),
  redShops: Type.Integer(),
  tenantsVerified: Type.Integer(),
  tenantsSelfDeclared: Type.Integer(),
  /** landlord-declared ÷ verified tenants; null when none were verified */
  selfDeclarationRate: Type.Union([Type.Number(), Type.Null()]),
});

const rate = (self: number, verified: number) =>
  verified ? Math.round((self / verified) * 10_000) / 10_000 : null;

export function reportRoutes(app: FastifyInstance, deps: PluginDeps) {
  // The month's results, one row per subject: filtered by flag, these are the flag lists.
  app.get(
    '/assessments',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.assessmentRead } },
      schema: {
        querystring: listQuery(['score', 'name'], {
          period: Month,
          flag: Type.Optional(Flag),
          kind: Type.Optional(Kind),
          improvementClass: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Array(AssessmentView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const q = req.query as { period: string; flag?: string; kind?: string; improvementClass?: boolean };
      const page = pageOf(req.query as never, 'score');
      const where = ['a.tenant_id = ?', 'a.period = ?'];
      const params: unknown[] = [ctx.tx.tenantId, q.period];
      if (q.flag) where.push('a.flag = ?') && params.push(q.flag);
      if (q.kind) where.push('a.kind = ?') && params.push(q.kind);
      if (q.improvementClass !== undefined)
        where.push('a.improvement_class = ?') && params.push(q.improvementClass);
      const result = await scopedPage(ctx, PERMISSIONS.assessmentRead, {
        columns: `a.period, a.subject_id as "subjectId", ${SUBJECT_NAME} as name, a.kind, a.org_unit_id as "orgUnitId",
          a.deductions, a.bonuses, a.score, a.flag, a.improvement_class as "improvementClass", a.referral,
          a.tenants_verified as "tenantsVerified", a.tenants_self_declared as "tenantsSelfDeclared"`,
        from: `landlord_scoring_assessment a
          join landlord_scoring_subject s on s.tenant_id = a.tenant_id and s.id = a.subject_id ${SUBJECT_JOINS}`,
        unitColumn: 'a.org_unit_id',
        where,
        params,
        orderBy: `${(page.sort as string) === 'name' ? SUBJECT_NAME : 'a.score'} ${page.order}, a.subject_id`,
        page,
      });
      return sendList(reply, result);
    },
  );

  // The monthly report: counts per street, community and grid (and the city's total row).
  app.get(
    '/reports',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.assessmentRead } },
      schema: {
        querystring: listQuery(['name'], {
          period: Month,
          level: Type.Optional(Type.Union([Level, Type.Literal('total')])),
        }),
        response: { 200: Type.Array(ReportView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const q = req.query as { period: string; level?: string };
      const page = pageOf(req.query as never, 'name');
      const result = await scopedPage<{ tenantsVerified: number; tenantsSelfDeclared: number }>(
        ctx,
        PERMISSIONS.assessmentRead,
        {
          columns: `r.period, r.org_unit_id as "orgUnitId", u.name, r.level, r.landlords,
            r.yellow_landlords as "yellowLandlords", r.improvement_class as "improvementClass", r.referrals,
            r.shops, r.yellow_shops as "yellowShops", r.red_shops as "redShops",
            r.tenants_verified as "tenantsVerified", r.tenants_self_declared as "tenantsSelfDeclared"`,
          from: `landlord_scoring_report r join org_unit u on u.tenant_id = r.tenant_id and u.id = r.org_unit_id`,
          unitColumn: 'r.org_unit_id',
          where: ['r.tenant_id = ?', 'r.period = ?', ...(q.level ? ['r.level = ?'] : [])],
          params: [ctx.tx.tenantId, q.period, ...(q.level ? [q.level] : [])],
          orderBy: `u.name ${page.order}, r.org_unit_id`,
          page,
        },
      );
      const rows = result.rows.map((r) => ({
        ...r,
        selfDeclarationRate: rate(r.tenantsSelfDeclared, r.tenantsVerified),
      }));
      return sendList(reply, { ...result, rows });
    },
  );

  // The self-declaration rate now (or on a date), live from the declarations and registry residences.
  app.get(
    '/declaration-rates',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.assessmentRead } },
      schema: {
        querystring: Type.Object(
          { level: Level, on: Type.Optional(IsoDate) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(RateView), ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { level, on: given } = req.query as { level: string; on?: string };
      checkDate('on', given);
      const on = given ?? (await tenantToday(ctx.tx));
      const t = ctx.tx.tenantId;
      const scope = orgScopeSql(ctx.access.scope(PERMISSIONS.assessmentRead), t, 'a.id');
      const rows = await ctx.tx.query<{
        orgUnitId: string;
        name: string;
        verified: number;
        selfDeclared: number;
      }>(
        `with tenants as (
           select rs.org_unit_id, d.source from landlord_scoring_declaration d
             join residence rs on rs.tenant_id = d.tenant_id and rs.id = d.residence_id
            where d.tenant_id = ? and d.declared_on <= ?::date and rs.moved_in <= ?::date
              and (rs.moved_out is null or rs.moved_out > ?::date)
              and exists (select 1 from landlord_scoring_subject_house h where h.tenant_id = rs.tenant_id
                    and h.house_id = rs.house_id and h.since <= ?::date and (h.until is null or h.until > ?::date))),
         per_unit as (
           select org_unit_id, count(*) as verified, count(*) filter (where source = 'landlord') as self
             from tenants group by org_unit_id)
         select a.id as "orgUnitId", a.name, sum(p.verified)::int as verified, sum(p.self)::int as "selfDeclared"
           from per_unit p join org_unit u on u.tenant_id = ? and u.id = p.org_unit_id
           cross join lateral unnest(string_to_array(u.path::text, '.')) as l(label)
           join org_unit a on a.tenant_id = ? and a.id = l.label::uuid
          where a.kind = ? and ${scope.sql}
          group by a.id, a.name order by a.name, a.id`,
        [t, on, on, on, on, on, t, t, level, ...scope.params],
      );
      return rows.map((r) => ({ ...r, on, selfDeclarationRate: rate(r.selfDeclared, r.verified) }));
    },
  );

  // Runs (or re-runs) a month's assessment now; the scheduled run does the same on the 1st.
  app.post(
    '/assessments/run',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.assessmentRun } },
      schema: {
        body: Type.Object({ period: Month }, { additionalProperties: false }),
        response: { 202: Type.Object({ jobId: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      if (ctx.access.scope(PERMISSIONS.assessmentRun) !== 'all')
        throw forbidden('the assessment covers the whole city: it needs a city-wide grant');
      const { period } = req.body as { period: string };
      if (period >= (await tenantToday(ctx.tx)).slice(0, 7))
        throw badInput('period', 'only a month that has ended can be assessed');
      const jobId = await deps.jobs.enqueue('landlord-scoring', 'assess', {
        tenantId: ctx.tx.tenantId!,
        period,
      });
      reply.code(202);
      return { jobId };
    },
  );
}
