/**
 * The API's /metrics: request durations labelled by route template (never the raw URL), the database
 * pool and the queues' depths read at scrape time, Node's defaults, and the bearer token it asks for
 * when METRICS_TOKEN is set.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createJobClient, type JobClient, JobMetrics } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.ts';
import { jobTestHost, workPlugin } from '../support/job-plugins.ts';
import { BACKENDS, jobTenant, openJobTestDatabase, type TestBackend, testBackend } from '../support/jobs.ts';
import { sampleValue } from '../support/prometheus.ts';

const DURATION = 'civicgrid_http_request_duration_seconds_count';

async function scrape(t: TestApp, headers: Record<string, string> = {}) {
  const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

describe('/metrics of the API', () => {
  let t: TestApp;
  let backend: TestBackend;
  let client: JobClient | undefined;
  beforeAll(async () => {
    backend = await testBackend('redis', 'metrics-api');
    t = await startApp({
      jobs: (host, db) => {
        client = createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix });
        return client;
      },
    });
  });
  afterAll(async () => {
    await client?.close();
    await t?.close();
    await backend?.drop();
  });

  it('labels request durations by route template, method and status, counting each request once', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/health' });
    // No token: 401, each under the template, never the id.
    for (const id of ids) await t.app.inject({ method: 'GET', url: `/api/v1/users/${id}` });
    await t.app.inject({ method: 'GET', url: `/no/such/${ids[0]}` });
    await t.app.inject({ method: 'DELETE', url: `/no/such/${ids[1]}` });

    const text = await scrape(t);
    expect(sampleValue(text, DURATION, { route: '/health', method: 'GET', status_code: '200' })).toBe(3);
    expect(
      sampleValue(text, DURATION, { route: '/api/v1/users/:id', method: 'GET', status_code: '401' }),
    ).toBe(2);
    expect(sampleValue(text, DURATION, { route: 'unmatched', method: 'GET', status_code: '404' })).toBe(1);
    expect(sampleValue(text, DURATION, { route: 'unmatched', method: 'DELETE', status_code: '404' })).toBe(1);
    for (const id of ids) expect(text).not.toContain(id);
    // The histogram's buckets and sum are there too.
    expect(
      sampleValue(text, 'civicgrid_http_request_duration_seconds_bucket', {
        route: '/health',
        method: 'GET',
        status_code: '200',
        le: '+Inf',
      }),
    ).toBe(3);

    // The scrape itself is counted once it has answered.
    const again = await scrape(t);
    expect(sampleValue(again, DURATION, { route: '/metrics', method: 'GET', status_code: '200' })).toBe(1);
    expect(sampleValue(again, DURATION, { route: '/health', method: 'GET', status_code: '200' })).toBe(3);
  });

  it("reports the database pool and Node's defaults, event-loop lag included", async () => {
    const text = await scrape(t);
    expect(sampleValue(text, 'civicgrid_db_pool_max')).toBe(4); // startApp's pool
    const inUse = sampleValue(text, 'civicgrid_db_pool_in_use')!;
    const free = sampleValue(text, 'civicgrid_db_pool_free')!;
    expect(inUse).toBeGreaterThanOrEqual(0);
    expect(free).toBeGreaterThanOrEqual(0);
    expect(inUse + free).toBeLessThanOrEqual(4);
    expect(sampleValue(text, 'civicgrid_db_pool_pending_acquires')).toBe(0);
    expect(sampleValue(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('holds the pool gauges while a transaction holds a connection', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const tx = t.db.withPlatform(async () => held);
    try {
      await expect
        .poll(async () => sampleValue(await scrape(t), 'civicgrid_db_pool_in_use'), { timeout: 5000 })
        .toBeGreaterThanOrEqual(1);
    } finally {
      release();
      await tx;
    }
  });

  it('stays out of the OpenAPI document (it is not part of the API)', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/metrics']).toBeUndefined();
  });

  it('feeds every query of the sample Grafana dashboard', async () => {
    // What the API and a worker export (a histogram's series are its _bucket, _sum and _count).
    const exported = new Set<string>();
    for (const text of [await scrape(t), await new JobMetrics().registry.metrics()])
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(name!);
        if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(name! + s);
      }
    const file = new URL('../../infra/grafana/civicgrid-dashboard.json', import.meta.url);
    const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr));
    const used = new Set<string>();
    for (const expr of exprs) {
      const names = expr.match(/\b(?:civicgrid|nodejs|process)_[a-z0-9_]+/g) ?? [];
      expect(names.length, expr).toBeGreaterThan(0);
      for (const n of names) {
        expect(exported.has(n), `${n} (in ${expr}) is exported`).toBe(true);
        used.add(n);
      }
    }
    // Latency and errors per route, job durations and failures, queue depth, pool, event-loop lag.
    for (const needed of [
      'civicgrid_http_request_duration_seconds_bucket',
      'civicgrid_http_request_duration_seconds_count',
      'civicgrid_job_duration_seconds_bucket',
      'civicgrid_job_failures_total',
      'civicgrid_queue_jobs',
      'civicgrid_db_pool_in_use',
      'civicgrid_db_pool_pending_acquires',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(used, needed).toContain(needed);
  });
});

describe('/metrics with METRICS_TOKEN set', () => {
  let t: TestApp;
  const token = randomUUID();
  beforeAll(async () => {
    t = await startApp({ metricsToken: token });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers only the bearer token, with the API error shape otherwise', async () => {
    for (const authorization of [undefined, `Bearer ${token}x`, token, `Bearer ${randomUUID()}`]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.json()).toMatchObject({ statusCode: 401, code: 'unauthenticated' });
      expect(res.body).not.toContain('nodejs_');
    }
    const text = await scrape(t, { authorization: `Bearer ${token}` });
    expect(text).toContain('civicgrid_http_request_duration_seconds');
  });
});

describe.each(BACKENDS)('queue depth on %s', (kind) => {
  let t: TestApp;
  let backend: TestBackend;
  let client: JobClient;
  let tenantId: string;
  beforeAll(async () => {
    backend = await testBackend(kind, 'metrics');
    // The test plugin's queue, with no worker: what is queued stays waiting.
    const jobDb = await openJobTestDatabase(2);
    tenantId = await jobTenant(jobDb, ['jt-work']);
    await jobDb.close();
    t = await startApp({
      jobs: (_host, db) => {
        client = createJobClient({
          host: jobTestHost([workPlugin]),
          db,
          backend: backend.cfg,
          prefix: backend.prefix,
        });
        return client;
      },
    });
  });
  afterAll(async () => {
    await client?.close();
    await t?.close();
    await backend?.drop();
  });

  it('reads each queue per state at scrape time', async () => {
    const depth = async (state: string) =>
      sampleValue(await scrape(t), 'civicgrid_queue_jobs', { queue: 'jt-work', state });
    expect(await depth('waiting')).toBe(0);
    for (let i = 0; i < 3; i++) await client.enqueue('jt-work', 'wait', { tenantId });
    await client.enqueue('jt-work', 'wait', { tenantId }, { delayMs: 600_000 });
    const text = await scrape(t);
    const q = (state: string) => sampleValue(text, 'civicgrid_queue_jobs', { queue: 'jt-work', state });
    expect([q('waiting'), q('delayed'), q('active'), q('failed')]).toEqual([3, 1, 0, 0]);
    expect(sampleValue(text, 'civicgrid_queue_backend_up')).toBe(1);
  });
});
