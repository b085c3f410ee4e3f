import type { Database, Tx } from '@civicgrid/db';
import {
  conflict,
  type EventPublisher,
  type JobEnqueuer,
  notFound,
  type PluginHost,
} from '@civicgrid/kernel';
import type { Queue } from 'bullmq';
import { Backend, type JobBackendConfig } from './backend.ts';
import { queueName } from './naming.ts';
import { outboxPublisher } from './outbox.ts';
import { Producer } from './producer.ts';
import { consumingPlugins, jobOptions, resolveHandler } from './registry.ts';
import { ScheduleReconciler } from './schedules.ts';

/** The producer side the API process holds. */
export interface JobClient extends JobEnqueuer {
  /** `publish(tx, ref, payload)`: an outbox row in the caller's tenant transaction. */
  readonly events: EventPublisher;
  /** Rebuilds that tenant's schedules from `tenant_module` (after enable/disable, suspend/resume). */
  reconcileTenant(tenantId: string): Promise<void>;
  /** Queues a failed run again, in the caller's tenant transaction: 404 unknown run, 409 not failed. */
  retry(tx: Tx, runId: string): Promise<void>;
  /** The plugins' queues on the Redis backend, for Bull Board; none on PostgreSQL (Bull Board reads Redis). */
  boardQueues(): Queue[];
  /** Readiness: throws when the queue backend does not answer. */
  ping(): Promise<void>;
  /** Jobs per plugin queue and state, read now (the API's /metrics); throws when the backend does not answer. */
  queueDepths(): Promise<QueueDepth[]>;
  close(): Promise<void>;
}

/** The states a queue depth is reported in. */
export const DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type DepthState = (typeof DEPTH_STATES)[number];

export interface QueueDepth {
  queue: string;
  counts: Record<DepthState, number>;
}

interface RunRow {
  plugin: string;
  job: string;
  queueJobId: string;
  state: string;
  payload: Record<string, unknown>;
}

export function createJobClient(opts: {
  host: PluginHost;
  db: Database;
  backend: JobBackendConfig;
  prefix?: string;
}): JobClient {
  const backend = new Backend(opts.backend, opts.prefix);
  const producer = new Producer(opts.host, opts.db, backend);
  const reconciler = new ScheduleReconciler(opts.host, opts.db, producer);

  return {
    events: outboxPublisher,
    enqueue: (plugin, job, data, o) => producer.enqueue(plugin, job, data, o),
    reconcileTenant: (tenantId) => reconciler.reconcileTenant(tenantId),

    async retry(tx, runId) {
      const [run] = await tx.query<RunRow>(
        `select plugin, job, queue_job_id as "queueJobId", state, payload from job_run
         where tenant_id = ? and id = ? for update`,
        [tx.tenantId, runId],
      );
      if (!run) throw notFound('job run');
      if (run.state !== 'failed')
        throw conflict('run_not_failed', `only a failed run can be retried (it is ${run.state})`);
      const handler = resolveHandler(opts.host, run.plugin, run.job);
      if (!handler) throw conflict('job_not_installed', `${run.plugin}/${run.job} is no longer installed`);
      // The row turns queued in this transaction; a worker taking the job first waits for it.
      await tx.query(
        `update job_run set state = 'queued', error = null, progress = 0, attempts = 0, started_at = null,
           finished_at = null, updated_at = now() where tenant_id = ? and id = ?`,
        [tx.tenantId, runId],
      );
      const queue = producer.queue(run.plugin);
      const job = await queue.getJob(run.queueJobId);
      const state = job ? await job.getState() : 'unknown';
      if (job && state === 'failed') {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return;
      }
      if (job && state !== 'completed' && state !== 'unknown') return; // already waiting or running again
      // The queue no longer holds it (kept a week, or the backend was wiped): queue it anew, same id.
      if (job) await job.remove();
      await queue.add(run.job, run.payload, { ...jobOptions(handler, backend.kind), jobId: run.queueJobId });
    },

    boardQueues: () =>
      backend.kind === 'redis' ? consumingPlugins(opts.host).map((p) => producer.queue(p.id)) : [],
    ping: () => backend.ping(),
    queueDepths: () =>
      Promise.all(
        consumingPlugins(opts.host).map(async (p) => {
          const counts = await producer.queue(p.id).getJobCounts(...DEPTH_STATES);
          const depth = Object.fromEntries(DEPTH_STATES.map((s) => [s, counts[s] ?? 0]));
          return { queue: queueName(p.id), counts: depth as Record<DepthState, number> };
        }),
      ),
    async close() {
      await producer.close();
      await backend.close();
    },
  };
}
