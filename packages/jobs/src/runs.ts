import type { Tx } from '@civicgrid/db';

export type RunState = 'queued' | 'running' | 'completed' | 'failed' | 'skipped';

/** What names a run: the queue's job in a plugin's queue, for one tenant. */
export interface RunKey {
  plugin: string;
  job: string;
  queueJobId: string;
  period: string | null;
  maxAttempts: number;
  payload: Record<string, unknown>;
}

const params = (tx: Tx, k: RunKey) => [
  tx.tenantId,
  k.plugin,
  k.job,
  k.queueJobId,
  k.period,
  k.maxAttempts,
  JSON.stringify(k.payload),
];

/** At enqueue: a row the job centre shows before a worker takes the job (a running row stays as it is). */
export async function recordQueued(tx: Tx, k: RunKey): Promise<void> {
  await tx.query(
    `insert into job_run (tenant_id, plugin, job, queue_job_id, period, max_attempts, payload, state)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, 'queued')
     on conflict (tenant_id, plugin, queue_job_id) do nothing`,
    params(tx, k),
    { prepare: true },
  );
}

/**
 * A worker took the job: the row (made at enqueue, or now for a scheduled firing or an event delivery)
 * turns running. Null when the run already completed: the queue lost track of a finished job (a
 * worker died between commit and acknowledgement, or the job was queued again under its id), and it
 * must not run twice.
 */
export async function startRun(tx: Tx, k: RunKey, attempt: number): Promise<string | null> {
  const [row] = await tx.query<{ id: string }>(
    `insert into job_run (tenant_id, plugin, job, queue_job_id, period, max_attempts, payload, state,
       attempts, started_at)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, 'running', ?, now())
     on conflict (tenant_id, plugin, queue_job_id) do update set
       state = 'running', attempts = excluded.attempts, period = excluded.period, progress = 0,
       max_attempts = excluded.max_attempts, started_at = now(), finished_at = null, updated_at = now()
     where job_run.state <> 'completed'
     returning id`,
    [...params(tx, k), attempt],
    { prepare: true },
  );
  return row?.id ?? null;
}

/** Refused before it ran (tenant suspended, module disabled): done, not failed, and never retried. */
export async function skipRun(tx: Tx, k: RunKey, reason: string): Promise<void> {
  await tx.query(
    `insert into job_run (tenant_id, plugin, job, queue_job_id, period, max_attempts, payload, state,
       error, finished_at)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, 'skipped', ?, now())
     on conflict (tenant_id, plugin, queue_job_id) do update set
       state = 'skipped', error = excluded.error, finished_at = now(), updated_at = now()
     where job_run.state <> 'completed'`,
    [...params(tx, k), reason],
  );
}

/** In the job's own transaction: the run is completed exactly when its work commits. */
export async function completeRun(tx: Tx, runId: string): Promise<void> {
  await tx.query(
    `update job_run set state = 'completed', progress = 100, error = null, finished_at = now(),
       updated_at = now() where tenant_id = ? and id = ?`,
    [tx.tenantId, runId],
    { prepare: true },
  );
}

/** After the job's transaction rolled back: failed for good, or queued again for the next attempt. */
export async function failRun(tx: Tx, runId: string, error: string, final: boolean): Promise<void> {
  await tx.query(
    `update job_run set state = ?, error = ?, finished_at = case when ? then now() end, updated_at = now()
     where tenant_id = ? and id = ?`,
    [final ? 'failed' : 'queued', error, final, tx.tenantId, runId],
  );
}

export async function setProgress(tx: Tx, runId: string, percent: number): Promise<void> {
  await tx.query(
    `update job_run set progress = ?, updated_at = now() where tenant_id = ? and id = ? and state = 'running'`,
    [percent, tx.tenantId, runId],
    { prepare: true },
  );
}

/**
 * The message only, on one line and short: users see it in the job centre, so no stack trace and no
 * driver detail (PostgreSQL's `detail` can quote row values; its message names the constraint only).
 */
export function errorSummary(err: unknown): string {
  const msg = err instanceof Error ? err.message : typeof err === 'string' ? err : 'job failed';
  const line = msg.replace(/\s+/g, ' ').trim() || 'job failed';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
