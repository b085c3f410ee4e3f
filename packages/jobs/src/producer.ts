import { randomUUID } from 'node:crypto';
import { type Database, isUuid, type Tx } from '@civicgrid/db';
import { AppError, badInput, type JobData, type JobEnqueuer, type PluginHost } from '@civicgrid/kernel';
import { currentRequestId } from '@civicgrid/kernel/request-context';
import type { AnyQueue, Backend } from './backend.ts';
import { deliveryJobId, eventJobName, queueName } from './naming.ts';
import { PERIOD } from './period.ts';
import { jobOptions, resolveHandler } from './registry.ts';
import { recordQueued } from './runs.ts';

/** A custom queue job id: BullMQ refuses colons and plain integers in ids. */
const JOB_ID = /^(?!\d+$)[A-Za-z0-9._-]{1,200}$/;

/** Puts jobs on the plugins' queues; shared by the API's client and the worker. */
export class Producer implements JobEnqueuer {
  readonly #queues = new Map<string, AnyQueue>();

  constructor(
    readonly host: PluginHost,
    readonly db: Database,
    readonly backend: Backend,
  ) {}

  queue(pluginId: string): AnyQueue {
    let q = this.#queues.get(pluginId);
    if (!q) {
      q = this.backend.queue(queueName(pluginId));
      // A connection hiccup is reported by the call that meets it; an unheard 'error' would crash.
      q.on('error', () => {});
      this.#queues.set(pluginId, q);
    }
    return q;
  }

  /**
   * Queues a plugin's job for a tenant and records it as queued, in one short tenant transaction (the
   * add happens before commit: if it fails nothing is recorded; a worker that takes the job first
   * waits for the row). Payloads carry ids and periods only: queues have no row-level security.
   * Queued while a request (or another job) is handled, the payload also carries that request's id,
   * which the worker's log lines for the job repeat: no caller has to pass it.
   */
  async enqueue(
    plugin: string,
    job: string,
    given: JobData,
    opts: { jobId?: string; delayMs?: number } = {},
  ): Promise<string> {
    const requestId = currentRequestId();
    const data = requestId && given?.requestId === undefined ? { ...given, requestId } : given;
    const handler = resolveHandler(this.host, plugin, job);
    if (handler?.kind !== 'job')
      throw new AppError(400, 'unknown_job', `no job ${plugin}/${job} is installed`);
    if (!isUuid(data?.tenantId)) throw badInput('tenantId', 'every job needs the uuid of its tenant');
    if (data.period !== undefined && !PERIOD.test(String(data.period)))
      throw badInput('period', 'must look like 2026, 2026-Q4, 2026-11 or 2026-11-26');
    if (opts.jobId !== undefined && !JOB_ID.test(opts.jobId))
      throw badInput('jobId', 'letters, digits, ".", "_" and "-" only, not a plain number');
    const jobId = opts.jobId ?? randomUUID();
    const options = { ...jobOptions(handler, this.backend.kind), jobId, delay: opts.delayMs };
    await this.db.withTenant(data.tenantId, async (tx) => {
      await recordQueued(tx, {
        plugin,
        job,
        queueJobId: jobId,
        period: (data.period as string | undefined) ?? null,
        maxAttempts: options.attempts ?? 1,
        payload: data,
      });
      await this.queue(plugin).add(job, data, options);
    });
    return jobId;
  }

  /**
   * Queues one event's delivery to a subscriber plugin, in the relay's tenant transaction. The job id
   * is the event's, so relaying the same event again adds nothing while the first job is kept.
   */
  async enqueueDelivery(tx: Tx, plugin: string, type: string, outboxId: string): Promise<void> {
    const name = eventJobName(type);
    const handler = resolveHandler(this.host, plugin, name);
    if (!handler) return;
    const options = { ...jobOptions(handler, this.backend.kind), jobId: deliveryJobId(outboxId) };
    const data = { tenantId: tx.tenantId!, event: type, outboxId };
    await recordQueued(tx, {
      plugin,
      job: name,
      queueJobId: options.jobId,
      period: null,
      maxAttempts: options.attempts ?? 1,
      payload: data,
    });
    await this.queue(plugin).add(name, data, options);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}
