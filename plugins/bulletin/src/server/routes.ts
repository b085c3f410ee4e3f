import { orgScopeSql } from '@civicgrid/authz';
import { countCapped } from '@civicgrid/db';
import { errorResponses, listQuery, pageOf, sendList, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, forbidden, type PluginDeps } from '@civicgrid/kernel';
import { getUnit } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { noticePosted, PERMISSIONS } from '../common/index.ts';

const NoticeView = Type.Object({
  id: Type.String(),
  orgUnitId: Type.String(),
  title: Type.String(),
  body: Type.String(),
  postedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
const NoticeBody = Type.Object(
  {
    orgUnitId: Uuid,
    title: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
    body: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
);
const TallyView = Type.Object({ period: Type.String(), orgUnitId: Type.String(), notices: Type.Integer() });

interface NoticeRow {
  id: string;
  orgUnitId: string;
  title: string;
  body: string;
  postedBy: string | null;
  createdAt: Date | string;
}
const view = (r: NoticeRow) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() });
const COLUMNS = `id, org_unit_id as "orgUnitId", title, body, posted_by as "postedBy", created_at as "createdAt"`;

export function bulletinRoutes(app: FastifyInstance, deps: PluginDeps) {
  app.get(
    '/notices',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.read } },
      schema: {
        querystring: listQuery(['createdAt'], { orgUnitId: Type.Optional(Uuid) }),
        response: { 200: Type.Array(NoticeView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { tx, access } = userContextOf(req);
      const q = req.query as { orgUnitId?: string };
      const page = pageOf(req.query as never, 'createdAt');
      const scope = orgScopeSql(access.scope(PERMISSIONS.read), tx.tenantId);
      const where = `tenant_id = ? and ${scope.sql}${q.orgUnitId ? ' and org_unit_id = ?' : ''}`;
      const params = [tx.tenantId, ...scope.params, ...(q.orgUnitId ? [q.orgUnitId] : [])];
      const rows = await tx.query<NoticeRow>(
        `select ${COLUMNS} from bulletin_notice where ${where}
          order by created_at ${page.order}, id limit ? offset ?`,
        [...params, page.end - page.start, page.start],
      );
      const counted = await countCapped(tx, `bulletin_notice where ${where}`, params);
      return sendList(reply, { rows: rows.map(view), ...counted });
    },
  );

  app.post(
    '/notices',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.post } },
      schema: { body: NoticeBody, response: { 201: NoticeView, ...errorResponses } },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const input = req.body as { orgUnitId: string; title: string; body?: string };
      const { titleMaxLength } = await deps.settings<{ titleMaxLength: number }>(ctx.tx);
      if (input.title.length > titleMaxLength)
        throw badInput('title', `is longer than this city's limit of ${titleMaxLength} characters`);
      const unit = await getUnit(ctx.tx, input.orgUnitId);
      if (!unit || !ctx.access.can(PERMISSIONS.read, unit.ancestorIds))
        throw badInput('orgUnitId', 'no such org unit');
      if (!ctx.access.can(PERMISSIONS.post, unit.ancestorIds))
        throw forbidden('you may post notices only inside your own scope');
      const [row] = await ctx.tx.query<NoticeRow>(
        `insert into bulletin_notice (tenant_id, org_unit_id, title, body, posted_by) values (?, ?, ?, ?, ?)
         returning ${COLUMNS}`,
        [ctx.tx.tenantId, unit.id, input.title, input.body ?? '', ctx.user.id],
      );
      await ctx.audit({
        action: 'bulletin.notice.create',
        targetType: 'bulletin.notice',
        targetId: row!.id,
        orgUnitId: unit.id,
        after: { title: input.title },
      });
      await deps.events.publish(ctx.tx, noticePosted, { noticeId: row!.id, orgUnitId: unit.id });
      reply.code(201);
      return view(row!);
    },
  );

  app.get(
    '/tallies',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.tally } },
      schema: {
        querystring: listQuery(['period'], {
          period: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' })),
        }),
        response: { 200: Type.Array(TallyView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { tx, access } = userContextOf(req);
      const q = req.query as { period?: string };
      const page = pageOf(req.query as never, 'period');
      const scope = orgScopeSql(access.scope(PERMISSIONS.tally), tx.tenantId);
      const where = `tenant_id = ? and ${scope.sql}${q.period ? ' and period = ?' : ''}`;
      const params = [tx.tenantId, ...scope.params, ...(q.period ? [q.period] : [])];
      const rows = await tx.query<{ period: string; orgUnitId: string; notices: number }>(
        `select period, org_unit_id as "orgUnitId", notices from bulletin_tally where ${where}
          order by period ${page.order}, org_unit_id limit ? offset ?`,
        [...params, page.end - page.start, page.start],
      );
      const counted = await countCapped(tx, `bulletin_tally where ${where}`, params);
      return sendList(reply, { rows, ...counted });
    },
  );
}
