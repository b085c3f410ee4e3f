import { type Database, poolStats } from '@civicgrid/db';
import {
  type JobClient,
  METRICS_CONTENT_TYPE,
  metricsAuthorized,
  metricsText,
  type QueueDepth,
} from '@civicgrid/jobs';
import { AppError } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry } from 'prom-client';

/** The route label of a request no route matched (a scanner's URLs must not each become a series). */
export const UNMATCHED_ROUTE = 'unmatched';

/** How long a scrape waits for the queue backend before reporting it down. */
const QUEUE_READ_TIMEOUT_MS = 2000;

export interface MetricsOptions {
  db: Database;
  /** The job client: its queues' depths are read at each scrape. */
  jobs?: JobClient;
  /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * `GET /metrics` in Prometheus's text format, outside /api/v1 (no tenant, no permission: a bearer
 * token of its own when configured), and what it reports: request durations per route template,
 * method and status; the database pool and the queues' depths read at scrape time; Node's defaults.
 */
export function registerMetrics(app: FastifyInstance, opts: MetricsOptions): void {
  const registry = new Registry();

  const duration = new Histogram({
    name: 'civicgrid_http_request_duration_seconds',
    help: 'HTTP request duration by route template (not the raw URL), method and status code',
    labelNames: ['route', 'method', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', (req, reply, done) => {
    duration.observe(
      { route: req.routeOptions.url ?? UNMATCHED_ROUTE, method: req.method, status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });

  registerPoolGauges(registry, opts.db);
  if (opts.jobs) registerQueueGauges(registry, opts.jobs, app);

  app.get(
    '/metrics',
    { config: { access: { kind: 'public' } }, schema: { hide: true } },
    async (req, reply) => {
      if (!metricsAuthorized(req.headers.authorization, opts.token))
        throw new AppError(401, 'unauthenticated', 'send the metrics token as a bearer token');
      return reply.type(METRICS_CONTENT_TYPE).send(await metricsText(registry));
    },
  );
}

/** The ORM's connection pool, read from knex's tarn pool at each scrape. */
function registerPoolGauges(registry: Registry, db: Database) {
  const gauge = (
    name: string,
    help: string,
    pick: (s: NonNullable<ReturnType<typeof poolStats>>) => number,
  ) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = poolStats(db);
        if (stats) this.set(pick(stats));
      },
    });
  gauge('civicgrid_db_pool_in_use', 'Database connections lent to a transaction or query', (s) => s.inUse);
  gauge('civicgrid_db_pool_free', 'Open database connections waiting to be lent', (s) => s.free);
  gauge(
    'civicgrid_db_pool_pending_acquires',
    'Callers waiting for a database connection (above 0 for long: the pool is too small)',
    (s) => s.pendingAcquires,
  );
  gauge('civicgrid_db_pool_max', 'The largest number of connections the pool opens', (s) => s.max);
}

/**
 * Jobs per queue and state, read through the job client at each scrape, with a timeout: a Redis
 * outage makes `civicgrid_queue_backend_up` 0 instead of hanging the scrape.
 */
function registerQueueGauges(registry: Registry, jobs: JobClient, app: FastifyInstance) {
  // Both gauges of one scrape share one read.
  let reading: Promise<QueueDepth[] | null> | undefined;
  const read = () => {
    reading ??= withTimeout(jobs.queueDepths(), QUEUE_READ_TIMEOUT_MS)
      .catch((err: Error) => {
        app.log.warn({ err: err.message }, 'queue depths could not be read for /metrics');
        return null;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  new Gauge({
    name: 'civicgrid_queue_jobs',
    help: 'Jobs in each plugin queue by state (waiting, active, delayed, failed), read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, counts } of (await read()) ?? [])
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
    },
  });
  new Gauge({
    name: 'civicgrid_queue_backend_up',
    help: '1 when the queue backend answered the last scrape, 0 when it did not (in time)',
    registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
