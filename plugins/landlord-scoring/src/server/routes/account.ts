import { errorResponses, IdParams, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, forbidden, notFound } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { visibleSubject } from './shared.ts';

/**
 * Links a landlord's (or shop operator's) file to her own login: a tenant user, made and granted the
 * `landlord` role at her grid through the users and grants pages like any other. The role holds its
 * permissions with the condition `own`, which compares the file's `account_id` with the caller: she
 * reads her file and declares her tenants, and nobody else's. `userId: null` unlinks. Audited.
 */
export function accountRoutes(app: FastifyInstance) {
  app.put(
    '/subjects/:id/account',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectManage } },
      schema: {
        params: IdParams,
        body: Type.Object({ userId: Type.Union([Uuid, Type.Null()]) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ accountId: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const s = await visibleSubject(ctx, (req.params as { id: string }).id, true);
      if (!s) throw notFound('subject');
      if (!ctx.access.can(PERMISSIONS.subjectManage, s.ancestorIds))
        throw forbidden('you may link logins only to files inside your own scope');
      const { userId } = req.body as { userId: string | null };
      if (userId) {
        const [u] = await ctx.tx.query('select 1 from app_user where tenant_id = ? and id = ?', [
          ctx.tx.tenantId,
          userId,
        ]);
        if (!u) throw badInput('userId', 'no such user');
      }
      await ctx.tx.query(
        'update landlord_scoring_subject set account_id = ? where tenant_id = ? and id = ?',
        [userId, ctx.tx.tenantId, s.id],
      );
      await ctx.audit({
        action: 'landlord-scoring.subject.account',
        targetType: 'landlord-scoring.subject',
        targetId: s.id,
        orgUnitId: s.orgUnitId,
        before: { accountId: s.accountId },
        after: { accountId: userId },
      });
      return { accountId: userId };
    },
  );
}
