import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@civicgrid/testing';
import { createPostgresBackend, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/server.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

let db: TestDatabase;
let proc: ChildProcess;
let port: number;
let output = '';
let workerPid = 0;

/** The API as `pnpm start` runs it (with DATABASE_URL set: the embedded default is the same code path after startup). */
beforeAll(async () => {
  db = await createTestDatabase([], []); // an empty database: the process migrates it itself
  port = await freePort();
  proc = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: db.ownerUrl,
      DATABASE_APP_PASSWORD: new URL(db.appUrl).password,
      JWT_SECRET: 'start-test-secret-0123456789abcdef',
      PII_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      PII_HASH_KEY: Buffer.alloc(32, 9).toString('base64'),
      DEMO_PASSWORD: 'Demo-pass-2026',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (proc.exitCode != null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not become ready:\n${output}`);
}, 90_000);

afterAll(async () => {
  if (proc.exitCode == null) proc.kill('SIGKILL');
  await db.drop();
});

describe('pnpm start', () => {
  it('migrates, seeds the demo tenant once and serves it', async () => {
    expect(output).toMatch(/demo tenant "yiwu" seeded/);
    expect(output).not.toContain('Demo-pass-2026'); // a chosen password is never printed
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'yiwu', username: 'street', password: 'Demo-pass-2026' }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const streets = await fetch(`http://127.0.0.1:${port}/api/v1/org-units?kind=street`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(((await streets.json()) as Array<{ name: string }>).map((s) => s.name)).toEqual(['稠城街道']);
    const op = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'platform', password: 'Demo-pass-2026' }),
    });
    expect(op.status).toBe(200);

    // The demo has every installed module on, so the street admin sees the notice board.
    const notices = await fetch(`http://127.0.0.1:${port}/api/v1/m/bulletin/notices`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(notices.status).toBe(200);

    // Landlord and shop files are there, some already below the base, and the first landlord logs in
    // herself and sees her own file only.
    const files = await fetch(`http://127.0.0.1:${port}/api/v1/m/landlord-scoring/subjects?_end=200`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const subjects = (await files.json()) as Array<{ id: string; kind: string; score: number }>;
    expect(new Set(subjects.map((x) => x.kind))).toEqual(new Set(['landlord', 'shop']));
    expect(subjects.some((x) => x.score <= 6)).toBe(true);
    expect(subjects.some((x) => x.score === 12)).toBe(true);
    const herLogin = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'yiwu', username: 'landlord', password: 'Demo-pass-2026' }),
    });
    expect(herLogin.status).toBe(200);
    const hers = await fetch(`http://127.0.0.1:${port}/api/v1/m/landlord-scoring/subjects`, {
      headers: {
        authorization: `Bearer ${((await herLogin.json()) as { accessToken: string }).accessToken}`,
      },
    });
    const own = (await hers.json()) as Array<{ id: string; kind: string }>;
    expect(own).toHaveLength(1);
    expect(own[0]!.kind).toBe('landlord');
    expect(subjects.map((x) => x.id)).toContain(own[0]!.id);
  });

  it('runs the worker beside the API, which builds the demo tenant’s schedules', async () => {
    const pid = Number(/worker started beside the API \(pid (\d+)/.exec(output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).not.toThrow();
    const queue = new Queue(
      'bulletin',
      { connection: { connectionString: db.ownerUrl, schema: 'bullmq', max: 1 } },
      createPostgresBackend,
    );
    try {
      let ids: string[] = [];
      for (let i = 0; i < 60 && ids.length === 0; i++) {
        ids = (await queue.getJobSchedulers()).map((s) => s.key);
        if (ids.length === 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ids, output).toHaveLength(1);
      expect(ids[0]).toMatch(/^bulletin-tally-[0-9a-f-]{36}$/);
    } finally {
      await queue.close();
    }
    workerPid = pid;
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The worker went with it.
    expect(() => process.kill(workerPid, 0)).toThrow();
  });
});
