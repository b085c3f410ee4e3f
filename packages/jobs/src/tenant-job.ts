import { randomUUID } from 'node:crypto';
import { type Database, isUuid, type Tx } from '@civicgrid/db';
import type {
  JobContext,
  JobData,
  JobLogger,
  PluginHost,
  ServiceLocator,
  TenantState,
} from '@civicgrid/kernel';
import { AppError } from '@civicgrid/kernel';
import { runWithRequestContext } from '@civicgrid/kernel/request-context';
import { type Job, UnrecoverableError } from 'bullmq';
import type { JobMetrics, JobOutcome } from './metrics.ts';
import { dueFromJobId, queueName } from './naming.ts';
import { outboxPublisher } from './outbox.ts';
import { PERIOD, previousPeriod } from './period.ts';
import { type Handler, isPlatformOwner, resolveHandler } from './registry.ts';
import {
  type Attempt,
  errorSummary,
  failRun,
  finishRun,
  markRunning,
  type RunKey,
  type RunState,
  runRow,
  setProgress,
} from './runs.ts';
import { inLanes, type Slots } from './slots.ts';

export interface TenantJobRuntime {
  host: PluginHost;
  db: Database;
  services: ServiceLocator;
  log: JobLogger;
  /** A plugin's settings for the transaction's tenant, defaults applied. */
  settings(tx: Tx, pluginId: string): Promise<Record<string, unknown>>;
  /** Where each attempt's duration and outcome go (the worker's /metrics), if anywhere. */
  metrics?: JobMetrics;
  /** The worker's job slots, which a job's `inLanes` borrows while they are idle. */
  slots?: Slots;
}

/** The id of the request that queued the job (the producer adds it), if it looks like one. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const requestIdOf = (job: Job): string | undefined => {
  const id = (job.data as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === 'string' && REQUEST_ID.test(id) ? id : undefined;
};

/**
 * A job still running after this long is marked running in job_run (its own short transaction); a
 * shorter one goes from queued to completed in its one transaction. Reporting progress marks it at once.
 */
const MARK_RUNNING_AFTER_MS = 250;

/** BullMQ stores 0 when a job was added without `attempts`: it still runs once. */
const attemptsOf = (job: Job) => Math.max(1, job.opts.attempts ?? 1);

/** Thrown inside the job's transaction to roll it back when another attempt completed the run first. */
class AlreadyCompleted extends Error {}

/** The period a run covers: the payload's, else the one before the due moment (scheduled jobs). */
function periodOf(handler: Handler, job: Job, timezone: string): string | null {
  const given = (job.data as JobData).period;
  if (typeof given === 'string' && PERIOD.test(given)) return given;
  if (handler.kind !== 'job' || !handler.def.schedule?.period) return null;
  // A scheduled firing's id holds its due moment; a job queued by hand covers the period before it was queued.
  const due = dueFromJobId(job.id) ?? new Date(job.timestamp);
  return previousPeriod(handler.def.schedule.period, due, timezone);
}

interface Admission {
  status: string;
  timezone: string;
  on: boolean;
  /** The run's row, if it has one yet (made at enqueue, or by an earlier attempt). */
  runId: string | null;
  runState: RunState | null;
}

/** The tenant's status and zone, whether the plugin is on for it, and the run's row: one read, no lock. */
async function admission(
  tx: Tx,
  pluginId: string,
  platform: boolean,
  queueJobId: string,
): Promise<Admission | null> {
  const [t] = await tx.query<Admission>(
    `select t.status, t.timezone, ?::boolean or coalesce((select m.enabled from tenant_module m
       where m.tenant_id = t.id and m.module_id = ?), false) as on, r.id as "runId", r.state as "runState"
     from tenant t left join job_run r on r.tenant_id = t.id and r.plugin = ? and r.queue_job_id = ?
     where t.id = ?`,
    [platform, pluginId, pluginId, queueJobId, tx.tenantId],
    { prepare: true },
  );
  return t ?? null;
}

/**
 * An event delivery: records (outbox id, plugin) in the handler's transaction first; when the row is
 * already there the event was handled by an earlier delivery that committed, and this one does nothing.
 */
async function deliver(
  tx: Tx,
  ctx: JobContext,
  pluginId: string,
  handler: Extract<Handler, { kind: 'event' }>,
) {
  const outboxId = (ctx.data as { outboxId?: unknown }).outboxId;
  if (!isUuid(outboxId)) throw new UnrecoverableError('event delivery without an outbox id');
  const fresh = await tx.query(
    `insert into event_delivery (tenant_id, outbox_id, plugin) values (?, ?, ?)
     on conflict do nothing returning outbox_id`,
    [tx.tenantId, outboxId, pluginId],
    { prepare: true },
  );
  if (!fresh.length) return;
  const [event] = await tx.query<{ payload: object }>(
    'select payload from event_outbox where tenant_id = ? and id = ?',
    [tx.tenantId, outboxId],
  );
  if (!event) throw new UnrecoverableError('the event is not in the outbox');
  const data = { ...ctx.data, event: handler.type, outboxId, payload: event.payload };
  for (const s of handler.subscriptions) await s.handle({ ...ctx, data });
}

/**
 * The processor of every plugin queue. One tenant transaction (RLS set) does it all: refuses the run
 * for a suspended tenant or a disabled module (recorded as skipped; the queue job completes, so it is
 * not retried for ever), skips a run an earlier attempt completed, runs the plugin's code, and records
 * the run completed — the work and its record commit together. A failure rolls the work back, is
 * recorded with its message only, and goes back to BullMQ, which retries with backoff.
 */
export function tenantJobProcessor(rt: TenantJobRuntime, pluginId: string) {
  const run = attemptRunner(rt, pluginId);
  // The job runs in its request's context: a job it queues carries the same request id on.
  return (job: Job): Promise<void> => {
    const requestId = requestIdOf(job);
    return requestId ? runWithRequestContext({ requestId }, () => run(job)) : run(job);
  };
}

/** One attempt of one job, timed: its outcome goes to the metrics and to one log line. */
function attemptRunner(rt: TenantJobRuntime, pluginId: string) {
  const queue = queueName(pluginId);
  return async (job: Job): Promise<void> => {
    const started = performance.now();
    let outcome: JobOutcome = 'completed';
    const seconds = () => (performance.now() - started) / 1000;
    const refuse = (message: string): never => {
      rt.metrics?.observe(queue, job.name, seconds(), 'failed', true);
      throw new UnrecoverableError(message);
    };
    const handler = resolveHandler(rt.host, pluginId, job.name);
    const platform = isPlatformOwner(rt.host, pluginId);
    if (!handler) return refuse(`no handler for ${pluginId}/${job.name}`);
    const data = job.data as JobData;
    if (!isUuid(data?.tenantId)) return refuse('job payload has no tenant id');
    const tenantId = data.tenantId;
    // Starts count (after a stall too), so a run killed mid-way shows its second attempt.
    const a: Attempt = {
      runId: randomUUID(),
      attempt: Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1),
      startedAt: new Date(),
    };
    const attempt = job.attemptsMade + 1;
    const key: RunKey = {
      plugin: pluginId,
      job: job.name,
      queueJobId: String(job.id),
      period: null,
      maxAttempts: attemptsOf(job),
      payload: data,
    };
    const requestId = requestIdOf(job);
    const log = childLogger(rt.log, {
      tenantId,
      queue,
      plugin: pluginId,
      job: job.name,
      queueJobId: job.id,
      attempt,
      ...(requestId ? { requestId } : {}),
    });

    let marked: Promise<void> | undefined;
    const markOnce = () => {
      marked ??= rt.db
        .withTenant(tenantId, (tx) => markRunning(tx, key, a))
        .catch((e: Error) => log.warn({ err: e.message }, 'could not mark the run running'));
      return marked;
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await rt.db.withTenant(tenantId, async (tx) => {
        const t = await admission(tx, pluginId, platform, key.queueJobId);
        if (!t) {
          log.warn({}, 'job for an unknown tenant dropped');
          outcome = 'skipped';
          return;
        }
        key.period = periodOf(handler, job, t.timezone);
        const refusal = !((handler.kind === 'job' && handler.def.tenantStates) || ['active']).includes(
          t.status as TenantState,
        )
          ? `tenant ${t.status}`
          : !t.on
            ? 'module disabled for this tenant'
            : null;
        if (refusal) {
          await finishRun(tx, key, a, 'skipped', refusal);
          outcome = 'skipped';
          return;
        }
        const run = t.runId ? { id: t.runId, state: t.runState } : await runRow(tx, key, a);
        if (run.state === 'completed') {
          outcome = 'skipped';
          return;
        }
        // ctx.runId is the job_run row's id, whoever made the row.
        a.runId = run.id;
        timer = setTimeout(markOnce, MARK_RUNNING_AFTER_MS);
        const ctx: JobContext = {
          tenantId,
          data,
          period: key.period,
          runId: a.runId,
          attempt,
          tx,
          db: rt.db,
          progress: async (percent) => {
            const p = Math.max(0, Math.min(100, Math.round(percent)));
            await markOnce();
            // Its own transaction: the job's may run for minutes and commits only at the end.
            await rt.db.withTenant(tenantId, (ptx) => setProgress(ptx, key, p));
            await job.updateProgress(p);
          },
          inLanes: (items, maxLanes, work) => inLanes(items, maxLanes, work, rt.slots),
          services: rt.services,
          events: outboxPublisher,
          log,
          settings: <S>() => rt.settings(tx, pluginId) as Promise<S>,
        };
        if (handler.kind === 'job') await handler.def.process(ctx);
        else await deliver(tx, ctx, pluginId, handler);
        clearTimeout(timer);
        if (!(await finishRun(tx, key, a, 'completed'))) throw new AlreadyCompleted();
      });
      rt.metrics?.observe(queue, job.name, seconds(), outcome);
      log.info({ outcome, ms: Math.round(seconds() * 1000) }, `job ${outcome}`);
    } catch (err) {
      clearTimeout(timer);
      if (err instanceof AlreadyCompleted) {
        rt.metrics?.observe(queue, job.name, seconds(), 'skipped');
        log.info({ outcome: 'skipped', ms: Math.round(seconds() * 1000) }, 'job skipped');
        return;
      }
      const summary = errorSummary(err);
      // Bad input (an AppError below 500: a malformed period, an unknown subject) never gets better
      // with a retry: fail the run at once, like BullMQ's own UnrecoverableError.
      const hopeless = err instanceof UnrecoverableError || (err instanceof AppError && err.statusCode < 500);
      const final = hopeless || attempt >= attemptsOf(job);
      await marked;
      await rt.db
        .withTenant(tenantId, (tx) => failRun(tx, key, a, summary, final))
        .catch((e: Error) => log.error({ err: e.message }, 'could not record the failure'));
      rt.metrics?.observe(queue, job.name, seconds(), 'failed', final);
      log.warn({ err: summary, final, outcome: 'failed', ms: Math.round(seconds() * 1000) }, 'job failed');
      // The queue keeps the message only: its store is not the place for stack traces either.
      const clean = hopeless ? new UnrecoverableError(summary) : new Error(summary);
      clean.stack = summary;
      throw clean;
    } finally {
      clearTimeout(timer);
      // A late mark finds the run completed and changes nothing; wait for it so no transaction dangles.
      await marked;
    }
  };
}

function childLogger(base: JobLogger, fields: object): JobLogger {
  return {
    info: (obj, msg) => base.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => base.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => base.error({ ...fields, ...obj }, msg),
  };
}
