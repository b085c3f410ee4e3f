import { errorResponses, userContextOf } from '@civicgrid/http';
import { forbidden, notFound } from '@civicgrid/kernel';
import { tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, type SubjectKind } from '../../common/index.ts';
import { type CategoryInput, versionOn, versionTree, writeVersion } from '../catalogue.ts';
import { checkDate, IsoDate, Kind, Line } from './shared.ts';
import { CatalogueView, VersionView } from './views.ts';

const KindParams = Type.Object({ kind: Kind }, { additionalProperties: false });
const Code = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' });
const VersionBody = Type.Object(
  {
    effectiveFrom: IsoDate,
    note: Type.Optional(Type.String({ maxLength: 500 })),
    categories: Type.Array(
      Type.Object(
        {
          code: Code,
          titleZh: Line(100),
          titleEn: Line(100),
          items: Type.Array(
            Type.Object(
              {
                code: Code,
                titleZh: Line(200),
                titleEn: Line(200),
                effect: Type.Union([Type.Literal('deduction'), Type.Literal('bonus')]),
                points: Type.Integer({ minimum: 1, maximum: 12 }),
                monthlyCap: Type.Optional(
                  Type.Union([Type.Integer({ minimum: 1, maximum: 12 }), Type.Null()]),
                ),
              },
              { additionalProperties: false },
            ),
            { maxItems: 100 },
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 30 },
    ),
  },
  { additionalProperties: false },
);

export function ruleRoutes(app: FastifyInstance) {
  app.get(
    '/rules/:kind',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.ruleRead } },
      schema: {
        params: KindParams,
        querystring: Type.Object({ on: Type.Optional(IsoDate) }, { additionalProperties: false }),
        response: { 200: CatalogueView, ...errorResponses },
      },
    },
    async (req) => {
      const { tx } = userContextOf(req);
      const { kind } = req.params as { kind: SubjectKind };
      checkDate('on', (req.query as { on?: string }).on);
      const on = (req.query as { on?: string }).on ?? (await tenantToday(tx));
      const v = await versionOn(tx, kind, on);
      if (!v) throw notFound('rule version');
      return { ...v, kind, categories: await versionTree(tx, v.id) };
    },
  );

  app.get(
    '/rules/:kind/versions',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.ruleRead } },
      schema: { params: KindParams, response: { 200: Type.Array(VersionView), ...errorResponses } },
    },
    async (req) => {
      const { tx } = userContextOf(req);
      return tx.query(
        `select id, to_char(effective_from, 'YYYY-MM-DD') as "effectiveFrom", note, created_by as "createdBy"
           from landlord_scoring_rule_version where tenant_id = ? and kind = ? order by effective_from desc`,
        [tx.tenantId, (req.params as { kind: string }).kind],
      );
    },
  );

  app.post(
    '/rules/:kind/versions',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.ruleManage } },
      schema: {
        params: KindParams,
        body: VersionBody,
        response: { 201: Type.Object({ id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      // The catalogue is the whole city's: only a city-wide grant may change it.
      if (ctx.access.scope(PERMISSIONS.ruleManage) !== 'all')
        throw forbidden('the rule catalogue is changed city-wide only');
      const { kind } = req.params as { kind: SubjectKind };
      const body = req.body as { effectiveFrom: string; note?: string; categories: CategoryInput[] };
      checkDate('effectiveFrom', body.effectiveFrom);
      const id = await writeVersion(ctx.tx, kind, body.effectiveFrom, body.categories, {
        note: body.note ?? null,
        userId: ctx.user.id,
      });
      await ctx.audit({
        action: 'landlord-scoring.rule.version',
        targetType: 'landlord-scoring.rule-version',
        targetId: id,
        after: {
          kind,
          effectiveFrom: body.effectiveFrom,
          items: body.categories.flatMap((c) => c.items).length,
        },
      });
      reply.code(201);
      return { id };
    },
  );
}
