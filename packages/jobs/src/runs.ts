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

/** One attempt at a run: the row's id (or the one it gets if it is new), its number and start. */
export interface Attempt {
  runId: string;
  attempt: number;
  startedAt: Date;
}

const COLUMNS =
  'tenant_id, id, plugin, job, queue_job_id, period, max_attempts, payload, attempts, started_at';
const VALUES = '?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?';

const values = (tx: Tx, k: RunKey, a: Attempt) => [
  tx.tenantId,
  a.runId,
  k.plugin,
  k.job,
  k.queueJobId,
  k.period,
  k.maxAttempts,
  JSON.stringify(k.payload),
  a.attempt,
  a.startedAt,
];

/** At enqueue: a row the job centre shows before a worker takes the job (an existing row stays). */
export async function recordQueued(tx: Tx, k: RunKey): Promise<void> {
  await tx.query(
    `insert into job_run (tenant_id, plugin, job, queue_job_id, period, max_attempts, payload, state)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, 'queued')
     on conflict (tenant_id, plugin, queue_job_id) do nothing`,
    [tx.tenantId, k.plugin, k.job, k.queueJobId, k.period, k.maxAttempts, JSON.stringify(k.payload)],
    { prepare: true },
  );
}

/**
 * The run's row when the admission read saw none: a scheduler's firing (no row yet), or a job whose
 * enqueueing transaction has not committed (the job reached the queue first). The insert waits on that
 * transaction's uncommitted row; once it commits, the row it made is the run's.
 */
export async function runRow(tx: Tx, k: RunKey, a: Attempt): Promise<{ id: string; state: RunState }> {
  const [mine] = await tx.query<{ id: string }>(
    `insert into job_run (tenant_id, id, plugin, job, queue_job_id, period, max_attempts, payload, state)
     values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, 'queued')
     on conflict (tenant_id, plugin, queue_job_id) do nothing returning id`,
    [tx.tenantId, a.runId, k.plugin, k.job, k.queueJobId, k.period, k.maxAttempts, JSON.stringify(k.payload)],
  );
  if (mine) return { id: mine.id, state: 'queued' };
  const [theirs] = await tx.query<{ id: string; state: RunState }>(
    `select id, state from job_run where tenant_id = ? and plugin = ? and queue_job_id = ?`,
    [tx.tenantId, k.plugin, k.queueJobId],
  );
  return theirs!;
}

/**
 * In a short transaction of its own, once a job has run for a moment or reports progress: the job
 * centre sees it running. Never turns a completed run back.
 */
export async function markRunning(tx: Tx, k: RunKey, a: Attempt): Promise<void> {
  await tx.query(
    `insert into job_run (${COLUMNS}, state) values (${VALUES}, 'running')
     on conflict (tenant_id, plugin, queue_job_id) do update set
       state = 'running', attempts = excluded.attempts, started_at = excluded.started_at, progress = 0,
       period = excluded.period, error = null, finished_at = null, updated_at = now()
     where job_run.state <> 'completed'`,
    values(tx, k, a),
  );
}

/**
 * The end of an attempt: completed (in the job's own transaction, so the record commits exactly with
 * the work) or skipped. False when another attempt completed the run first: the caller must roll back,
 * so a queue job's work commits at most once even if two workers ran it at the same time.
 */
export async function finishRun(
  tx: Tx,
  k: RunKey,
  a: Attempt,
  state: 'completed' | 'skipped',
  reason: string | null = null,
): Promise<boolean> {
  const rows = await tx.query(
    `insert into job_run (${COLUMNS}, state, error, progress, finished_at) values (${VALUES}, ?, ?, ?, now())
     on conflict (tenant_id, plugin, queue_job_id) do update set
       state = excluded.state, attempts = excluded.attempts, started_at = excluded.started_at,
       period = excluded.period, error = excluded.error,
       progress = case when excluded.state = 'completed' then 100 else job_run.progress end,
       finished_at = now(), updated_at = now()
     where job_run.state <> 'completed'
     returning 1`,
    [...values(tx, k, a), state, reason, state === 'completed' ? 100 : 0],
    { prepare: true },
  );
  return rows.length > 0;
}

/** After the job's transaction rolled back: failed for good, or queued again for the next attempt. */
export async function failRun(tx: Tx, k: RunKey, a: Attempt, error: string, final: boolean): Promise<void> {
  await tx.query(
    `insert into job_run (${COLUMNS}, state, error, finished_at) values (${VALUES}, ?, ?, ?)
     on conflict (tenant_id, plugin, queue_job_id) do update set
       state = excluded.state, attempts = excluded.attempts, started_at = excluded.started_at,
       period = excluded.period, error = excluded.error, finished_at = excluded.finished_at, updated_at = now()
     where job_run.state <> 'completed'`,
    [...values(tx, k, a), final ? 'failed' : 'queued', error, final ? new Date() : null],
  );
}

export async function setProgress(tx: Tx, k: RunKey, percent: number): Promise<void> {
  await tx.query(
    `update job_run set progress = ?, updated_at = now()
     where tenant_id = ? and plugin = ? and queue_job_id = ? and state = 'running'`,
    [percent, tx.tenantId, k.plugin, k.queueJobId],
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
