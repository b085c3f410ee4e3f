import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { errorResponses, type UserContext, userContextOf } from '@civicgrid/http';
import { forbidden, type PluginDeps } from '@civicgrid/kernel';
import { writeWorkbook } from '@civicgrid/registry';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, type ScoringSettings } from '../../common/index.ts';
import { scoresOf, tenantToday } from '../score.ts';
import { Month, SUBJECT_JOINS, SUBJECT_NAME } from './shared.ts';
import { SUBJECT_FILTERS, SUBJECT_LIST_FROM, type SubjectFilter, subjectFilter } from './subjects.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PAGE = 1000;
/** Refine sends its list's paging and sort along; an export is the whole filtered list. */
const LIST_PAGING = {
  _start: Type.Optional(Type.Integer()),
  _end: Type.Optional(Type.Integer()),
  _sort: Type.Optional(Type.String()),
  _order: Type.Optional(Type.String()),
};

const KIND: Record<string, string> = { landlord: '房东', shop: '商铺' };
const FLAG: Record<string, string> = { yellow: '黄旗', red: '红旗' };
const LEVEL: Record<string, string> = { total: '合计', street: '街道', community: '社区', grid: '网格' };
const yes = (b: boolean) => (b ? '是' : '');

/**
 * Rows in the units where the caller holds both the list's read permission and the export one: the
 * condition for `unitColumn`, with its parameters.
 */
function exportScope(ctx: UserContext, read: string, unitColumn: string) {
  if (!ctx.access.holdsAnywhere(read)) throw forbidden(`exporting needs the permission ${read} too`);
  const a = ctx.access.where(read, ctx.tx.tenantId, unitColumn);
  const b = ctx.access.where(PERMISSIONS.dataExport, ctx.tx.tenantId, unitColumn);
  return { sql: `${a.sql} and ${b.sql}`, params: [...a.params, ...b.params] };
}

/**
 * Writes a workbook to a temporary file inside the request's transaction (so the row count is known
 * for the audit row), then answers it as a download: the stream is returned, sent once the wrapper's
 * transaction committed, and the folder goes when it has been sent (or the client went away).
 */
async function workbookDownload(
  reply: FastifyReply,
  name: string,
  fill: (wb: ReturnType<typeof writeWorkbook>) => Promise<number>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'civicgrid-ls-xlsx-'));
  const file = join(dir, name);
  try {
    const out = createWriteStream(file);
    const wb = writeWorkbook(out);
    const rows = await fill(wb);
    await wb.end();
    await finished(out);
    const stream = createReadStream(file);
    stream.on('close', () => void rm(dir, { recursive: true, force: true }));
    reply.header('content-type', XLSX);
    reply.header('content-disposition', `attachment; filename="${name}"`);
    reply.header('x-export-rows', String(rows));
    return { stream, rows };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

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
      const { stream, rows } = await workbookDownload(reply, 'landlord-scoring-subjects.xlsx', async (wb) => {
        const sheet = wb.sheet('房东商铺档案', SUBJECT_HEADERS);
        let after: [string, string] | null = null;
        let n = 0;
        for (;;) {
          // Keyset pages in name order: never more than one page in memory.
          const page: Array<{
            id: string;
            name: string;
            kind: string;
            unit: string;
            registeredOn: string;
            period: string | null;
            flag: string | null;
          }> = await ctx.tx.query(
            `select s.id, ${SUBJECT_NAME} as name, s.kind, u.name as unit,
                    to_char(s.registered_on, 'YYYY-MM-DD') as "registeredOn", la.period, la.flag
               from ${SUBJECT_LIST_FROM}
               join org_unit u on u.tenant_id = s.tenant_id and u.id = s.org_unit_id
              where ${[scope.sql, ...where].join(' and ')}
                ${after ? `and (${SUBJECT_NAME}, s.id) > (?, ?::uuid)` : ''}
              order by ${SUBJECT_NAME}, s.id limit ${PAGE}`,
            [...scope.params, ...params, ...(after ?? [])],
          );
          const scores = await scoresOf(
            ctx.tx,
            page.map((r) => r.id),
            `${year}-01-01`,
            `${year}-12-31`,
            settings,
          );
          for (const r of page) {
            const s = scores.get(r.id)!;
            sheet.add([
              r.name,
              KIND[r.kind] ?? r.kind,
              r.unit,
              r.registeredOn,
              s.score,
              s.deductions,
              s.bonuses,
              r.period ?? '',
              r.flag ? FLAG[r.flag]! : '',
            ]);
          }
          n += page.length;
          if (page.length < PAGE) return n;
          const last = page[page.length - 1]!;
          after = [last.name, last.id];
        }
      });
      await ctx
        .audit({
          action: 'landlord-scoring.subject.export',
          targetType: 'landlord-scoring.subject',
          after: { filter, rows },
        })
        .catch((err) => {
          stream.destroy(); // its folder goes with it
          throw err;
        });
      return stream;
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
          for (const [name, cond] of lists) {
            const sheet = wb.sheet(name, RESULT_HEADERS);
            let after: [number, string, string] | null = null;
            for (;;) {
              const page: Array<Record<string, unknown> & { score: number; subjectId: string }> =
                await ctx.tx.query(
                  `select a.subject_id as "subjectId", ${SUBJECT_NAME} as name, a.kind, u.name as unit, a.deductions,
                        a.bonuses, a.score, a.flag, a.improvement_class as ic, a.referral,
                        a.tenants_verified as tv, a.tenants_self_declared as tsd
                   from landlord_scoring_assessment a
                   join landlord_scoring_subject s on s.tenant_id = a.tenant_id and s.id = a.subject_id ${SUBJECT_JOINS}
                   join org_unit u on u.tenant_id = a.tenant_id and u.id = a.org_unit_id
                  where a.tenant_id = ? and a.period = ? and ${cond} and ${scope.sql}
                    ${after ? `and (a.score, ${SUBJECT_NAME}, a.subject_id) > (?, ?, ?::uuid)` : ''}
                  order by a.score, ${SUBJECT_NAME}, a.subject_id limit ${PAGE}`,
                  [t, period, ...scope.params, ...(after ?? [])],
                );
              for (const r of page)
                sheet.add([
                  r.name as string,
                  KIND[r.kind as string] ?? (r.kind as string),
                  r.unit as string,
                  r.deductions as number,
                  r.bonuses as number,
                  r.score,
                  r.flag ? FLAG[r.flag as string]! : '',
                  yes(r.ic as boolean),
                  yes(r.referral as boolean),
                  r.tv as number,
                  r.tsd as number,
                ]);
              n += page.length;
              if (page.length < PAGE) break;
              const last = page[page.length - 1]!;
              after = [last.score, last.name as string, last.subjectId];
            }
          }
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
      await ctx
        .audit({
          action: 'landlord-scoring.results.export',
          targetType: 'landlord-scoring.assessment',
          after: { period, rows },
        })
        .catch((err) => {
          stream.destroy();
          throw err;
        });
      return stream;
    },
  );
}
