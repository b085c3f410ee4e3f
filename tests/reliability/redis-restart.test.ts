/**
 * Redis restarted under a running worker, on a Redis of this test's own (the run's shared one is not
 * ours to stop): jobs in flight finish once — none lost, none doubled — and when Redis comes back
 * empty, the running worker rebuilds the schedules by itself.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '@civicgrid/db';
import { createJobClient, type JobClient } from '@civicgrid/jobs';
import { redisAnswers } from '@civicgrid/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobTestHost, schedPlugin, workPlugin } from '../support/job-plugins.ts';
import {
  exitOf,
  jobTenant,
  openJobTestDatabase,
  rawQueue,
  rowsOf,
  runIn,
  runReaches,
  setModule,
  spawnTestWorker,
  type TestBackend,
  waitFor,
} from '../support/jobs.ts';
import { freePort } from '../support/server.ts';

const ENTRY = fileURLToPath(new URL('../support/job-worker-entry.ts', import.meta.url));

let dir: string;
let port: number;
let redis: ChildProcess | undefined;
let db: Database;
let backend: TestBackend;
let client: JobClient;
let worker: ChildProcess | undefined;
const tenants: string[] = [];

/** A Redis as the compose file runs it: append-only file, every write synced, no eviction. */
async function startRedis() {
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'].concat([
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ]),
    { stdio: 'ignore' },
  );
  await waitFor('redis to answer', () => redisAnswers(`redis://127.0.0.1:${port}`));
}

async function stopRedis() {
  const exited = exitOf(redis!);
  redis!.kill('SIGTERM'); // a clean restart: Redis writes its append-only file out and exits
  await exited;
}

beforeAll(async () => {
  if (spawnSync('redis-server', ['--version']).status !== 0)
    throw new Error('redis-server is not installed: this test restarts a Redis of its own');
  dir = await mkdtemp(join(tmpdir(), 'cg-redis-restart-'));
  port = await freePort();
  await startRedis();
  db = await openJobTestDatabase();
  backend = {
    kind: 'redis',
    cfg: { kind: 'redis', url: `redis://127.0.0.1:${port}/0` },
    prefix: '{rr}',
    drop: async () => {},
  };
  client = createJobClient({
    host: jobTestHost([workPlugin, schedPlugin]),
    db,
    backend: backend.cfg,
    prefix: backend.prefix,
  });
  for (let i = 0; i < 4; i++) tenants.push(await jobTenant(db, ['jt-work', 'jt-sched'], { subjects: 20 }));
  worker = await spawnTestWorker(ENTRY, backend, { env: { JT_SCHEDULES: 'true' } });
}, 120_000);

afterAll(async () => {
  // Off again, so other files' reconcilers leave these tenants alone.
  for (const id of tenants) await setModule(db, id, 'jt-sched', false);
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await client?.close();
  if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

const resultOf = (tenantId: string, period: string) =>
  rowsOf(
    db,
    tenantId,
    `select r.subjects, (select count(*)::int from jt_deduction d where d.period = r.period) as deductions
     from jt_result r where r.period = '${period}'`,
  );

const schedulerKeys = async () => {
  const raw = rawQueue(backend, 'jt-sched');
  try {
    return new Set((await raw.queue.getJobSchedulers()).map((s) => s.key));
  } finally {
    await raw.close();
  }
};
const mineScheduled = async () => {
  const keys = await schedulerKeys();
  return tenants.filter((t) => keys.has(`jt-sched-tick-${t}`)).length;
};

describe('Redis restarted under a running worker', () => {
  it('finishes every job in flight exactly once', async () => {
    const period = '2026-05';
    const jobs = await Promise.all(
      tenants.map((tenantId) => client.enqueue('jt-work', 'assess', { tenantId, period, stepMs: 100 })),
    );
    await waitFor('a job to be running', async () =>
      (await Promise.all(tenants.map((t, i) => runIn(db, t, jobs[i]!)))).some((r) => r?.state === 'running'),
    );
    await stopRedis();
    await new Promise((r) => setTimeout(r, 2_000));
    await startRedis();
    for (const [i, t] of tenants.entries()) {
      const run = await runReaches(db, t, jobs[i]!, 'completed', 'failed');
      expect(run.state, `tenant ${i}`).toBe('completed');
      // Exactly the undisturbed result: every subject assessed once, no deduction written twice.
      expect(await resultOf(t, period), `tenant ${i}`).toEqual([{ subjects: 20, deductions: 20 }]);
    }
    expect(await mineScheduled()).toBe(tenants.length);
  }, 120_000);

  it('comes back empty: the running worker rebuilds the schedules from the database', async () => {
    expect(await mineScheduled()).toBe(tenants.length);
    await stopRedis();
    await rm(join(dir, 'appendonlydir'), { recursive: true, force: true });
    await startRedis();
    const r = new Redis(backend.cfg.url);
    expect(await r.dbsize()).toBeLessThan(5); // nothing of the queues survived
    r.disconnect();
    await waitFor(
      'the schedules to be rebuilt',
      async () => (await mineScheduled()) === tenants.length,
      30_000,
    );
    // The worker took jobs again all along: a new one runs.
    const job = await client.enqueue('jt-work', 'assess', { tenantId: tenants[0]!, period: '2026-06' });
    expect((await runReaches(db, tenants[0]!, job, 'completed', 'failed')).state).toBe('completed');
  }, 120_000);
});
