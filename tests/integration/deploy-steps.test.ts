import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@civicgrid/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf } from '../support/jobs.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let db: TestDatabase;

/** Runs an entry of apps/api as a deployment would, answering its exit code and output. */
async function run(entry: string, env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/api/src/${entry}`], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output, exit: exitOf(child).then((e) => e.code) };
}

beforeAll(async () => {
  db = await createTestDatabase([], []); // empty: the migration step builds it
});
afterAll(() => db.drop());

describe('the deployment’s steps', () => {
  it('migrates once as its own step, then finds nothing to do; without the owner it says so', async () => {
    const env = { DATABASE_URL: db.ownerUrl, DATABASE_APP_PASSWORD: new URL(db.appUrl).password };
    const first = await run('migrate.ts', env);
    expect(await first.exit, first.output()).toBe(0);
    expect(first.output()).toMatch(/migrations applied: db\/0001_platform\.sql/);
    const again = await run('migrate.ts', env);
    expect(await again.exit, again.output()).toBe(0);
    expect(again.output()).toContain('schema up to date');
    const none = await run('migrate.ts', {});
    expect(await none.exit).toBe(2);
    expect(none.output()).toContain('DATABASE_URL (the owner role) must be set');
    expect(none.output()).not.toMatch(/\n\s+at /); // a message, not a stack
    // The application role reads under row-level security and owns nothing.
    const app = new pg.Client({ connectionString: db.appUrl });
    await app.connect();
    try {
      expect((await app.query('select count(*)::int as n from org_unit')).rows[0].n).toBe(0);
      await expect(app.query('drop table org_unit')).rejects.toThrow(/must be owner/);
    } finally {
      await app.end();
    }
  }, 180_000);

  it('starts an API replica with the application role only, without migrating or seeding', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const api = await run('main.ts', {
      DATABASE_APP_URL: db.appUrl,
      MIGRATE_ON_START: 'false',
      SEED_DEMO: 'false',
      WORKER: 'false',
      JWT_SECRET: 'deploy-test-secret-0123456789abcdef',
      PII_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      PII_HASH_KEY: Buffer.alloc(32, 9).toString('base64'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    try {
      let ready = false;
      for (let i = 0; i < 120 && !ready && api.child.exitCode == null; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 500));
      }
      expect(ready, api.output()).toBe(true);
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 'yiwu', username: 'admin', password: 'whatever-it-is' }),
      });
      // No demo tenant: the replica seeded nothing.
      expect(login.status).toBe(401);
    } finally {
      api.child.kill('SIGTERM');
      await api.exit;
    }
  }, 120_000);

  it('refuses to start a replica that has neither the owner nor MIGRATE_ON_START=false', async () => {
    const api = await run('main.ts', {
      DATABASE_APP_URL: db.appUrl,
      JWT_SECRET: 'deploy-test-secret-0123456789abcdef',
      WORKER: 'false',
    });
    expect(await api.exit).not.toBe(0);
    expect(api.output()).toContain('MIGRATE_ON_START=false with DATABASE_APP_URL');
  }, 120_000);
});
