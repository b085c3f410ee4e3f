import type { Database } from '@civicgrid/db';
import { createJobClient, type JobClient, type RunningWorker, startWorker } from '@civicgrid/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobTestHost, schedPlugin } from '../support/job-plugins.ts';
import {
  asOwner,
  BACKENDS,
  jobTenant,
  openJobTestDatabase,
  rawQueue,
  runsOf,
  setModule,
  setTenantStatus,
  type TestBackend,
  testBackend,
  testRedisUrl,
  waitFor,
} from '../support/jobs.ts';

/** Only this file uses Redis database 7, so it may flush it whole. */
const REDIS_DB = 7;
const host = jobTestHost([schedPlugin]);
const sched = (tenantId: string) => `jt-sched-tick-${tenantId}`;

/** The calendar day before `ms` in `timeZone`, computed apart from the code under test. */
function dayBefore(ms: number, timeZone: string): string {
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone }).format(new Date(ms));
  const d = new Date(`${local}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

describe.each(BACKENDS)('schedules on %s', (kind) => {
  let db: Database;
  let backend: TestBackend;
  let client: JobClient;
  let worker: RunningWorker | undefined;
  const t = {} as Record<'auckland' | 'plain' | 'off' | 'suspended', string>;

  const start = async () => {
    worker = await startWorker({ host, db, backend: backend.cfg, prefix: backend.prefix, concurrency: 4 });
  };
  const schedulers = async () => {
    const raw = rawQueue(backend, 'jt-sched');
    try {
      return await raw.queue.getJobSchedulers();
    } finally {
      await raw.close();
    }
  };
  const ids = async () => new Set((await schedulers()).map((s) => s.key));

  beforeAll(async () => {
    db = await openJobTestDatabase();
    backend = await testBackend(kind, 'sched', REDIS_DB);
    client = createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix });
    t.auckland = await jobTenant(db, ['jt-sched'], { timezone: 'Pacific/Auckland' });
    t.plain = await jobTenant(db, ['jt-sched']);
    t.off = await jobTenant(db, []);
    t.suspended = await jobTenant(db, ['jt-sched']);
    await setTenantStatus(db, t.suspended, 'suspended');
    await start();
  });
  afterAll(async () => {
    // Off again, so the next backend's reconciler leaves these tenants alone.
    for (const id of Object.values(t)) await setModule(db, id, 'jt-sched', false);
    await worker?.close();
    await client?.close();
    await backend?.drop();
    await db?.close();
  });

  it('builds one scheduler per active tenant with the module on, in its time zone', async () => {
    const list = await schedulers();
    const mine = list.filter((s) => Object.values(t).some((id) => s.key === sched(id)));
    expect(mine.map((s) => s.key).sort()).toEqual([sched(t.auckland), sched(t.plain)].sort());
    const auckland = mine.find((s) => s.key === sched(t.auckland))!;
    expect(auckland).toMatchObject({ name: 'tick', pattern: '* * * * * *', tz: 'Pacific/Auckland' });
  });

  it('runs each firing with the day before its due moment in the tenant’s zone', async () => {
    const run = await waitFor('a completed tick', async () =>
      (await runsOf(db, t.auckland)).find((r) => r.job === 'tick' && r.state === 'completed'),
    );
    const due = Number(/:(\d+)$/.exec(run.queueJobId)![1]);
    expect(run.period).toBe(dayBefore(due, 'Pacific/Auckland'));
    expect(run.queueJobId).toContain(sched(t.auckland));
  });

  it('drops a tenant’s scheduler when its module is switched off or the tenant suspended', async () => {
    await setModule(db, t.plain, 'jt-sched', false);
    await client.reconcileTenant(t.plain);
    expect((await ids()).has(sched(t.plain))).toBe(false);

    await setTenantStatus(db, t.auckland, 'suspended');
    await client.reconcileTenant(t.auckland);
    expect((await ids()).has(sched(t.auckland))).toBe(false);

    await setTenantStatus(db, t.auckland, 'active');
    await setModule(db, t.plain, 'jt-sched', true);
    await client.reconcileTenant(t.auckland);
    await client.reconcileTenant(t.plain);
    const now = await ids();
    expect(now.has(sched(t.auckland)) && now.has(sched(t.plain))).toBe(true);
  });

  it('rebuilds every schedule at worker start after the backend lost them, and removes strays', async () => {
    await worker!.close();
    worker = undefined;
    if (kind === 'redis') {
      const r = new Redis(testRedisUrl(REDIS_DB));
      await r.flushdb();
      r.disconnect();
    } else {
      const schema = (backend.cfg as { schema: string }).schema;
      await asOwner((c) => c.query(`delete from ${schema}.scheduler`));
    }
    expect((await ids()).size).toBe(0);
    // A scheduler no tenant wants (its module is off): the reconciler must remove it.
    const raw = rawQueue(backend, 'jt-sched');
    await raw.queue.upsertJobScheduler(sched(t.off), { pattern: '0 0 1 1 *' }, { name: 'tick' });
    await raw.close();

    await start();
    const rebuilt = await ids();
    expect(rebuilt.has(sched(t.auckland))).toBe(true);
    expect(rebuilt.has(sched(t.plain))).toBe(true);
    expect(rebuilt.has(sched(t.off))).toBe(false);
    expect(rebuilt.has(sched(t.suspended))).toBe(false);

    const since = Date.now();
    await waitFor('a tick after the rebuild', async () =>
      (await runsOf(db, t.plain)).find(
        (r) =>
          r.job === 'tick' && r.state === 'completed' && Number(/:(\d+)$/.exec(r.queueJobId)![1]) > since,
      ),
    );
  });
});
