import { createJobClient, type JobClient, type RunningWorker, startWorker } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { runReaches, type TestBackend, testBackend } from '../support/jobs.ts';

/** The example module end to end: its routes in the API, its monthly tally run by a real worker. */
let t: TestApp;
let backend: TestBackend;
let jobs: JobClient;
let worker: RunningWorker;
let city: CityFixture;
let admin: Client;
let street: Client;
// The month the notices are posted in, in the tenant's zone (Asia/Shanghai).
const period = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
})
  .format(new Date())
  .slice(0, 7);

beforeAll(async () => {
  t = await startApp();
  backend = await testBackend('postgres', 'bulletin');
  const opts = { host: t.app.deps.modules.host, db: t.db, backend: backend.cfg, prefix: backend.prefix };
  jobs = createJobClient(opts);
  worker = await startWorker({ ...opts, concurrency: 2 });
  city = await buildCity(t.db);
  admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
  street = as(t.app, (await login(t.app, city.code, 'streeta')).accessToken);
  await admin.put('/modules/bulletin', { enabled: true });
  for (const [unit, n] of [
    [city.units.gridA1a, 3],
    [city.units.gridB1a, 2],
  ] as const) {
    for (let i = 0; i < n; i++)
      await admin.post('/m/bulletin/notices', { orgUnitId: unit, title: `通知${i}` });
  }
});
afterAll(async () => {
  await worker?.close();
  await jobs?.close();
  await backend?.drop();
  await t?.close();
});

const tally = async (client: Client) =>
  Object.fromEntries(
    (
      (await client.get(`/m/bulletin/tallies?period=${period}&_end=100`)).json() as Array<{
        orgUnitId: string;
        notices: number;
      }>
    ).map((r) => [r.orgUnitId, r.notices]),
  );

describe('bulletin tally', () => {
  it('counts each unit’s notices of the month; a second run of the period replaces, never doubles', async () => {
    for (const jobId of ['tally-1', 'tally-2']) {
      await jobs.enqueue('bulletin', 'tally', { tenantId: city.tenantId, period }, { jobId });
      expect((await runReaches(t.db, city.tenantId, jobId, 'completed', 'failed')).state).toBe('completed');
      expect(await tally(admin)).toEqual({
        [city.units.root]: 1, // the notice the module's enable hook posts
        [city.units.gridA1a]: 3,
        [city.units.gridB1a]: 2,
      });
    }
    // Scoped like the notices: the street admin of 稠城 sees her street's grid only.
    expect(await tally(street)).toEqual({ [city.units.gridA1a]: 3 });
  });

  it('fails a run without a month at once (bad input is not retried), with a message and no stack', async () => {
    await jobs.enqueue(
      'bulletin',
      'tally',
      { tenantId: city.tenantId, period: '2026' },
      { jobId: 'tally-bad' },
    );
    const run = await runReaches(t.db, city.tenantId, 'tally-bad', 'failed');
    expect(run.error).toContain('period');
    expect(run.error).not.toContain(' at ');
    expect(run.attempts).toBe(1);
  });
});
