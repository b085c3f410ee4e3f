/**
 * A real worker process with its /metrics listener (WORKER_METRICS_PORT, METRICS_TOKEN) and its JSON
 * log lines, beside a real API listening on a socket: a request's id follows the job it queues into
 * the worker's log, and the worker's metrics count the job's duration and failure.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createJobClient, type JobClient } from '@civicgrid/jobs';
import { saveModule } from '@civicgrid/tenancy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startApp, type TestApp } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';
import { exitOf, spawnTestWorker, type TestBackend, testBackend, waitFor } from '../support/jobs.ts';
import { obsPlugin } from '../support/metrics-plugins.ts';
import { sampleValue } from '../support/prometheus.ts';

const ENTRY = fileURLToPath(new URL('../support/metrics-worker-entry.ts', import.meta.url));
const TOKEN = randomUUID();

interface LogLine {
  msg?: string;
  queueJobId?: string;
  requestId?: string;
  queue?: string;
  port?: number;
  [key: string]: unknown;
}

let backend: TestBackend;
let t: TestApp;
let jobs: JobClient;
let worker: ChildProcess;
let apiUrl: string;
let accessToken: string;
let stdout = '';
/** The API's pino lines (JSON), as a deployment's log collector gets them. */
let apiLog = '';

/** The worker's JSON log lines so far. */
const logLines = (): LogLine[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

const lineOf = (jobId: string, msg: string) =>
  waitFor(`the worker to log "${msg}" for ${jobId}`, async () =>
    logLines().find((l) => l.queueJobId === jobId && l.msg === msg),
  );

beforeAll(async () => {
  backend = await testBackend('redis', 'obs');
  t = await startApp({
    logger: {
      level: 'info',
      stream: {
        write: (line: string) => {
          apiLog += line;
        },
      },
    },
    extraPlugins: [obsPlugin],
    jobs: (host, db) => {
      jobs = createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix });
      return jobs;
    },
  });
  const city = await buildCity(t.db);
  await t.db.withTenant(city.tenantId, (tx) => saveModule(tx, 'jt-obs', true, {}));
  accessToken = (await login(t.app, city.code, 'admin')).accessToken;
  // A real socket, not inject: the body is read on the socket's events, where a request context
  // entered before it would be lost.
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  apiUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  worker = await spawnTestWorker(ENTRY, backend, {
    env: { WORKER_METRICS_PORT: '0', METRICS_TOKEN: TOKEN },
    onStdout: (text) => {
      stdout += text;
    },
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await exitOf(worker);
  }
  await jobs?.close();
  await t?.close();
  await backend?.drop();
});

async function run(job: 'echo' | 'fail', headers: Record<string, string> = {}) {
  const res = await fetch(`${apiUrl}/api/v1/m/jt-obs/run`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ job }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  const { jobId } = (await res.json()) as { jobId: string };
  return { jobId, requestId: res.headers.get('x-request-id') };
}

async function scrapeWorker(headers: Record<string, string> = {}) {
  const port = logLines().find((l) => l.msg === 'metrics listening')?.port;
  expect(port, 'the worker printed its metrics port').toBeTypeOf('number');
  return fetch(`http://127.0.0.1:${port}/metrics`, { headers });
}

describe('request ids in the worker log', () => {
  it("carries the request's x-request-id into every log line of the job it queued", async () => {
    const { jobId, requestId } = await run('echo', { 'x-request-id': 'abc-123' });
    expect(requestId).toBe('abc-123');
    const done = await lineOf(jobId, 'job completed');
    expect(done).toMatchObject({ requestId: 'abc-123', queue: 'jt-obs', job: 'echo', outcome: 'completed' });
    // The job's own ctx.log lines carry it too.
    expect(logLines().find((l) => l.queueJobId === jobId && l.msg === 'echo ran')).toMatchObject({
      requestId: 'abc-123',
      queue: 'jt-obs',
    });
    // And the API's lines for the request, under the same key: one query finds both sides.
    const api = apiLog
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.requestId === 'abc-123');
    expect(api.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
  });

  it('carries the id the API generated when the caller sent none, on a failure too', async () => {
    const { jobId, requestId } = await run('fail');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await lineOf(jobId, 'job failed');
    expect(failed).toMatchObject({ requestId, queue: 'jt-obs', final: true, outcome: 'failed' });
  });
});

describe("the worker's /metrics", () => {
  it('counts the completed job in the duration histogram and the failed one in the failures', async () => {
    // Both jobs of the tests above ran (their log lines were waited for).
    const res = await scrapeWorker({ authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    const text = await res.text();
    const count = (job: string, outcome: string) =>
      sampleValue(text, 'civicgrid_job_duration_seconds_count', { queue: 'jt-obs', job, outcome });
    expect(count('echo', 'completed')).toBe(1);
    expect(count('fail', 'failed')).toBe(1);
    expect(
      sampleValue(text, 'civicgrid_job_failures_total', { queue: 'jt-obs', job: 'fail', final: 'true' }),
    ).toBe(1);
    expect(sampleValue(text, 'civicgrid_job_failures_total', { job: 'echo' })).toBeUndefined();
    expect(sampleValue(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('answers only the bearer token when METRICS_TOKEN is set', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}-not` }] as Record<string, string>[]) {
      const res = await scrapeWorker(headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ statusCode: 401, code: 'unauthenticated' });
    }
  });
});
