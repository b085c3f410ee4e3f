import { orgScopeSql } from '@civicgrid/authz';
import { countCapped } from '@civicgrid/db';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, sendList } from '../context.ts';
import { errorResponses, listQuery, pageOf, Uuid } from '../schemas.ts';

const AuditView = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actorKind: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  orgUnitId: Type.Union([Type.String(), Type.Null()]),
  diff: Type.Unknown(),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
});

export async function auditRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  app.get(
    '/audit-log',
    {
      config: { access: { kind: 'permission', permission: 'core.audit.read' } },
      schema: {
        tags: ['audit'],
        querystring: listQuery(['at'], {
          actorId: Type.Optional(Uuid),
          action: Type.Optional(Type.String({ pattern: '^[a-z0-9.-]{1,64}$' })),
          targetType: Type.Optional(Type.String({ pattern: '^[a-z0-9.-]{1,64}$' })),
          targetId: Type.Optional(Type.String({ maxLength: 64 })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: { 200: Type.Array(AuditView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const page = pageOf(req.query as never, 'at');
      const r = await inUserContext(db, req, 'core.audit.read', async ({ tx, access }) => {
        const scope = access.scope('core.audit.read');
        // Rows tied to no unit (tenant-level actions) are for tenant-wide readers only.
        const s = orgScopeSql(scope, tx.tenantId);
        const where = ['tenant_id = ?', scope === 'all' ? 'true' : s.sql];
        const params: unknown[] = [tx.tenantId, ...(scope === 'all' ? [] : s.params)];
        const eq = {
          actorId: 'actor_id',
          action: 'action',
          targetType: 'target_type',
          targetId: 'target_id',
        } as const;
        for (const [k, col] of Object.entries(eq))
          if (q[k]) {
            where.push(`${col} = ?`);
            params.push(q[k]);
          }
        if (q.from) {
          where.push('at >= ?');
          params.push(q.from);
        }
        if (q.to) {
          where.push('at < ?');
          params.push(q.to);
        }
        const w = where.join(' and ');
        const rows = await tx.query<Record<string, unknown> & { at: string | Date }>(
          `select id, at, actor_kind as "actorKind", actor_id as "actorId", actor_name as "actorName", action,
             target_type as "targetType", target_id as "targetId", org_unit_id as "orgUnitId", diff, ip,
             user_agent as "userAgent", request_id as "requestId"
           from audit_log where ${w} order by at ${(q._order ?? 'desc').toLowerCase() === 'asc' ? 'asc' : 'desc'}, id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
        );
        return {
          rows: rows.map((x) => ({ ...x, at: new Date(x.at).toISOString() })),
          ...(await countCapped(tx, `audit_log where ${w}`, params)),
        };
      });
      return sendList(reply, r);
    },
  );
}
