import { type Database, isUuid, type Tx } from '@civicgrid/db';
import type { JobContext, JobData, JobLogger, PluginHost, ServiceLocator } from '@civicgrid/kernel';
import { type Job, UnrecoverableError } from 'bullmq';
import { dueFromJobId } from './naming.ts';
import { outboxPublisher } from './outbox.ts';
import { PERIOD, previousPeriod } from './period.ts';
import { type Handler, resolveHandler } from './registry.ts';
import { completeRun, errorSummary, failRun, type RunKey, setProgress, skipRun, startRun } from './runs.ts';

export interface TenantJobRuntime {
  host: PluginHost;
  db: Database;
  services: ServiceLocator;
  log: JobLogger;
}

/** BullMQ stores 0 when a job was added without `attempts`: it still runs once. */
const attemptsOf = (job: Job) => Math.max(1, job.opts.attempts ?? 1);

interface Admission {
  runId: string;
  period: string | null;
}

/** The period a run covers: the payload's, else the one before the due moment (scheduled jobs). */
function periodOf(handler: Handler, job: Job, timezone: string): string | null {
  const given = (job.data as JobData).period;
  if (typeof given === 'string' && PERIOD.test(given)) return given;
  if (handler.kind !== 'job' || !handler.def.schedule?.period) return null;
  // A scheduled firing's id holds its due moment; a job queued by hand covers the period before it was queued.
  const due = dueFromJobId(job.id) ?? new Date(job.timestamp);
  return previousPeriod(handler.def.schedule.period, due, timezone);
}

/**
 * Before the processor, in a short tenant transaction: refuses a run for a suspended tenant or a
 * disabled module (recorded as skipped; the queue job completes, so it is not retried for ever), and
 * marks the run running so the job centre sees it while it goes.
 */
async function admit(
  rt: TenantJobRuntime,
  pluginId: string,
  handler: Handler,
  job: Job,
  tenantId: string,
): Promise<Admission | null> {
  return rt.db.withTenant(tenantId, async (tx) => {
    const [t] = await tx.query<{ status: string; timezone: string; on: boolean }>(
      `select t.status, t.timezone, coalesce((select m.enabled from tenant_module m
         where m.tenant_id = t.id and m.module_id = ?), false) as on
       from tenant t where t.id = ?`,
      [pluginId, tenantId],
      { prepare: true },
    );
    if (!t) {
      rt.log.warn({ tenantId, plugin: pluginId, job: job.name }, 'job for an unknown tenant dropped');
      return null;
    }
    const period = periodOf(handler, job, t.timezone);
    const key: RunKey = {
      plugin: pluginId,
      job: job.name,
      queueJobId: String(job.id),
      period,
      maxAttempts: attemptsOf(job),
      payload: job.data as Record<string, unknown>,
    };
    if (t.status !== 'active') {
      await skipRun(tx, key, 'tenant suspended');
      return null;
    }
    if (!t.on) {
      await skipRun(tx, key, 'module disabled for this tenant');
      return null;
    }
    // Starts (after a stall too) count, so a run killed mid-way shows its second attempt.
    const attempt = Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1);
    const runId = await startRun(tx, key, attempt);
    return runId ? { runId, period } : null;
  });
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
 * The processor of every plugin queue: checks the payload's tenant, admits the run, then runs the
 * plugin's code in one tenant transaction (RLS set) that also marks the run completed: the work and
 * its record commit together. A failure rolls the work back, is recorded with its message only, and
 * goes back to BullMQ, which retries with backoff until the attempts are spent.
 */
export function tenantJobProcessor(rt: TenantJobRuntime, pluginId: string) {
  return async (job: Job): Promise<void> => {
    const handler = resolveHandler(rt.host, pluginId, job.name);
    if (!handler) throw new UnrecoverableError(`no handler for ${pluginId}/${job.name}`);
    const data = job.data as JobData;
    if (!isUuid(data?.tenantId)) throw new UnrecoverableError('job payload has no tenant id');
    const tenantId = data.tenantId;
    const admitted = await admit(rt, pluginId, handler, job, tenantId);
    if (!admitted) return;
    const { runId, period } = admitted;
    const attempt = job.attemptsMade + 1;
    const log = childLogger(rt.log, { tenantId, plugin: pluginId, job: job.name, runId, attempt });
    try {
      await rt.db.withTenant(tenantId, async (tx) => {
        const ctx: JobContext = {
          tenantId,
          data,
          period,
          runId,
          attempt,
          tx,
          progress: async (percent) => {
            const p = Math.max(0, Math.min(100, Math.round(percent)));
            // Its own transaction: the job's may run for minutes and commits only at the end.
            await rt.db.withTenant(tenantId, (ptx) => setProgress(ptx, runId, p));
            await job.updateProgress(p);
          },
          services: rt.services,
          events: outboxPublisher,
          log,
        };
        if (handler.kind === 'job') await handler.def.process(ctx);
        else await deliver(tx, ctx, pluginId, handler);
        await completeRun(tx, runId);
      });
    } catch (err) {
      const summary = errorSummary(err);
      const final = err instanceof UnrecoverableError || attempt >= attemptsOf(job);
      await rt.db
        .withTenant(tenantId, (tx) => failRun(tx, runId, summary, final))
        .catch((e: Error) => log.error({ err: e.message }, 'could not record the failure'));
      log.warn({ err: summary, final }, 'job failed');
      // The queue keeps the message only: its store is not the place for stack traces either.
      const clean = err instanceof UnrecoverableError ? new UnrecoverableError(summary) : new Error(summary);
      clean.stack = summary;
      throw clean;
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
