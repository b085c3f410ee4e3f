import { randomBytes, randomUUID } from 'node:crypto';
import { type Database, migrate } from '@civicgrid/db';
import { createJobClient, type JobClient, type RunningWorker, startWorker } from '@civicgrid/jobs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApi, openCoreDatabase, pluginHost } from '../../apps/api/src/app.ts';
import { installedPlugins } from '../../apps/api/src/plugins.ts';
import { as, type Client, login } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { jobTestMigrations, workPlugin } from '../support/job-plugins.ts';
import { runReaches, type TestBackend, testBackend, waitFor } from '../support/jobs.ts';

const host = pluginHost([...installedPlugins, workPlugin]);
let db: Database;
let backend: TestBackend;
let jobs: JobClient;
let worker: RunningWorker;
let app: FastifyInstance;
let a: CityFixture;
let b: CityFixture;
const c = {} as Record<'admin' | 'street' | 'inspector' | 'worker' | 'adminB', Client>;
const run = {} as Record<'ok' | 'failed' | 'core' | 'other', string>;

interface RunView {
  id: string;
  plugin: string;
  job: string;
  state: string;
  error: string | null;
}

beforeAll(async () => {
  const { ownerUrl, appUrl } = inject('db');
  await migrate(ownerUrl, [jobTestMigrations]);
  db = await openCoreDatabase(appUrl, 8, host);
  backend = await testBackend('redis', 'runs');
  const opts = { host, db, backend: backend.cfg, prefix: backend.prefix };
  jobs = createJobClient(opts);
  worker = await startWorker({ ...opts, concurrency: 2 });
  app = await createApi(db, {
    plugins: host,
    jobs,
    jwtSecret: randomBytes(32).toString('hex'),
    loginLimits: { perIp: 10_000, perAccount: 10_000 },
  });
  await app.ready();

  [a, b] = [await buildCity(db), await buildCity(db)];
  const client = async (city: CityFixture, user: string) =>
    as(app, (await login(app, city.code, user)).accessToken);
  c.admin = await client(a, 'admin');
  c.street = await client(a, 'streeta');
  c.inspector = await client(a, 'inspector');
  c.worker = await client(a, 'workera1a');
  c.adminB = await client(b, 'admin');

  for (const city of [a, b])
    await db.withTenant(city.tenantId, async (tx) => {
      await tx.query(
        `insert into tenant_module (tenant_id, module_id, enabled) values (?, 'jt-work', true)`,
        [city.tenantId],
      );
      // The tenant admin holds a jt-work permission (no UI can give it: nobody holds it to give).
      await tx.query(
        `update role set permissions = permissions || '{jt-work.result.read}' where tenant_id = ? and key = 'tenant-admin'`,
        [city.tenantId],
      );
      await tx.query(`insert into jt_gate (tenant_id, name) values (?, 'fail')`, [city.tenantId]);
    });
  const ok = await jobs.enqueue('jt-work', 'peek', { tenantId: a.tenantId });
  const failed = await jobs.enqueue('jt-work', 'flaky', { tenantId: a.tenantId });
  const other = await jobs.enqueue('jt-work', 'peek', { tenantId: b.tenantId });
  run.ok = (await runReaches(db, a.tenantId, ok, 'completed')).id;
  run.failed = (await runReaches(db, a.tenantId, failed, 'failed')).id;
  run.other = (await runReaches(db, b.tenantId, other, 'completed')).id;
  run.core = randomUUID();
  await db.withTenant(a.tenantId, (tx) =>
    tx.query(
      `insert into job_run (tenant_id, id, plugin, job, queue_job_id, state, finished_at)
       values (?, ?, 'core', 'cleanup', ?, 'completed', now())`,
      [a.tenantId, run.core, randomUUID()],
    ),
  );
});
afterAll(async () => {
  await app?.close();
  await worker?.close();
  await jobs?.close();
  await backend?.drop();
  await db?.close();
});

const ids = (res: { json(): unknown }) => (res.json() as RunView[]).map((r) => r.id);

describe('the job centre', () => {
  it("lists the tenant's runs newest first, with the total, and a plugin's only to holders of its permissions", async () => {
    const all = await c.admin.get('/job-runs');
    expect(all.statusCode).toBe(200);
    expect(all.headers['x-total-count']).toBe('3');
    expect(ids(all)).toEqual([run.core, run.failed, run.ok]);
    const failed = (all.json() as RunView[]).find((r) => r.id === run.failed)!;
    expect(failed).toMatchObject({
      plugin: 'jt-work',
      job: 'flaky',
      state: 'failed',
      error: 'the gate is closed',
    });

    // core.job.read but no jt-work permission: the core's runs only.
    for (const who of [c.street, c.inspector]) {
      const res = await who.get('/job-runs');
      expect(res.statusCode).toBe(200);
      expect(ids(res)).toEqual([run.core]);
    }
    expect((await c.worker.get('/job-runs')).statusCode).toBe(403);
  });

  it('filters by plugin, job and state, pages and sorts as Refine asks', async () => {
    expect(ids(await c.admin.get('/job-runs?state=failed'))).toEqual([run.failed]);
    expect(ids(await c.admin.get('/job-runs?plugin=core'))).toEqual([run.core]);
    expect(ids(await c.admin.get('/job-runs?plugin=jt-work&job=flaky'))).toEqual([run.failed]);
    const page = await c.admin.get('/job-runs?_start=1&_end=2&_sort=createdAt&_order=desc');
    expect(page.json()).toHaveLength(1);
    expect(ids(page)).toEqual([run.failed]);
    expect(page.headers['x-total-count']).toBe('3');
    expect(ids(await c.admin.get('/job-runs?_sort=job&_order=asc'))).toEqual([run.core, run.failed, run.ok]);
    expect((await c.admin.get('/job-runs?_sort=payload')).statusCode).toBe(400);
    expect((await c.admin.get('/job-runs?state=lost')).statusCode).toBe(400);
  });

  it('shows one run to whoever may see it, and 404 to everyone else', async () => {
    const one = await c.admin.get(`/job-runs/${run.failed}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: run.failed, state: 'failed', attempts: 1, maxAttempts: 1 });
    expect((await c.street.get(`/job-runs/${run.failed}`)).statusCode).toBe(404);
    expect((await c.street.get(`/job-runs/${run.core}`)).statusCode).toBe(200);
    expect((await c.admin.get(`/job-runs/${run.other}`)).statusCode).toBe(404);
    expect((await c.adminB.get(`/job-runs/${run.failed}`)).statusCode).toBe(404);
    expect((await c.admin.get('/job-runs/not-a-uuid')).statusCode).toBe(400);
  });

  it('retries a failed run for those with core.job.retry, once, and audits it', async () => {
    expect((await c.street.post(`/job-runs/${run.failed}/retry`)).statusCode).toBe(403);
    expect((await c.adminB.post(`/job-runs/${run.failed}/retry`)).statusCode).toBe(404);
    expect((await c.admin.post(`/job-runs/${run.ok}/retry`)).json()).toMatchObject({
      statusCode: 409,
      code: 'run_not_failed',
    });

    await db.withTenant(a.tenantId, (tx) =>
      tx.query('delete from jt_gate where tenant_id = ?', [a.tenantId]),
    );
    const res = await c.admin.post(`/job-runs/${run.failed}/retry`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: run.failed, state: 'queued', error: null });
    await waitFor('the retried run to complete', async () => {
      const r = await c.admin.get(`/job-runs/${run.failed}`);
      return r.json().state === 'completed';
    });
    expect((await c.admin.post(`/job-runs/${run.failed}/retry`)).statusCode).toBe(409);
    const audit = await c.admin.get(`/audit-log?targetType=job-run&targetId=${run.failed}`);
    expect(audit.json().map((e: { action: string }) => e.action)).toEqual(['job-run.retry']);
  });
});
