import { recordAudit } from '@civicgrid/audit';
import {
  checkCredentials,
  issueRefreshToken,
  type Principal,
  parseRefreshToken,
  revokeFamily,
  spendRefreshToken,
} from '@civicgrid/identity';
import { AppError } from '@civicgrid/kernel';
import { findTenant, findTenantByCode } from '@civicgrid/tenancy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../context.ts';
import { errorResponses, Password, Username } from '../schemas.ts';

const LoginBody = Type.Object(
  {
    tenant: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9-]{1,31}$',
        description: "the tenant's code; omit for platform operators",
      }),
    ),
    username: Username,
    password: Password,
  },
  { additionalProperties: false },
);

const TokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  principal: Type.Object({
    kind: Type.Union([Type.Literal('user'), Type.Literal('operator')]),
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    tenant: Type.Optional(Type.Object({ id: Type.String(), code: Type.String(), name: Type.String() })),
  }),
});

const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

const ACCESS_TTL_SECONDS = 15 * 60;

const suspended = () =>
  new AppError(403, 'tenant_suspended', 'this tenant is suspended; its users cannot log in');

export async function authRoutes(app: FastifyInstance) {
  const { db, loginLimits } = app.deps;

  const tokens = (
    reply: FastifyReply,
    p: Principal,
    refresh: { token: string; familyId: string },
    tenant?: { id: string; code: string; name: string },
  ) => {
    const accessToken = app.jwt.sign({
      sub: p.id,
      knd: p.kind,
      fam: refresh.familyId,
      ...(tenant ? { tid: tenant.id } : {}),
    });
    reply.header('cache-control', 'no-store');
    return {
      accessToken,
      refreshToken: refresh.token,
      tokenType: 'Bearer' as const,
      expiresIn: ACCESS_TTL_SECONDS,
      principal: {
        kind: p.kind,
        id: p.id,
        username: p.username,
        displayName: p.displayName,
        ...(tenant ? { tenant } : {}),
      },
    };
  };

  // The route's own limit counts per IP; this second one counts per account, so spreading guesses
  // over many addresses does not help either.
  const perAccountLimit = app.createRateLimit({
    max: loginLimits.perAccount,
    timeWindow: '1 minute',
    keyGenerator: (req) => {
      const b = req.body as { tenant?: string; username?: string } | undefined;
      return `login:${b?.tenant ?? '-'}:${String(b?.username ?? '').toLowerCase()}`;
    },
  });
  const perAccount = async (req: FastifyRequest) => {
    const r = await perAccountLimit(req);
    if (!r.isAllowed && r.isExceeded) {
      throw new AppError(
        429,
        'rate_limited',
        `too many login attempts for this account; wait ${r.ttlInSeconds} s`,
      );
    }
  };

  app.post(
    '/auth/login',
    {
      config: { access: { kind: 'public' }, rateLimit: { max: loginLimits.perIp, timeWindow: '1 minute' } },
      preHandler: perAccount,
      schema: {
        tags: ['auth'],
        security: [],
        body: LoginBody,
        response: { 200: TokenPair, ...errorResponses },
      },
    },
    async (req, reply) => {
      const {
        tenant: code,
        username,
        password,
      } = req.body as { tenant?: string; username: string; password: string };
      if (!code) {
        const r = await db.withPlatform(async (tx) => {
          const c = await checkCredentials(tx, 'operator', username, password);
          if (!c.ok) return c;
          return { ...c, refresh: await issueRefreshToken(tx, 'operator', c.principal.id) };
        });
        if (!r.ok) throw r.error;
        return tokens(reply, r.principal, r.refresh);
      }
      const tenant = await db.withPlatform((tx) => findTenantByCode(tx, code));
      if (!tenant) throw new AppError(401, 'invalid_credentials', 'wrong account or password');
      if (tenant.status !== 'active') throw suspended();
      const t = { id: tenant.id, code: tenant.code, name: tenant.name };
      const r = await db.withTenant(tenant.id, async (tx) => {
        const c = await checkCredentials(tx, 'user', username, password);
        if (!c.ok) return c;
        const refresh = await issueRefreshToken(tx, 'user', c.principal.id);
        await recordAudit(tx, actorOf(req, 'user', c.principal.id, c.principal.username), {
          action: 'auth.login',
          targetType: 'user',
          targetId: c.principal.id,
        });
        return { ...c, refresh };
      });
      if (!r.ok) throw r.error;
      return tokens(reply, r.principal, r.refresh, t);
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: {
        access: { kind: 'public' },
        rateLimit: { max: loginLimits.perIp * 4, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        security: [],
        body: RefreshBody,
        response: { 200: TokenPair, ...errorResponses },
      },
    },
    async (req, reply) => {
      const parsed = parseRefreshToken((req.body as { refreshToken: string }).refreshToken);
      if (!parsed)
        throw new AppError(401, 'invalid_refresh_token', 'this session is not valid; log in again');
      if (parsed.kind === 'operator') {
        const r = await db.withPlatform(async (tx) => {
          const s = await spendRefreshToken(tx, parsed);
          if (!s.ok) return s;
          const [op] = await tx.query<{ id: string; username: string; displayName: string; status: string }>(
            `select id, username, display_name as "displayName", status from platform_operator where id = ?`,
            [s.userId],
          );
          if (op?.status !== 'active')
            return {
              ok: false as const,
              error: new AppError(401, 'account_disabled', 'this account is disabled'),
            };
          const refresh = await issueRefreshToken(tx, 'operator', op.id, s.familyId);
          return { ok: true as const, principal: { kind: 'operator' as const, ...op }, refresh };
        });
        if (!r.ok) throw r.error;
        return tokens(reply, r.principal, r.refresh);
      }
      const tenant = await db.withPlatform((tx) => findTenant(tx, parsed.tenantId!));
      if (!tenant)
        throw new AppError(401, 'invalid_refresh_token', 'this session is not valid; log in again');
      if (tenant.status !== 'active') throw suspended();
      const r = await db.withTenant(tenant.id, async (tx) => {
        const s = await spendRefreshToken(tx, parsed);
        if (!s.ok) return s;
        const [u] = await tx.query<{ id: string; username: string; displayName: string; status: string }>(
          `select id, username, display_name as "displayName", status from app_user where tenant_id = ? and id = ?`,
          [tenant.id, s.userId],
        );
        if (u?.status !== 'active')
          return {
            ok: false as const,
            error: new AppError(401, 'account_disabled', 'this account is disabled'),
          };
        const refresh = await issueRefreshToken(tx, 'user', u.id, s.familyId);
        return { ok: true as const, principal: { kind: 'user' as const, ...u }, refresh };
      });
      if (!r.ok) throw r.error;
      return tokens(reply, r.principal, r.refresh, { id: tenant.id, code: tenant.code, name: tenant.name });
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { tags: ['auth'], response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      const c = req.claims!;
      if (c.knd === 'operator') await db.withPlatform((tx) => revokeFamily(tx, 'operator', c.fam));
      else await db.withTenant(c.tid!, (tx) => revokeFamily(tx, 'user', c.fam));
      return reply.status(204).send();
    },
  );
}
