/**
 * A worker process as apps/worker runs it, for the observability tests: JSON log lines on stdout
 * (apps/worker's logger), /metrics on WORKER_METRICS_PORT (0: a free one, printed in its
 * `metrics listening` line) with METRICS_TOKEN, and the jt-obs test plugin. Prints `ready` once it
 * takes jobs; SIGTERM closes it.
 *
 * Env: DATABASE_APP_URL, JT_BACKEND (a JobBackendConfig as JSON), JT_PREFIX, WORKER_METRICS_PORT,
 * METRICS_TOKEN.
 */
import { openDatabase } from '@civicgrid/db';
import { type JobBackendConfig, serveWorkerMetrics, startWorker } from '@civicgrid/jobs';
import { PluginHost } from '@civicgrid/kernel';
import { coreEntities } from '../../apps/api/src/platform.ts';
import { jsonLogger } from '../../apps/worker/src/log.ts';
import { obsPlugin } from './metrics-plugins.ts';

const env = process.env;
const log = jsonLogger('info');
const db = await openDatabase(env.DATABASE_APP_URL!, coreEntities, 8);
const server = await serveWorkerMetrics({
  port: Number(env.WORKER_METRICS_PORT ?? 0),
  host: '127.0.0.1',
  token: env.METRICS_TOKEN || undefined,
  log,
});
const worker = await startWorker({
  host: new PluginHost([obsPlugin]),
  db,
  backend: JSON.parse(env.JT_BACKEND!) as JobBackendConfig,
  prefix: env.JT_PREFIX || undefined,
  concurrency: 2,
  log,
  metrics: server.metrics,
});
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.close(10_000);
  await server.close();
  await db.close();
  process.exit(0);
});
