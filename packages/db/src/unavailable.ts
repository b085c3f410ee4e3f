/**
 * Whether an error means the database cannot be reached right now (down, restarting, refusing
 * connections, or no pooled connection freed in time) rather than anything about the request: the API
 * answers those with 503 and a Retry-After, never 500. Looks through MikroORM's and knex's wrappers.
 */
const PG_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown: terminating connection due to administrator command
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const NET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const MESSAGES =
  /Connection terminated|Connection ended unexpectedly|Knex: Timeout acquiring a connection|connect ECONNREFUSED|Client has encountered a connection error/;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const x = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; previous?: unknown };
    if (typeof x.code === 'string' && (PG_UNAVAILABLE.has(x.code) || NET_UNAVAILABLE.has(x.code)))
      return true;
    if (x.name === 'KnexTimeoutError' || x.name === 'ConnectionException') return true;
    if (typeof x.message === 'string' && MESSAGES.test(x.message)) return true;
    e = x.cause ?? x.previous;
  }
  return false;
}
