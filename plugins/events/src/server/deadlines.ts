import type { Tx } from '@civicgrid/db';
import type { EventPublisher, JobEnqueuer } from '@civicgrid/kernel';
import { clock } from './clock.ts';

/** What the workflow needs from the process it runs in (the API's deps, or the worker's). */
export interface Runtime {
  jobs: JobEnqueuer;
  events: EventPublisher;
}

export type DeadlineStage = 'accept' | 'dispatch' | 'handle' | 'feedback' | 'report-in';

/** Deterministic: one queue job per (deadline, version), so re-queueing the same version adds nothing. */
export const deadlineJobId = (id: string, version: number) => `dl-${id}-v${version}`;

/**
 * Queues the delayed job that fires when the deadline is due. A queue that cannot be reached does not
 * fail the transition: the deadline row is the truth and the minutely sweep fires what no job did.
 */
export async function scheduleDeadline(
  rt: Runtime,
  tenantId: string,
  d: { id: string; version: number; dueAt: Date },
) {
  const delayMs = Math.max(0, d.dueAt.getTime() - clock.now().getTime());
  await rt.jobs
    .enqueue(
      'events',
      'deadline',
      { tenantId, deadlineId: d.id, version: d.version },
      { jobId: deadlineJobId(d.id, d.version), delayMs },
    )
    .catch(() => undefined);
}

export async function openDeadline(
  tx: Tx,
  rt: Runtime,
  d: { eventId: string; stage: DeadlineStage; dueAt: Date; whistleId?: string },
) {
  const [row] = await tx.query<{ id: string; version: number }>(
    `insert into events_deadline (tenant_id, event_id, whistle_id, stage, due_at) values (?, ?, ?, ?, ?)
     returning id, version`,
    [tx.tenantId, d.eventId, d.whistleId ?? null, d.stage, d.dueAt],
  );
  await scheduleDeadline(rt, tx.tenantId!, { id: row!.id, version: row!.version, dueAt: d.dueAt });
  return row!.id;
}

/** The event's own open deadlines are done (the stage moved on); their jobs will find nothing to do. */
export async function closeOpenDeadlines(tx: Tx, eventId: string, at: Date, whistleId?: string) {
  await tx.query(
    `update events_deadline set done_at = ? where tenant_id = ? and event_id = ? and done_at is null
        and ${whistleId ? 'whistle_id = ?' : 'whistle_id is null'}`,
    [at, tx.tenantId, eventId, ...(whistleId ? [whistleId] : [])],
  );
}

/** The event's current open stage deadline (not a whistle's), locked. */
export async function currentDeadline(tx: Tx, eventId: string) {
  const [row] = await tx.query<{ id: string; stage: DeadlineStage; dueAt: Date; version: number }>(
    `select id, stage, due_at as "dueAt", version from events_deadline
      where tenant_id = ? and event_id = ? and whistle_id is null and done_at is null and fired_at is null
      order by due_at limit 1 for update`,
    [tx.tenantId, eventId],
  );
  return row ?? null;
}
