import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError } from '@civicgrid/kernel';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { inOperatorContext, type TokenClaims } from '../context.ts';
import { errorResponses } from '../schemas.ts';

export const QUEUE_BOARD_PATH = '/platform/queues';
const COOKIE = 'cg_queue_board';
const AUDIENCE = 'queue-board';
const TTL_SECONDS = 15 * 60;

function cookieOf(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * Bull Board for platform operators (Redis backend). A browser page cannot send the API's bearer
 * token, so an operator exchanges it for a short-lived, HttpOnly cookie bound to the board's path;
 * every board request re-checks that the operator and the session behind it are still alive.
 */
export async function queueBoardRoutes(app: FastifyInstance, queues: Queue[]) {
  const { db } = app.deps;

  app.post(
    '/api/v1/platform/queue-board/session',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags: ['platform'],
        response: { 200: Type.Object({ url: Type.String(), expiresIn: Type.Integer() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const claims = await inOperatorContext(db, req, async () => req.claims!);
      const token = app.jwt.sign(
        { sub: claims.sub, knd: 'operator', fam: claims.fam, aud: AUDIENCE } as TokenClaims,
        { expiresIn: TTL_SECONDS },
      );
      const secure = req.protocol === 'https' ? '; Secure' : '';
      reply.header(
        'set-cookie',
        `${COOKIE}=${token}; Path=${QUEUE_BOARD_PATH}; Max-Age=${TTL_SECONDS}; HttpOnly; SameSite=Strict${secure}`,
      );
      return { url: QUEUE_BOARD_PATH, expiresIn: TTL_SECONDS };
    },
  );

  const board = new FastifyAdapter();
  board.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });

  await app.register(
    async (scope) => {
      // The board sets its own error handler, so refusals are answered here in the API's error shape.
      scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
        const refuse = (code: string, message: string) =>
          reply.code(401).send({ statusCode: 401, code, message });
        const token = cookieOf(req);
        if (!token) return refuse('unauthenticated', 'open the queue board from the operator console');
        let claims: TokenClaims & { aud?: string };
        try {
          claims = app.jwt.verify<TokenClaims & { aud?: string }>(token);
        } catch {
          return refuse('invalid_token', 'the queue board session has expired; open it again');
        }
        if (claims.aud !== AUDIENCE || claims.knd !== 'operator')
          return refuse('invalid_token', 'the queue board session is not valid');
        req.claims = claims;
        try {
          await inOperatorContext(db, req, async () => undefined);
        } catch (err) {
          if (err instanceof AppError)
            return reply
              .code(err.statusCode)
              .send({ statusCode: err.statusCode, code: err.code, message: err.message });
          throw err;
        }
      });
      await scope.register(board.registerPlugin());
    },
    { prefix: QUEUE_BOARD_PATH },
  );
}
