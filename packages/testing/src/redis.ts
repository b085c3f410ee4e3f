import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at `url` (within 2 s, no retries). */
export async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * The Redis the job tests run their Redis backend on: TEST_REDIS_URL, else the local one, started from
 * `redis-server` (keeping nothing on disk) when it is installed and not answering. No registry package
 * ships a Redis binary, so a machine without one gets a clear error rather than silently skipped tests.
 */
export async function ensureTestRedis(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const url = env.TEST_REDIS_URL || DEFAULT_URL;
  if (await redisAnswers(url)) return url;
  const local = new URL(url);
  if (!env.TEST_REDIS_URL || ['127.0.0.1', 'localhost'].includes(local.hostname)) {
    const port = local.port || '6379';
    const started = spawnSync(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', port, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    if (!started.error) {
      for (let i = 0; i < 50; i++) {
        if (await redisAnswers(url)) return url;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  throw new Error(
    `the job tests need Redis at ${url}: install redis-server (Debian: apt-get install redis-server) or set TEST_REDIS_URL`,
  );
}
