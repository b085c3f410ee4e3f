import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database } from '@civicgrid/db';
import { createJobClient, type JobClient } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobTestHost, workPlugin } from '../support/job-plugins.ts';
import {
  BACKENDS,
  exitOf,
  jobTenant,
  openJobTestDatabase,
  rowsOf,
  runIn,
  runReaches,
  spawnTestWorker,
  type TestBackend,
  testBackend,
  waitFor,
} from '../support/jobs.ts';

const ENTRY = fileURLToPath(new URL('../support/job-worker-entry.ts', import.meta.url));
const host = jobTestHost([workPlugin]);

const spawnWorker = (backend: TestBackend) => spawnTestWorker(ENTRY, backend);

const resultOf = (db: Database, tenantId: string, period: string) =>
  rowsOf(
    db,
    tenantId,
    `select r.subjects, r.points, (select count(*)::int from jt_deduction d where d.period = r.period) as deductions
     from jt_result r where r.period = '${period}'`,
  );

describe.each(BACKENDS)('worker crashes on %s', (kind) => {
  let db: Database;
  let backend: TestBackend;
  let client: JobClient;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await openJobTestDatabase();
    backend = await testBackend(kind, 'crash');
    client = createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await client?.close();
    await backend?.drop();
    await db?.close();
  });

  const worker = async () => {
    const c = await spawnWorker(backend);
    children.push(c);
    return c;
  };

  it('a job whose worker is killed (SIGKILL) mid-way is finished by another, as if undisturbed', async () => {
    const period = '2026-08';
    const [killed, calm] = [
      await jobTenant(db, ['jt-work'], { subjects: 30 }),
      await jobTenant(db, ['jt-work'], { subjects: 30 }),
    ];
    const first = await worker();
    const jobId = await client.enqueue('jt-work', 'assess', { tenantId: killed, period, stepMs: 150 });
    await waitFor('the job to be half-way', async () => {
      const r = await runIn(db, killed, jobId);
      return r?.state === 'running' && r.progress > 0;
    });
    first.kill('SIGKILL');
    expect((await exitOf(first)).signal).toBe('SIGKILL');
    // Its transaction died with it: nothing of the half-done work is there.
    expect(await resultOf(db, killed, period)).toEqual([]);

    await worker();
    const run = await runReaches(db, killed, jobId, 'completed', 'failed');
    expect(run.state).toBe('completed');
    expect(run.attempts).toBeGreaterThanOrEqual(2);

    const calmJob = await client.enqueue('jt-work', 'assess', { tenantId: calm, period });
    await runReaches(db, calm, calmJob, 'completed');
    const undisturbed = await resultOf(db, calm, period);
    expect(undisturbed).toEqual([{ subjects: 30, points: expect.any(Number), deductions: 30 }]);
    expect(await resultOf(db, killed, period)).toEqual(undisturbed);
  }, 90_000); // two worker processes start (tsx) and a stall must be noticed: slow when the cores are busy

  it('SIGTERM lets the running job finish, then the worker exits 0', async () => {
    const tenant = await jobTenant(db, ['jt-work'], { subjects: 15 });
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const w = await worker();
    const jobId = await client.enqueue('jt-work', 'assess', {
      tenantId: tenant,
      period: '2026-07',
      stepMs: 200,
    });
    await waitFor('the job to run', async () => (await runIn(db, tenant, jobId))?.state === 'running');
    w.kill('SIGTERM');
    expect(await exitOf(w)).toEqual({ code: 0, signal: null });
    expect((await runIn(db, tenant, jobId))?.state).toBe('completed');
    expect(await resultOf(db, tenant, '2026-07')).toEqual([
      { subjects: 15, points: expect.any(Number), deductions: 15 },
    ]);
  });
});
