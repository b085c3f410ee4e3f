import { errorResponses, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, conflict, notFound } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { type CategoryRow, ensureCatalogue } from '../catalogue.ts';
import { Text } from './schemas.ts';

const CategoryView = Type.Object({
  id: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  code: Type.String(),
  name: Type.String(),
  active: Type.Boolean(),
});
const COLS = `id, parent_id as "parentId", code, name, active`;

/** The tenant's catalogue (domain → type): anyone who reports events reads it; admins edit it. */
export function categoryRoutes(app: FastifyInstance) {
  app.get(
    '/categories',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { response: { 200: Type.Array(CategoryView), ...errorResponses } },
    },
    async (req) => {
      const { tx } = userContextOf(req);
      await ensureCatalogue(tx);
      return tx.query<CategoryRow>(
        `select ${COLS} from events_category where tenant_id = ? order by sort, code`,
        [tx.tenantId],
      );
    },
  );

  app.post(
    '/categories',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.categories } },
      schema: {
        body: Type.Object(
          {
            parentId: Type.Optional(Uuid),
            code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,30}$' }),
            name: Text(50, 1),
          },
          { additionalProperties: false },
        ),
        response: { 201: CategoryView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { tx } = userContextOf(req);
      const b = req.body as { parentId?: string; code: string; name: string };
      await ensureCatalogue(tx);
      let code = b.code;
      if (b.parentId) {
        const [p] = await tx.query<{ code: string; parentId: string | null }>(
          `select code, parent_id as "parentId" from events_category where tenant_id = ? and id = ?`,
          [tx.tenantId, b.parentId],
        );
        if (!p || p.parentId) throw badInput('parentId', 'no such domain (types sit under a domain)');
        code = `${p.code}.${b.code}`;
      }
      const [row] = await tx.query<CategoryRow>(
        `insert into events_category (tenant_id, parent_id, code, name, sort)
         values (?, ?, ?, ?, (select coalesce(max(sort), 0) + 1 from events_category where tenant_id = ?))
         on conflict (tenant_id, code) do nothing returning ${COLS}`,
        [tx.tenantId, b.parentId ?? null, code, b.name, tx.tenantId],
      );
      if (!row) throw conflict('duplicate', `the code ${code} is taken`, 'code');
      reply.code(201);
      return row;
    },
  );

  app.patch(
    '/categories/:id',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.categories } },
      schema: {
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: Type.Object(
          { name: Type.Optional(Text(50, 1)), active: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: CategoryView, ...errorResponses },
      },
    },
    async (req) => {
      const { tx } = userContextOf(req);
      const b = req.body as { name?: string; active?: boolean };
      const [row] = await tx.query<CategoryRow>(
        `update events_category set name = coalesce(?, name), active = coalesce(?, active)
          where tenant_id = ? and id = ? returning ${COLS}`,
        [b.name ?? null, b.active ?? null, tx.tenantId, (req.params as { id: string }).id],
      );
      if (!row) throw notFound('category');
      return row;
    },
  );
}
