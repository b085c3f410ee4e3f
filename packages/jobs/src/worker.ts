import type { Database, Tx } from '@civicgrid/db';
import type { JobLogger, PluginHost } from '@civicgrid/kernel';
import { ModuleSettings } from '@civicgrid/tenancy';
import type { Job } from 'bullmq';
import { type AnyWorker, Backend, type JobBackendConfig } from './backend.ts';
import type { JobMetrics } from './metrics.ts';
import { queueName } from './naming.ts';
import { OutboxRelay, outboxPublisher } from './outbox.ts';
import { Producer } from './producer.ts';
import { consumingPlugins } from './registry.ts';
import { type ReconcileResult, ScheduleReconciler } from './schedules.ts';
import { Slots } from './slots.ts';
import { tenantJobProcessor } from './tenant-job.ts';

export interface WorkerOptions {
  host: PluginHost;
  db: Database;
  backend: JobBackendConfig;
  prefix?: string;
  /** Jobs running at once in this process, over all plugin queues (default 8). */
  concurrency?: number;
  log?: JobLogger;
  /** Records each job attempt's duration and outcome (the worker's /metrics: `serveWorkerMetrics`). */
  metrics?: JobMetrics;
  /** How often the outbox is swept for events no notification announced (default 5 s). */
  outboxSweepMs?: number;
  /** How often every schedule is rebuilt from the database besides at start (default 10 min). */
  reconcileEveryMs?: number;
  /** Test knobs: how long a job's lock lives, and how often stalled jobs are looked for. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface RunningWorker {
  /** Stops taking jobs, lets running ones finish for up to `timeoutMs`, then closes its connections. */
  close(timeoutMs?: number): Promise<void>;
  /** Rebuilds every schedule now (what start and the timer do). */
  reconcile(): Promise<ReconcileResult>;
}

export const silentLogger: JobLogger = { info() {}, warn() {}, error() {} };

/**
 * The worker side: one BullMQ worker per plugin queue, the outbox relay, and the schedule reconciler
 * (at start and then periodically). Needs a database pool of at least 2 × concurrency + 3 connections:
 * a running job holds one and its progress reports take a second.
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { host, db } = opts;
  const log = opts.log ?? silentLogger;
  const concurrency = opts.concurrency ?? 8;
  const backend = new Backend(opts.backend, opts.prefix);
  const producer = new Producer(host, db, backend);
  // The same reader as the API's: a plugin's job sees its settings with the schema's defaults.
  const settings = new ModuleSettings(host);
  const read = (tx: Tx, id: string) => settings.read(tx, id);
  const { services } = host.bindDeps({ db, events: outboxPublisher, jobs: producer }, read);
  // One budget for the whole process: each plugin's BullMQ worker may take `concurrency` jobs, but
  // only `concurrency` of them hold a database transaction at a time (a job's borrowed lanes included).
  const slots = new Slots(concurrency);
  const runtime = { host, db, services, log, settings: read, metrics: opts.metrics, slots };

  const workers: AnyWorker[] = [];
  for (const p of consumingPlugins(host)) {
    const processor = tenantJobProcessor(runtime, p.id);
    const w = backend.worker(queueName(p.id), (job: Job) => slots.run(() => processor(job)), {
      concurrency,
      // Only when given: an explicit undefined would override BullMQ's defaults.
      ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
    });
    w.on('error', (err) => log.error({ plugin: p.id, err: err.message }, 'queue worker error'));
    workers.push(w);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  const reconciler = new ScheduleReconciler(host, db, producer);
  const reconcile = async () => {
    const r = await reconciler.reconcileAll();
    if (r.failed.length) log.error({ failed: r.failed }, 'some schedules could not be written');
    log.info({ upserted: r.upserted, removed: r.removed }, 'schedules reconciled');
    return r;
  };
  await reconcile();
  const reconcileTimer = setInterval(
    () => void reconcile().catch((e: Error) => log.error({ err: e.message }, 'schedule reconcile failed')),
    opts.reconcileEveryMs ?? 10 * 60_000,
  );
  reconcileTimer.unref();
  // Redis may come back empty (restarted without persistence, a failover to a replica that had not
  // caught up), and the schedules live only there: every reconnect rebuilds them from the database.
  backend.onReconnect(() => {
    log.warn({}, 'queue backend reconnected: rebuilding schedules');
    void reconcile().catch((e: Error) => log.error({ err: e.message }, 'schedule reconcile failed'));
  });

  const listenUrl = db.orm.config.get('clientUrl');
  if (!listenUrl) throw new Error('the worker needs a database opened from a URL (for LISTEN)');
  const relay = new OutboxRelay(host, db, producer, log, { listenUrl, sweepMs: opts.outboxSweepMs ?? 5000 });
  await relay.start();

  let closing: Promise<void> | undefined;
  const close = (timeoutMs = 10_000) => {
    closing ??= (async () => {
      clearInterval(reconcileTimer);
      await relay.stop();
      // close() waits for the running jobs; past the deadline they are abandoned with their locks,
      // and another worker takes them up as stalled: bounded shutdown, no job lost.
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => true);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<false>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      });
      const finished = await Promise.race([graceful, deadline]);
      clearTimeout(timer);
      if (!finished) {
        log.warn({ timeoutMs }, 'jobs still running at the shutdown deadline; leaving them to be retried');
        await Promise.all(workers.map((w) => w.close(true).catch(() => {})));
      }
      await producer.close();
      await backend.close();
    })();
    return closing;
  };
  return { close, reconcile };
}
