import { PassThrough } from 'node:stream';
import { errorResponses, userContextOf } from '@civicgrid/http';
import { forbidden, notFound } from '@civicgrid/kernel';
import { writeSheet } from '@civicgrid/registry';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import type { ReportRow } from '../reports.ts';
import { MetricsParams, type MetricsQuery, unitMetrics } from './metrics.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const pct = (r: unknown) => (r == null ? '' : Math.round(Number(r) * 1000) / 10);
const KIND_TEXT: Record<string, string> = { street: '街道', community: '社区' };

const UNIT_HEADERS = [
  '单位',
  '层级',
  '上级',
  '事件数',
  '按时响应',
  '响应率(%)',
  '按时办结',
  '按时办结率(%)',
  '回访数',
  '满意数',
  '满意率(%)',
  '平均受理(分钟)',
  '平均办理(分钟)',
  '升级次数',
  '督办卡',
] as const;

const unitCells = (r: Omit<ReportRow, 'ancestors' | 'parentName'> & { parentName?: string | null }) => [
  r.name,
  KIND_TEXT[r.kind] ?? r.kind,
  r.parentName ?? '',
  r.reported,
  r.respondedOnTime,
  pct(r.responseRate),
  r.resolvedOnTime,
  pct(r.onTimeResolutionRate),
  r.followedUp,
  r.satisfied,
  pct(r.satisfactionRate),
  r.avgAcceptMinutes ?? '',
  r.avgResolveMinutes ?? '',
  r.escalations,
  r.cards,
];

/** A small workbook in memory (a report is a few hundred lines), sent once the transaction committed. */
async function workbook(sheet: string, headers: readonly string[], rows: unknown[][]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    out.on('end', resolve);
    out.on('error', reject);
  });
  const w = writeSheet(out, sheet, headers);
  for (const r of rows) w.add(r as never);
  await w.end();
  await done;
  return Buffer.concat(chunks);
}

function sendXlsx(reply: FastifyReply, name: string, body: Buffer) {
  reply.header('content-type', XLSX);
  reply.header(
    'content-disposition',
    `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  );
  return body;
}

const ReportView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  period: Type.String(),
  periodStart: Type.String(),
  periodEnd: Type.String(),
  generatedAt: Type.String(),
  units: Type.Integer(),
});

/**
 * The stored three-rate reports (`GET /reports`, newest period first) and each as xlsx
 * (`GET /reports/:id.xlsx`: only the streets and communities inside the reader's
 * `events.metrics.read` scope; audited). `GET /metrics.xlsx` exports what `GET /metrics` answers.
 */
export function reportRoutes(app: FastifyInstance) {
  const perm = { access: { kind: 'permission' as const, permission: PERMISSIONS.metrics } };

  app.get(
    '/reports',
    {
      config: perm,
      schema: {
        querystring: Type.Object(
          { kind: Type.Optional(Type.Union([Type.Literal('month'), Type.Literal('quarter')])) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(ReportView), ...errorResponses },
      },
    },
    async (req) => {
      const { tx } = userContextOf(req);
      const { kind } = req.query as { kind?: string };
      const rows = await tx.query<Record<string, Date | string | number>>(
        `select id, kind, period, period_start as "periodStart", period_end as "periodEnd",
                generated_at as "generatedAt", jsonb_array_length(rows)::int as units
           from events_report where tenant_id = ?${kind ? ' and kind = ?' : ''}
          order by period_start desc, kind limit 200`,
        [tx.tenantId, ...(kind ? [kind] : [])],
      );
      const iso = (d: unknown) => new Date(d as string).toISOString();
      return rows.map((r) => ({
        ...r,
        periodStart: iso(r.periodStart),
        periodEnd: iso(r.periodEnd),
        generatedAt: iso(r.generatedAt),
      }));
    },
  );

  app.get(
    '/reports/:id.xlsx',
    {
      config: perm,
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const { id } = req.params as { id: string };
      const [r] = await ctx.tx.query<{ kind: string; period: string; rows: ReportRow[] }>(
        `select kind, period, rows from events_report where tenant_id = ? and id = ?`,
        [ctx.tx.tenantId, id],
      );
      if (!r) throw notFound('report');
      const mine = r.rows.filter((u) => ctx.access.can(PERMISSIONS.metrics, u.ancestors));
      if (!mine.length) throw forbidden('no street or community of this report is inside your scope');
      await ctx.audit({
        action: 'events.report.download',
        targetType: 'events.report',
        targetId: id,
        after: { kind: r.kind, period: r.period, units: mine.length },
      });
      const body = await workbook(`三率${r.period}`, UNIT_HEADERS, mine.map(unitCells));
      return sendXlsx(reply, `三率报表-${r.period}.xlsx`, body);
    },
  );

  app.get(
    '/metrics.xlsx',
    { config: perm, schema: { querystring: MetricsParams, response: errorResponses } },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const q = req.query as MetricsQuery;
      const m = await unitMetrics(ctx.tx, ctx.access, q);
      const rows: unknown[][] = m.units.map((u) => unitCells(u as unknown as ReportRow));
      if (m.departments.length) {
        rows.push([], ['部门', '吹哨数', '按时报到', '逾期', '已回复']);
        for (const d of m.departments) rows.push([d.name, d.whistles, d.reportedOnTime, d.late, d.replied]);
      }
      await ctx.audit({
        action: 'events.metrics.export',
        targetType: 'events.metrics',
        orgUnitId: q.orgUnitId,
        after: { from: q.from, to: q.to, units: m.units.length },
      });
      const day = (s: string) => s.slice(0, 10);
      return sendXlsx(
        reply,
        `三率-${day(q.from)}-${day(q.to)}.xlsx`,
        await workbook('三率', UNIT_HEADERS, rows),
      );
    },
  );
}
