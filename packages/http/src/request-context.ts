import { runWithRequestContext } from '@civicgrid/kernel/request-context';
import type { FastifyInstance } from 'fastify';

/**
 * Makes each request's id the current request context (`currentRequestId()`) for its hooks and
 * handler, so a job queued while handling it carries the id to the worker's log lines. Entered at
 * onRequest and again at preValidation: a body that arrives in several chunks is read on the socket's
 * events, outside the context entered before it, and the handler must not depend on how it arrived.
 */
export function registerRequestContext(app: FastifyInstance): void {
  const enter = (req: { id: string }, _reply: unknown, done: () => void) =>
    runWithRequestContext({ requestId: req.id }, done);
  app.addHook('onRequest', enter);
  app.addHook('preValidation', enter);
}
