import { checkPasswordStrength, hashPassword, verifyPassword } from '@civicgrid/identity';
import { badInput } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext } from '../context.ts';
import { errorResponses, Password } from '../schemas.ts';

const Body = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

/**
 * "My account": a tenant user changes her own password. She proves the current one; the new one meets
 * the policy; her other sessions end (a stolen session does not outlive the change) while this one
 * goes on, so the admin app stays logged in.
 */
export async function mePasswordRoutes(app: FastifyInstance) {
  const { db } = app.deps;
  app.post(
    '/me/password',
    {
      config: {
        access: { kind: 'authenticated' },
        // Guessing the current password here is as bad as guessing it at login.
        rateLimit: { max: 10, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        summary: 'Change my own password (ends my other sessions)',
        body: Body,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { currentPassword, newPassword } = req.body as { currentPassword: string; newPassword: string };
      await inUserContext(db, req, null, async (ctx) => {
        const [row] = await ctx.tx.query<{ hash: string }>(
          `select password_hash as hash from app_user where tenant_id = ? and id = ?`,
          [ctx.tx.tenantId, ctx.user.id],
        );
        if (!row || !(await verifyPassword(row.hash, currentPassword)))
          throw badInput('currentPassword', 'is not your current password');
        if (newPassword === currentPassword)
          throw badInput('newPassword', 'must differ from the current one');
        checkPasswordStrength(newPassword, 'newPassword');
        await ctx.tx.query(
          `update app_user set password_hash = ?, updated_at = now() where tenant_id = ? and id = ?`,
          [await hashPassword(newPassword), ctx.tx.tenantId, ctx.user.id],
        );
        await ctx.tx.query(
          `update user_session set revoked_at = now()
            where tenant_id = ? and user_id = ? and family_id <> ? and revoked_at is null`,
          [ctx.tx.tenantId, ctx.user.id, ctx.user.familyId],
        );
        await ctx.audit({ action: 'user.change-password', targetType: 'user', targetId: ctx.user.id });
      });
      return reply.status(204).send();
    },
  );
}
