import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inOperatorContext, inUserContext } from '../context.ts';
import { errorResponses } from '../schemas.ts';

const Me = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('operator')]),
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  tenant: Type.Optional(
    Type.Object({
      id: Type.String(),
      code: Type.String(),
      name: Type.String(),
      timezone: Type.String(),
      locale: Type.String(),
    }),
  ),
  grants: Type.Array(
    Type.Object({
      grantId: Type.String(),
      roleId: Type.String(),
      roleKey: Type.String(),
      roleName: Type.String(),
      orgUnitId: Type.String(),
      orgUnitName: Type.String(),
    }),
  ),
  permissions: Type.Array(Type.String()),
  modules: Type.Array(Type.String(), { description: 'modules enabled for the tenant' }),
  rules: Type.Array(Type.Unknown(), { description: 'packed CASL rules (packRules) for the UI' }),
});

export async function meRoutes(app: FastifyInstance) {
  const { db, modules: plugins } = app.deps;
  app.get(
    '/me',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { tags: ['auth'], response: { 200: Me, ...errorResponses } },
    },
    async (req) => {
      if (req.claims!.knd === 'operator') {
        return inOperatorContext(db, req, async ({ operator }) => ({
          kind: 'operator' as const,
          id: operator.id,
          username: operator.username,
          displayName: operator.displayName,
          grants: [],
          permissions: [],
          modules: [],
          rules: [],
        }));
      }
      return inUserContext(db, req, null, async ({ tx, access, user, modules }) => {
        const [t] = await tx.query<{
          id: string;
          code: string;
          name: string;
          timezone: string;
          locale: string;
        }>(`select id, code, name, timezone, locale from tenant where id = ?`, [user.tenantId]);
        return {
          kind: 'user' as const,
          id: user.id,
          username: user.username,
          displayName: user.displayName,
          tenant: t!,
          grants: access.grants.map(({ orgUnitPath: _p, permissions: _x, ...g }) => g),
          permissions: access.permissions(),
          // A row for a plugin no longer installed is not a module the UI can show.
          modules: modules.filter((m) => plugins.host.get(m)),
          rules: access.packedRules(),
        };
      });
    },
  );
}
