import {
  createPostgresBackend,
  type Processor,
  Queue,
  quoteSchemaName,
  runMigrations,
  Worker,
  type WorkerOptions,
} from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Where BullMQ keeps its queues: Redis (the production default) or BullMQ's PostgreSQL backend (the
 * zero-config default: no Redis on a fresh machine). `schema` is the PostgreSQL namespace of all
 * queues, the counterpart of the Redis key prefix (the PostgreSQL backend ignores prefixes).
 */
export type JobBackendConfig =
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string; schema?: string };

export const DEFAULT_PREFIX = '{civicgrid}';
export const DEFAULT_PG_SCHEMA = 'bullmq';

/** `REDIS_URL` set → Redis; otherwise the queues live in the application's own PostgreSQL database. */
export function jobBackendFromEnv(env: NodeJS.ProcessEnv, appDbUrl: string): JobBackendConfig {
  const redis = env.REDIS_URL?.trim();
  return redis ? { kind: 'redis', url: redis } : { kind: 'postgres', url: appDbUrl };
}

const ROLE = /^[a-z_][a-z0-9_]*$/;

/**
 * PostgreSQL: runs BullMQ's own migrations as the owner (they run DDL the application role may not),
 * then lets the application role use the schema. It needs CREATE there too: each queue creates its
 * job-id sequence on first use. Queue tables hold ids and periods only, never tenant rows. Idempotent.
 * Redis needs nothing.
 */
export async function prepareJobBackend(cfg: JobBackendConfig, ownerUrl: string, appRole: string) {
  if (cfg.kind !== 'postgres') return;
  if (!ROLE.test(appRole)) throw new Error(`invalid app role name: ${appRole}`);
  const schema = cfg.schema ?? DEFAULT_PG_SCHEMA;
  const s = quoteSchemaName(schema);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await runMigrations(client, schema);
    await client.query(`grant usage, create on schema ${s} to ${appRole}`);
    await client.query(`grant select, insert, update, delete on all tables in schema ${s} to ${appRole}`);
    await client.query(`grant usage, select, update on all sequences in schema ${s} to ${appRole}`);
    await client.query(`grant execute on all functions in schema ${s} to ${appRole}`);
  } finally {
    await client.end();
  }
}

export type AnyQueue = Queue;
export type AnyWorker = Worker;

/**
 * Builds queues and workers on one backend. Redis: one shared client for the queues (each worker
 * duplicates it for its blocking reads); PostgreSQL: each queue or worker owns a small pool.
 */
export class Backend {
  readonly #cfg: JobBackendConfig;
  readonly #prefix: string;
  #redis?: Redis;
  #pingPool?: pg.Pool;

  constructor(cfg: JobBackendConfig, prefix = DEFAULT_PREFIX) {
    this.#cfg = cfg;
    this.#prefix = prefix;
  }

  get kind() {
    return this.#cfg.kind;
  }

  #redisClient(): Redis {
    // BullMQ needs `maxRetriesPerRequest: null`: its blocking commands must wait out a reconnect.
    if (!this.#redis) {
      this.#redis = new Redis(this.#cfg.url, { maxRetriesPerRequest: null });
      // Connection errors surface through ping() and the queues; without a listener ioredis prints each.
      this.#redis.on('error', () => {});
    }
    return this.#redis;
  }

  #pgConnection(max: number) {
    const cfg = this.#cfg as { url: string; schema?: string };
    return { connectionString: cfg.url, schema: cfg.schema ?? DEFAULT_PG_SCHEMA, max };
  }

  queue(name: string): AnyQueue {
    if (this.#cfg.kind === 'redis')
      return new Queue(name, { connection: this.#redisClient(), prefix: this.#prefix });
    return new Queue(name, { connection: this.#pgConnection(3) }, createPostgresBackend) as unknown as Queue;
  }

  worker(name: string, processor: Processor, opts: Omit<WorkerOptions, 'connection'>): AnyWorker {
    if (this.#cfg.kind === 'redis')
      return new Worker(name, processor, { ...opts, connection: this.#redisClient(), prefix: this.#prefix });
    const max = Math.min(10, (opts.concurrency ?? 1) + 2);
    return new Worker(
      name,
      processor,
      { ...opts, connection: this.#pgConnection(max) },
      createPostgresBackend,
    ) as unknown as Worker;
  }

  /**
   * Calls `fn` each time the Redis connection is ready again after it was lost (never for the first
   * connection; never on PostgreSQL, which keeps its queues in the database).
   */
  onReconnect(fn: () => void): void {
    if (this.#cfg.kind !== 'redis') return;
    const client = this.#redisClient();
    let lost = client.status !== 'ready';
    client.on('close', () => {
      lost = true;
    });
    client.on('ready', () => {
      if (!lost) return;
      lost = false;
      fn();
    });
  }

  /** Throws when the backend does not answer within `timeoutMs` (readiness probes must not hang). */
  async ping(timeoutMs = 2000): Promise<void> {
    const probe =
      this.#cfg.kind === 'redis'
        ? this.#redisClient()
            .ping()
            .then(() => undefined)
        : this.#pgPing();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('job backend did not answer')), timeoutMs);
    });
    try {
      await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #pgPing() {
    const cfg = this.#cfg as { url: string; schema?: string };
    if (!this.#pingPool) {
      this.#pingPool = new pg.Pool({ connectionString: cfg.url, max: 1, idleTimeoutMillis: 10_000 });
      // An idle connection the server drops (restart, shutdown) must not crash the process: the next
      // ping opens a new one, or reports the backend down.
      this.#pingPool.on('error', () => {});
    }
    const s = quoteSchemaName(cfg.schema ?? DEFAULT_PG_SCHEMA);
    await this.#pingPool.query(`select 1 from ${s}.migration limit 1`);
  }

  async close(): Promise<void> {
    await this.#pingPool?.end();
    this.#pingPool = undefined;
    if (this.#redis) {
      await this.#redis.quit().catch(() => this.#redis?.disconnect());
      this.#redis = undefined;
    }
  }
}
