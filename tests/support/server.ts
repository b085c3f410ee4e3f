/**
 * The product as a separate process on a fresh database — for the browser tests and the load run,
 * which must not share a process with what drives them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@civicgrid/testing';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEMO_PASSWORD = 'Demo-pass-2026';

/** A port nobody listens on now (the OS picks it). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface Server {
  url: string;
  stop(): Promise<void>;
}

/**
 * The product as `pnpm start` runs it — apps/api's main on a fresh database: migrations, the demo
 * tenant `yiwu`, the built admin at / — with no worker beside it unless `worker: true` (then apps/api
 * supervises apps/worker as `pnpm start` does, its queues in the same fresh database).
 */
export async function startServer(opts: { worker?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Server> {
  const db: TestDatabase = await createTestDatabase([], []);
  const port = await freePort();
  let output = '';
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.ownerUrl,
      DATABASE_APP_PASSWORD: new URL(db.appUrl).password,
      JWT_SECRET: 'e2e-test-secret-0123456789abcdef',
      PII_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
      PII_HASH_KEY: Buffer.alloc(32, 5).toString('base64'),
      DEMO_PASSWORD,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WORKER: opts.worker ? 'true' : 'false',
      // A worker's queues live in this server's own database: a shared Redis would mix test runs.
      ...(opts.worker ? { REDIS_URL: '' } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode == null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await db.drop();
  };
  for (let i = 0; i < 240; i++) {
    if (
      await fetch(`${url}/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, stop };
    if (proc.exitCode != null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the API did not become ready:\n${output}`);
}
