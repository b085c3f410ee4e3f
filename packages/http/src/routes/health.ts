import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export async function healthRoutes(app: FastifyInstance) {
  const access = { kind: 'public' } as const;
  app.get(
    '/health',
    { config: { access }, schema: { response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/ready',
    {
      config: { access },
      schema: {
        response: {
          200: Type.Object({ status: Type.String() }),
          503: Type.Object({ status: Type.String(), reason: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      try {
        await app.deps.db.withPlatform((tx) => tx.query('select 1'));
        for (const check of app.deps.readyChecks ?? []) await check();
        return { status: 'ready' };
      } catch (err) {
        app.log.warn({ err }, 'not ready');
        return reply.status(503).send({ status: 'not ready', reason: (err as Error).message.slice(0, 200) });
      }
    },
  );
}
