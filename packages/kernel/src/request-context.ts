import { AsyncLocalStorage } from 'node:async_hooks';

/** What follows a request into the work it starts: the id its logs carry. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Runs `fn` with `ctx` as the current request context: the HTTP layer around each request's hooks and
 * handler, the worker around each job (so a job that queues another passes the id on).
 */
export const runWithRequestContext = <T>(ctx: RequestContext, fn: () => T): T => storage.run(ctx, fn);

/** The id of the request (or job) this code runs for, if any. */
export const currentRequestId = (): string | undefined => storage.getStore()?.requestId;
