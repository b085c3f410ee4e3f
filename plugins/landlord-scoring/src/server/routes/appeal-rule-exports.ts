import { errorResponses, userContextOf } from '@civicgrid/http';
import { forbidden, notFound } from '@civicgrid/kernel';
import { addPaged } from '@civicgrid/registry';
import { TENANT_ZONE_SQL, tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, type SubjectKind } from '../../common/index.ts';
import { versionOn, versionTree } from '../catalogue.ts';
import { checkDate, IsoDate, Kind, SUBJECT_JOINS, SUBJECT_NAME } from './shared.ts';
import { audited, exportScope, KIND, LIST_PAGING, workbookDownload } from './xlsx.ts';

interface AppealRow {
  id: string;
  at: Date;
  filed: string;
  name: string;
  kind: string;
  unit: string;
  item: string;
  effect: string;
  points: number;
  occurredOn: string;
  reason: string;
  state: string;
  note: string | null;
  decided: string | null;
}

const STATE: Record<string, string> = { pending: '待复核', upheld: '成立（记录作废）', rejected: '驳回' };
const EFFECT: Record<string, string> = { deduction: '扣分', bonus: '加分' };
const APPEAL_HEADERS = [
  '提交时间',
  '名称',
  '类型',
  '所属单元',
  '扣分加分项',
  '分值',
  '发生日期',
  '申诉理由',
  '状态',
  '复核意见',
  '复核时间',
];
const RULE_HEADERS = ['类别', '类别（英文）', '代码', '名称', '名称（英文）', '类型', '分值', '每月上限'];
const State = Type.Union([Type.Literal('pending'), Type.Literal('upheld'), Type.Literal('rejected')]);
/** Times in the sheet as the tenant reads them. */
const localTime = (col: string) => `to_char(${col} at time zone ${TENANT_ZONE_SQL}, 'YYYY-MM-DD HH24:MI')`;

/**
 * The appeals queue and the rule catalogue as xlsx, like the subjects and results (`exports.ts`): the
 * appeals inside the caller's scope (`subject.read` ∩ `data.export`, with the queue's state filter),
 * the catalogue of a kind in force on a date (`rule.read` and `data.export`: rules are the city's).
 * Each export leaves one audit row.
 */
export function appealRuleExportRoutes(app: FastifyInstance) {
  app.get(
    '/appeals/export.xlsx',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.dataExport } },
      schema: {
        querystring: Type.Object(
          { state: Type.Optional(State), ...LIST_PAGING },
          { additionalProperties: false },
        ),
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const { state } = req.query as { state?: string };
      const scope = exportScope(ctx, PERMISSIONS.subjectRead, 's.org_unit_id');
      const { stream, rows } = await workbookDownload(reply, 'landlord-scoring-appeals.xlsx', (wb) =>
        addPaged<AppealRow>(ctx.tx, wb.sheet('申诉', APPEAL_HEADERS), {
          query: `select a.id, a.filed_at as at, ${localTime('a.filed_at')} as filed, ${SUBJECT_NAME} as name,
                    s.kind, u.name as unit, i.title_zh as item, r.effect, r.points,
                    to_char(r.occurred_on, 'YYYY-MM-DD') as "occurredOn", a.reason, a.state,
                    a.decision_note as note, ${localTime('a.decided_at')} as decided
               from landlord_scoring_appeal a
               join landlord_scoring_record r on r.tenant_id = a.tenant_id and r.id = a.record_id
               join landlord_scoring_item i on i.tenant_id = r.tenant_id and i.id = r.item_id
               join landlord_scoring_subject s on s.tenant_id = r.tenant_id and s.id = r.subject_id ${SUBJECT_JOINS}
               join org_unit u on u.tenant_id = s.tenant_id and u.id = s.org_unit_id
              where {where}`,
          where: {
            sql: `a.tenant_id = ? and ${scope.sql}${state ? ' and a.state = ?' : ''}`,
            params: [ctx.tx.tenantId, ...scope.params, ...(state ? [state] : [])],
          },
          order: 'a.filed_at, a.id',
          after: '(a.filed_at, a.id) > (?, ?::uuid)',
          keyOf: (r) => [r.at, r.id],
          cells: async (page) =>
            page.map((r) => [
              r.filed,
              r.name,
              KIND[r.kind] ?? r.kind,
              r.unit,
              r.item,
              `${r.effect === 'deduction' ? '−' : '+'}${r.points}`,
              r.occurredOn,
              r.reason,
              STATE[r.state] ?? r.state,
              r.note ?? '',
              r.decided ?? '',
            ]),
        }),
      );
      return audited(ctx, stream, {
        action: 'landlord-scoring.appeal.export',
        targetType: 'landlord-scoring.appeal',
        after: { filter: { state: state ?? null }, rows },
      });
    },
  );

  app.get(
    '/rules/:kind/export.xlsx',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.dataExport } },
      schema: {
        params: Type.Object({ kind: Kind }, { additionalProperties: false }),
        querystring: Type.Object({ on: Type.Optional(IsoDate) }, { additionalProperties: false }),
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      if (!ctx.access.holdsAnywhere(PERMISSIONS.ruleRead))
        throw forbidden(`exporting needs the permission ${PERMISSIONS.ruleRead} too`);
      const { kind } = req.params as { kind: SubjectKind };
      const { on: given } = req.query as { on?: string };
      checkDate('on', given);
      const on = given ?? (await tenantToday(ctx.tx));
      const v = await versionOn(ctx.tx, kind, on);
      if (!v) throw notFound('rule version');
      const tree = await versionTree(ctx.tx, v.id);
      const name = `landlord-scoring-rules-${kind}-${v.effectiveFrom}.xlsx`;
      const { stream, rows } = await workbookDownload(reply, name, async (wb) => {
        const sheet = wb.sheet(`${KIND[kind]}规则（${v.effectiveFrom} 起）`, RULE_HEADERS);
        let n = 0;
        for (const c of tree)
          for (const i of c.items) {
            sheet.add([
              c.titleZh,
              c.titleEn,
              i.code,
              i.titleZh,
              i.titleEn,
              EFFECT[i.effect] ?? i.effect,
              i.points,
              i.monthlyCap ?? '',
            ]);
            n++;
          }
        return n;
      });
      return audited(ctx, stream, {
        action: 'landlord-scoring.rule.export',
        targetType: 'landlord-scoring.rule-version',
        after: { kind, versionId: v.id, effectiveFrom: v.effectiveFrom, rows },
      });
    },
  );
}
