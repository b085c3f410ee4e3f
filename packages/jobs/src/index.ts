import type { MigrationSource } from '@civicgrid/db';

export {
  DEFAULT_PG_SCHEMA,
  DEFAULT_PREFIX,
  type JobBackendConfig,
  jobBackendFromEnv,
  prepareJobBackend,
} from './backend.ts';
export { createJobClient, DEPTH_STATES, type JobClient, type QueueDepth } from './client.ts';
export {
  JobMetrics,
  type JobOutcome,
  METRICS_CONTENT_TYPE,
  metricsAuthorized,
  metricsText,
  processMetrics,
} from './metrics.ts';
export { serveWorkerMetrics, type WorkerMetricsServer } from './metrics-server.ts';
export { deliveryJobId, queueName, schedulerId } from './naming.ts';
export { WORKER_NODE_FLAGS } from './node-flags.ts';
export { outboxPublisher } from './outbox.ts';
export { PERIOD, previousPeriod } from './period.ts';
export { retention } from './registry.ts';
export type { RunState } from './runs.ts';
export { type RunningWorker, silentLogger, startWorker, type WorkerOptions } from './worker.ts';

/** `job_run`, the events outbox and its delivery records (after the tenancy migrations). */
export const jobsMigrations: MigrationSource = {
  source: 'jobs',
  dir: new URL('../migrations/', import.meta.url),
};
