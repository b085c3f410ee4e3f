/**
 * The job worker: runs the plugins' jobs and event deliveries, keeps their schedules, relays the
 * events outbox. Its only HTTP is /metrics, when WORKER_METRICS_PORT is set. `pnpm start` (apps/api)
 * spawns it beside the API.
 *
 * Environment: DATABASE_APP_URL (required: the application role, never the owner), REDIS_URL (queues on
 * Redis; without it on BullMQ's PostgreSQL backend in the same database, prepared by the API at start),
 * PII_KEYS and PII_HASH_KEY (the API's: imported workbooks are sealed with them), LOG_LEVEL (info),
 * WORKER_CONCURRENCY (8), WORKER_SHUTDOWN_MS (how long running jobs may finish, 10000),
 * WORKER_METRICS_PORT (unset: no listener; 0: any free port) and METRICS_TOKEN (the bearer token it asks for).
 */
import { coreEntities } from '@civicgrid/api/platform';
import { openDatabase } from '@civicgrid/db';
import { jobBackendFromEnv, serveWorkerMetrics, startWorker } from '@civicgrid/jobs';
import { PluginHost } from '@civicgrid/kernel';
import { piiFromEnv } from '@civicgrid/registry';
import { jsonLogger } from './log.ts';
import { installedPlugins, platformJobs, platformServices } from './plugins.ts';

const env = process.env;
const log = jsonLogger(env.LOG_LEVEL);
const appUrl = env.DATABASE_APP_URL;
if (!appUrl) {
  log.error({}, 'DATABASE_APP_URL must be set (the application role, not the owner)');
  process.exit(2);
}
const concurrency = Number(env.WORKER_CONCURRENCY ?? 8);
const shutdownMs = Number(env.WORKER_SHUTDOWN_MS ?? 10_000);

// Without keys the worker still runs the modules' jobs; registry imports then fail saying why.
const pii = piiFromEnv(env);
if (!pii) log.warn({}, 'PII_KEYS / PII_HASH_KEY not set: registry imports will fail until they are');
const services = platformServices(pii);
const host = new PluginHost(installedPlugins, {
  platformJobs: platformJobs(pii, installedPlugins, services),
  services,
});
// As the API opens it (core entities + the plugins'). A running job holds one connection and its
// progress reports a second; the relay and the reconciler take a few more.
const db = await openDatabase(appUrl, [...coreEntities, ...host.entities()], 2 * concurrency + 3);
const backend = jobBackendFromEnv(env, appUrl);
const metricsPort = env.WORKER_METRICS_PORT?.trim() ? Number(env.WORKER_METRICS_PORT) : null;
if (metricsPort !== null && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort < 65536)) {
  log.error({ WORKER_METRICS_PORT: env.WORKER_METRICS_PORT }, 'WORKER_METRICS_PORT must be a port number');
  process.exit(2);
}
const metricsServer =
  metricsPort === null
    ? null
    : await serveWorkerMetrics({ port: metricsPort, token: env.METRICS_TOKEN || undefined, log });
const worker = await startWorker({ host, db, backend, concurrency, log, metrics: metricsServer?.metrics });
log.info({ backend: backend.kind, plugins: host.plugins.map((p) => p.id), concurrency }, 'worker started');

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'shutting down: finishing running jobs');
  const force = setTimeout(() => process.exit(1), shutdownMs + 5000);
  force.unref();
  await worker.close(shutdownMs);
  await metricsServer?.close();
  await host.shutdown();
  await db.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
