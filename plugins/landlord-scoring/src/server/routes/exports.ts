import { errorResponses, userContextOf } from '@civicgrid/http';
import type { PluginDeps } from '@civicgrid/kernel';
import { addPaged } from '@civicgrid/registry';
import { tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, type ScoringSettings } from '../../common/index.ts';
import { scoresOf } from '../score.ts';
import { Month, SUBJECT_JOINS, SUBJECT_NAME } from './shared.ts';
import { SUBJECT_FILTERS, SUBJECT_LIST_FROM, type SubjectFilter, subjectFilter } from './subjects.ts';
import { audited, exportScope, KIND, LIST_PAGING, workbookDownload } from './xlsx.ts';

interface SubjectRow {
  id: string;
  name: string;
  kind: string;
  unit: string;
  registeredOn: string;
  period: string | null;
  flag: string | null;
}
interface ResultRow {
  subjectId: string;
  name: string;
  kind: string;
  unit: string;
  deductions: number;
  bonuses: number;
  score: number;
  flag: string | null;
  ic: boolean;
  referral: boolean;
  tv: number;
  tsd: number;
}

const FLAG: Record<string, string> = { yellow: '黄旗', red: '红旗' };
const LEVEL: Record<string, string> = { total: '合计', street: '街道', community: '社区', grid: '网格' };
const yes = (b: boolean) => (b ? '是' : '');

const SUBJECT_HEADERS = [
  '名称',
  '类型',
  '所属单元',
  '建档日期',
  '本年分数',
  '本年扣分',
  '本年加分',
  '最新考评',
  '旗帜',
];
const RESULT_HEADERS = [
  '名称',
  '类型',
  '所属单元',
  '扣分',
  '加分',
  '分数',
  '旗帜',
  '转优学习班',
  '移交处理',
  '核查租客',
  '房东自主申报',
];
const REPORT_HEADERS = [
  '单元',
  '层级',
  '房东',
  '黄旗房东',
  '转优学习班',
  '移交',
  '商铺',
  '黄旗商铺',
  '红旗商铺',
  '核查租客',
  '房东自主申报',
  '自主申报率',
];

/**
 * The lists as xlsx, inside the caller's scope (read ∩ `data.export`): the subjects list with its own
 * filters and this year's scores, and a month's results — every assessed subject, the flag lists
 * (yellow, red, improvement class) and the per-unit counts with the self-declaration rate. Each export
 * leaves one audit row (filter and row count).
 */
export function exportRoutes(app: FastifyInstance, deps: PluginDeps) {
  app.get(
    '/subjects/export.xlsx',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.dataExport } },
      schema: {
        querystring: Type.Object({ ...SUBJECT_FILTERS, ...LIST_PAGING }, { additionalProperties: false }),
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const { _start, _end, _sort, _order, ...filter } = req.query as SubjectFilter & Record<string, unknown>;
      const scope = exportScope(ctx, PERMISSIONS.subjectRead, 's.org_unit_id');
      const { where, params } = subjectFilter(ctx, filter);
      const settings = await deps.settings<ScoringSettings>(ctx.tx);
      const year = (await tenantToday(ctx.tx)).slice(0, 4);
      const { stream, rows } = await workbookDownload(reply, 'landlord-scoring-subjects.xlsx', (wb) =>
        addPaged<SubjectRow>(ctx.tx, wb.sheet('房东商铺档案', SUBJECT_HEADERS), {
          query: `select s.id, ${SUBJECT_NAME} as name, s.kind, u.name as unit,
                    to_char(s.registered_on, 'YYYY-MM-DD') as "registeredOn", la.period, la.flag
               from ${SUBJECT_LIST_FROM}
               join org_unit u on u.tenant_id = s.tenant_id and u.id = s.org_unit_id
              where {where}`,
          where: { sql: [scope.sql, ...where].join(' and '), params: [...scope.params, ...params] },
          order: `${SUBJECT_NAME}, s.id`,
          after: `(${SUBJECT_NAME}, s.id) > (?, ?::uuid)`,
          keyOf: (r) => [r.name, r.id],
          // This year's scores, once per page.
          async cells(page) {
            const scores = await scoresOf(
              ctx.tx,
              page.map((r) => r.id),
              `${year}-01-01`,
              `${year}-12-31`,
              settings,
            );
            return page.map((r) => {
              const sc = scores.get(r.id)!;
              return [
                r.name,
                KIND[r.kind] ?? r.kind,
                r.unit,
                r.registeredOn,
                sc.score,
                sc.deductions,
                sc.bonuses,
                r.period ?? '',
                r.flag ? FLAG[r.flag]! : '',
              ];
            });
          },
        }),
      );
      return audited(ctx, stream, {
        action: 'landlord-scoring.subject.export',
        targetType: 'landlord-scoring.subject',
        after: { filter, rows },
      });
    },
  );

  app.get(
    '/results/export.xlsx',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.dataExport } },
      schema: {
        querystring: Type.Object({ period: Month }, { additionalProperties: false }),
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const { period } = req.query as { period: string };
      const t = ctx.tx.tenantId;
      const scope = exportScope(ctx, PERMISSIONS.assessmentRead, 'a.org_unit_id');
      const { stream, rows } = await workbookDownload(
        reply,
        `landlord-scoring-${period}.xlsx`,
        async (wb) => {
          let n = 0;
          // The month's rows, whole and as the flag lists; the month has one row per subject.
          const lists: Array<[string, string]> = [
            ['考评名单', 'true'],
            ['黄旗名单', `a.flag = 'yellow'`],
            ['红旗商铺', `a.flag = 'red'`],
            ['转优学习班', 'a.improvement_class'],
          ];
          for (const [name, cond] of lists)
            n += await addPaged<ResultRow>(ctx.tx, wb.sheet(name, RESULT_HEADERS), {
              query: `select a.subject_id as "subjectId", ${SUBJECT_NAME} as name, a.kind, u.name as unit,
                        a.deductions, a.bonuses, a.score, a.flag, a.improvement_class as ic, a.referral,
                        a.tenants_verified as tv, a.tenants_self_declared as tsd
                   from landlord_scoring_assessment a
                   join landlord_scoring_subject s on s.tenant_id = a.tenant_id and s.id = a.subject_id ${SUBJECT_JOINS}
                   join org_unit u on u.tenant_id = a.tenant_id and u.id = a.org_unit_id
                  where {where}`,
              where: {
                sql: `a.tenant_id = ? and a.period = ? and ${cond} and ${scope.sql}`,
                params: [t, period, ...scope.params],
              },
              order: `a.score, ${SUBJECT_NAME}, a.subject_id`,
              after: `(a.score, ${SUBJECT_NAME}, a.subject_id) > (?, ?, ?::uuid)`,
              keyOf: (r) => [r.score, r.name, r.subjectId],
              cells: async (page) =>
                page.map((r) => [
                  r.name,
                  KIND[r.kind] ?? r.kind,
                  r.unit,
                  r.deductions,
                  r.bonuses,
                  r.score,
                  r.flag ? FLAG[r.flag]! : '',
                  yes(r.ic),
                  yes(r.referral),
                  r.tv,
                  r.tsd,
                ]),
            });
          // The per-unit counts: few rows (one per street, community and grid in scope).
          const sheet = wb.sheet('各单元统计', REPORT_HEADERS);
          const reports = await ctx.tx.query<Record<string, number | string>>(
            `select u.name, a.level, a.landlords, a.yellow_landlords as yl, a.improvement_class as ic, a.referrals,
                  a.shops, a.yellow_shops as ys, a.red_shops as rs, a.tenants_verified as tv,
                  a.tenants_self_declared as tsd
             from landlord_scoring_report a join org_unit u on u.tenant_id = a.tenant_id and u.id = a.org_unit_id
            where a.tenant_id = ? and a.period = ? and ${scope.sql}
            order by array_position(array['total', 'street', 'community', 'grid'], a.level), u.name, a.org_unit_id`,
            [t, period, ...scope.params],
          );
          for (const r of reports) {
            const tv = r.tv as number;
            sheet.add([
              r.name as string,
              LEVEL[r.level as string] ?? (r.level as string),
              r.landlords as number,
              r.yl as number,
              r.ic as number,
              r.referrals as number,
              r.shops as number,
              r.ys as number,
              r.rs as number,
              tv,
              r.tsd as number,
              tv ? `${Math.round(((r.tsd as number) / tv) * 1000) / 10}%` : '',
            ]);
          }
          return n + reports.length;
        },
      );
      return audited(ctx, stream, {
        action: 'landlord-scoring.results.export',
        targetType: 'landlord-scoring.assessment',
        after: { period, rows },
      });
    },
  );
}
