import type { Database } from '@civicgrid/db';
import { createJobClient, type JobClient, type RunningWorker, startWorker } from '@civicgrid/jobs';
import { saveModule } from '@civicgrid/tenancy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobTestHost, workPlugin } from '../support/job-plugins.ts';
import {
  asOwner,
  BACKENDS,
  jobTenant,
  openJobTestDatabase,
  rawQueue,
  rowsOf,
  runIn,
  runReaches,
  runsOf,
  setModule,
  setTenantStatus,
  type TestBackend,
  testBackend,
  waitFor,
} from '../support/jobs.ts';

const host = jobTestHost([workPlugin]);

describe.each(BACKENDS)('jobs on %s', (kind) => {
  let db: Database;
  let backend: TestBackend;
  let client: JobClient;
  let worker: RunningWorker;
  let a: string;
  let b: string;

  beforeAll(async () => {
    db = await openJobTestDatabase();
    backend = await testBackend(kind, 'jobs');
    const opts = { host, db, backend: backend.cfg, prefix: backend.prefix };
    client = createJobClient(opts);
    worker = await startWorker({ ...opts, concurrency: 4 });
    a = await jobTenant(db, ['jt-work'], { subjects: 12 });
    b = await jobTenant(db, ['jt-work'], { subjects: 7 });
  });
  afterAll(async () => {
    await worker?.close();
    await client?.close();
    await backend?.drop();
    await db?.close();
  });

  it("runs in the tenant's transaction: raw SQL sees that tenant's rows only", async () => {
    const jobId = await client.enqueue('jt-work', 'peek', { tenantId: a, probe: b });
    const run = await runReaches(db, a, jobId, 'completed', 'failed');
    expect(run.state).toBe('completed');
    const [seen] = await rowsOf<{ own_rows: number; other_rows: number; tenants_seen: number }>(
      db,
      a,
      `select own_rows, other_rows, tenants_seen from jt_observation where run_id = '${run.id}'`,
    );
    expect(seen).toEqual({ own_rows: 12, other_rows: 0, tenants_seen: 1 });
  });

  it("reads the tenant's settings for its plugin, with the schema's defaults", async () => {
    const weight = async () => {
      const run = await runReaches(
        db,
        a,
        await client.enqueue('jt-work', 'weigh', { tenantId: a }),
        'completed',
        'failed',
      );
      const [seen] = await rowsOf<{ own_rows: number }>(
        db,
        a,
        `select own_rows from jt_observation where run_id = '${run.id}'`,
      );
      return seen?.own_rows;
    };
    expect(await weight()).toBe(3);
    await db.withTenant(a, (tx) => saveModule(tx, 'jt-work', true, { weight: 5 }));
    expect(await weight()).toBe(5);
    await db.withTenant(a, (tx) => saveModule(tx, 'jt-work', true, {}));
  });

  it('hands the processor the run row’s id even when the job outruns its enqueueing transaction', async () => {
    const jobId = `weigh-race-${kind}`;
    const runId = crypto.randomUUID();
    const raw = rawQueue(backend, 'jt-work');
    let commit!: () => void;
    const held = new Promise<void>((r) => (commit = r));
    try {
      // As JobClient.enqueue does, but holding its transaction open after the add.
      const enqueued = db.withTenant(a, async (tx) => {
        await tx.query(
          `insert into job_run (tenant_id, id, plugin, job, queue_job_id, state) values (?, ?, 'jt-work', 'weigh', ?, 'queued')`,
          [a, runId, jobId],
        );
        await raw.queue.add('weigh', { tenantId: a }, { jobId });
        await held;
      });
      await waitFor('the worker to take the job', async () => (await raw.queue.getJob(jobId))?.isActive());
      commit();
      await enqueued;
      const run = await runReaches(db, a, jobId, 'completed', 'failed');
      expect(run).toMatchObject({ id: runId, state: 'completed' });
      expect(await rowsOf(db, a, `select own_rows from jt_observation where run_id = '${runId}'`)).toEqual([
        { own_rows: 3 },
      ]);
    } finally {
      await raw.close();
    }
  });

  it('refuses a job without a tenant uuid, or for an unknown job', async () => {
    await expect(client.enqueue('jt-work', 'peek', { tenantId: 'nope' })).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(client.enqueue('jt-work', 'nope', { tenantId: a })).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(client.enqueue('jt-work', 'peek', { tenantId: a, period: '2026-13' })).rejects.toMatchObject(
      {
        statusCode: 400,
      },
    );
  });

  it('skips the job of a disabled module or a suspended tenant, and runs it again once allowed', async () => {
    await setModule(db, b, 'jt-work', false);
    const off = await client.enqueue('jt-work', 'peek', { tenantId: b });
    expect((await runReaches(db, b, off, 'skipped')).error).toBe('module disabled for this tenant');
    await setModule(db, b, 'jt-work', true);

    await setTenantStatus(db, b, 'suspended');
    const suspended = await client.enqueue('jt-work', 'peek', { tenantId: b });
    expect((await runReaches(db, b, suspended, 'skipped')).error).toBe('tenant suspended');
    await setTenantStatus(db, b, 'active');

    expect(await rowsOf(db, b, 'select 1 from jt_observation')).toHaveLength(0);
    const on = await client.enqueue('jt-work', 'peek', { tenantId: b });
    await runReaches(db, b, on, 'completed');
    expect(await rowsOf(db, b, 'select 1 from jt_observation')).toHaveLength(1);
  });

  it('an assessment run twice for one period ends with the same rows, never doubled', async () => {
    const period = '2026-10';
    const first = await client.enqueue('jt-work', 'assess', { tenantId: a, period });
    await runReaches(db, a, first, 'completed');
    const once = await rowsOf(db, a, `select subjects, points from jt_result where period = '${period}'`);
    const deductions = await rowsOf(
      db,
      a,
      `select count(*)::int as n from jt_deduction where period = '${period}'`,
    );
    const second = await client.enqueue('jt-work', 'assess', { tenantId: a, period });
    const run = await runReaches(db, a, second, 'completed');
    expect(run.period).toBe(period);
    expect(await rowsOf(db, a, `select subjects, points from jt_result where period = '${period}'`)).toEqual(
      once,
    );
    expect(
      await rowsOf(db, a, `select count(*)::int as n from jt_deduction where period = '${period}'`),
    ).toEqual(deductions);
    expect(once).toEqual([
      { subjects: 12, points: [1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5].reduce((x, y) => x + y) },
    ]);
  });

  it('a queue job id never runs twice once it completed, even when the queue forgot it', async () => {
    const jobId = `peek-once-${kind}`;
    await client.enqueue('jt-work', 'peek', { tenantId: b }, { jobId });
    await runReaches(db, b, jobId, 'completed');
    const before = await rowsOf(db, b, 'select 1 from jt_observation');
    // As after a worker died between its commit and the queue's acknowledgement: the queue runs it again.
    const raw = rawQueue(backend, 'jt-work');
    try {
      await raw.queue.remove(jobId);
      await raw.queue.add('peek', { tenantId: b }, { jobId });
      await waitFor('the queue to finish it again', async () =>
        (await raw.queue.getJob(jobId))?.isCompleted(),
      );
    } finally {
      await raw.close();
    }
    expect(await rowsOf(db, b, 'select 1 from jt_observation')).toHaveLength(before.length);
    expect((await runIn(db, b, jobId))?.state).toBe('completed');
  });

  it('shows progress in job_run while the job runs', async () => {
    const jobId = await client.enqueue('jt-work', 'assess', { tenantId: b, period: '2026-09', stepMs: 250 });
    const running = await waitFor('progress while running', async () => {
      const r = await runIn(db, b, jobId);
      return r?.state === 'running' && r.progress > 0 ? r : null;
    });
    expect(running.progress).toBeLessThan(100);
    const done = await runReaches(db, b, jobId, 'completed');
    expect(done.progress).toBe(100);
  });

  it('shows a job that runs a while as running even when it reports no progress', async () => {
    const jobId = await client.enqueue('jt-work', 'wait', { tenantId: b, ms: 1500 });
    const running = await waitFor('the run to show running', async () => {
      const r = await runIn(db, b, jobId);
      return r?.state === 'running' ? r : null;
    });
    expect(running.attempts).toBe(1);
    await runReaches(db, b, jobId, 'completed');
  });

  it('retries with backoff and records the attempts on one row', async () => {
    const jobId = await client.enqueue('jt-work', 'retrying', { tenantId: a });
    const run = await runReaches(db, a, jobId, 'completed', 'failed');
    expect(run).toMatchObject({ state: 'completed', attempts: 3, error: null });
    expect((await runsOf(db, a)).filter((r) => r.queueJobId === jobId)).toHaveLength(1);
  });

  it('records a failure by its message, rolls its work back, and retries it on request', async () => {
    await db.withTenant(a, (tx) => tx.query(`insert into jt_gate (tenant_id, name) values (?, 'fail')`, [a]));
    const jobId = await client.enqueue('jt-work', 'flaky', { tenantId: a });
    const failed = await runReaches(db, a, jobId, 'failed');
    expect(failed.error).toBe('the gate is closed');
    expect(await rowsOf(db, a, `select 1 from jt_observation where run_id = '${failed.id}'`)).toHaveLength(0);

    await expect(db.withTenant(b, (tx) => client.retry(tx, failed.id))).rejects.toMatchObject({
      statusCode: 404,
    });
    await db.withTenant(a, (tx) => tx.query(`delete from jt_gate where tenant_id = ?`, [a]));
    await db.withTenant(a, (tx) => client.retry(tx, failed.id));
    const done = await runReaches(db, a, jobId, 'completed');
    expect(done.id).toBe(failed.id);
    expect(await rowsOf(db, a, `select 1 from jt_observation where run_id = '${failed.id}'`)).toHaveLength(1);
    await expect(db.withTenant(a, (tx) => client.retry(tx, failed.id))).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('answers ping while the backend is up, and survives the server dropping its idle connection', async () => {
    await expect(client.ping()).resolves.toBeUndefined();
    if (kind !== 'postgres') return;
    // As when PostgreSQL restarts or shuts down first: an unheard pool error would crash the API.
    const dropped = await asOwner((c) =>
      c.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and state = 'idle' and query like '%.migration limit 1'`,
      ),
    );
    expect(dropped.rowCount).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    await expect(client.ping()).resolves.toBeUndefined();
  });
});
