import { orgScopeSql } from '@civicgrid/authz';
import { countCapped } from '@civicgrid/db';
import {
  errorResponses,
  listQuery,
  pageOf,
  sendList,
  type UserContext,
  Uuid,
  userContextOf,
} from '@civicgrid/http';
import { badInput, forbidden, notFound, type PluginDeps } from '@civicgrid/kernel';
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
  /** whether the caller may remove it (her role may allow only notices she posted) */
  canRemove: Type.Boolean(),
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
  canRemove: boolean;
}
const view = (r: NoticeRow) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() });
const COLUMNS = `id, org_unit_id as "orgUnitId", title, body, posted_by as "postedBy", created_at as "createdAt"`;

/**
 * One page of a bulletin table, restricted to the units where the caller holds `permission` (the
 * org-tree semi-join), with an optional equality filter and the capped count.
 */
async function scopedPage<R>(
  { tx, access }: UserContext,
  permission: string,
  q: {
    table: string;
    columns: string;
    /** values for `?` placeholders in `columns` */
    columnParams?: unknown[];
    filter: { sql: string; value: unknown } | null;
    orderBy: string;
    page: { start: number; end: number; order: 'asc' | 'desc' };
  },
) {
  const scope = orgScopeSql(access.scope(permission), tx.tenantId);
  const where = `tenant_id = ? and ${scope.sql}${q.filter ? ` and ${q.filter.sql}` : ''}`;
  const params = [tx.tenantId, ...scope.params, ...(q.filter ? [q.filter.value] : [])];
  const rows = await tx.query<R>(
    `select ${q.columns} from ${q.table} where ${where}
      order by ${q.orderBy} ${q.page.order}, org_unit_id limit ? offset ?`,
    [...(q.columnParams ?? []), ...params, q.page.end - q.page.start, q.page.start],
  );
  return { rows, ...(await countCapped(tx, `${q.table} where ${where}`, params)) };
}

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
      const q = req.query as { orgUnitId?: string };
      const ctx = userContextOf(req);
      // The remove permission's own scope, named conditions included (`posted_by = <her id>`).
      const removable = ctx.access.where(PERMISSIONS.remove, ctx.tx.tenantId);
      const page = await scopedPage<NoticeRow>(ctx, PERMISSIONS.read, {
        table: 'bulletin_notice',
        columns: `${COLUMNS}, ${removable.sql} as "canRemove"`,
        columnParams: removable.params,
        filter: q.orgUnitId ? { sql: 'org_unit_id = ?', value: q.orgUnitId } : null,
        orderBy: 'created_at',
        page: pageOf(req.query as never, 'createdAt'),
      });
      return sendList(reply, { ...page, rows: page.rows.map(view) });
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
      row!.canRemove = ctx.access.can(PERMISSIONS.remove, unit.ancestorIds, { postedBy: ctx.user.id });
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

  app.delete(
    '/notices/:id',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.remove } },
      schema: {
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const { id } = req.params as { id: string };
      const [notice] = await ctx.tx.query<{ orgUnitId: string; postedBy: string | null; title: string }>(
        `select org_unit_id as "orgUnitId", posted_by as "postedBy", title from bulletin_notice
         where tenant_id = ? and id = ?`,
        [ctx.tx.tenantId, id],
      );
      const unit = notice ? await getUnit(ctx.tx, notice.orgUnitId) : null;
      if (!notice || !unit || !ctx.access.can(PERMISSIONS.read, unit.ancestorIds)) throw notFound('notice');
      // The record's fields go along: a role holding only `?own` passes for notices she posted.
      if (!ctx.access.can(PERMISSIONS.remove, unit.ancestorIds, { postedBy: notice.postedBy }))
        throw forbidden('you may remove only the notices your role allows (perhaps only your own)');
      await ctx.tx.query('delete from bulletin_notice where tenant_id = ? and id = ?', [ctx.tx.tenantId, id]);
      await ctx.audit({
        action: 'bulletin.notice.delete',
        targetType: 'bulletin.notice',
        targetId: id,
        orgUnitId: unit.id,
        before: { title: notice.title, postedBy: notice.postedBy },
      });
      return reply.status(204).send();
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
      const q = req.query as { period?: string };
      const page = await scopedPage<{ period: string; orgUnitId: string; notices: number }>(
        userContextOf(req),
        PERMISSIONS.tally,
        {
          table: 'bulletin_tally',
          columns: `period, org_unit_id as "orgUnitId", notices`,
          filter: q.period ? { sql: 'period = ?', value: q.period } : null,
          orderBy: 'period',
          page: pageOf(req.query as never, 'period'),
        },
      );
      return sendList(reply, page);
    },
  );
}
