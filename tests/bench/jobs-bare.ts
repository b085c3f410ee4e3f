/** Bare BullMQ on a bench backend: the baselines of `pnpm bench jobs`, with no CivicGrid code in the way. */
import { retention } from '@civicgrid/jobs';
import { createPostgresBackend, type Processor, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BenchBackend } from './jobs-setup.ts';

export interface Bare {
  queue(name: string): Queue;
  worker(name: string, fn: Processor, concurrency: number): Worker;
  close(): Promise<void>;
}

export function bare(b: BenchBackend): Bare {
  const queues: Queue[] = [];
  const workers: Worker[] = [];
  let redis: Redis | undefined;
  const conn = () => {
    redis ??= new Redis(b.cfg.url, { maxRetriesPerRequest: null });
    return redis;
  };
  const pgConn = (max: number) => ({
    connectionString: b.cfg.url,
    schema: b.cfg.kind === 'postgres' ? b.cfg.schema : undefined,
    max,
  });
  return {
    queue(name) {
      const q =
        b.cfg.kind === 'redis'
          ? new Queue(name, { connection: conn(), prefix: b.prefix })
          : (new Queue(name, { connection: pgConn(4) }, createPostgresBackend) as unknown as Queue);
      queues.push(q);
      return q;
    },
    worker(name, fn, concurrency) {
      // The same pool size as the job system gives its workers on PostgreSQL.
      const w =
        b.cfg.kind === 'redis'
          ? new Worker(name, fn, { connection: conn(), prefix: b.prefix, concurrency })
          : (new Worker(
              name,
              fn,
              { connection: pgConn(Math.min(10, concurrency + 2)), concurrency },
              createPostgresBackend,
            ) as unknown as Worker);
      workers.push(w);
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(queues.map((q) => q.close()));
      redis?.disconnect();
    },
  };
}

/** Resolves once the queue has nothing waiting, delayed or running (polled: ±`everyMs`). */
export async function drained(q: Queue, timeoutMs: number, everyMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).every((n) => n === 0)) return;
    if (Date.now() > end) throw new Error(`queue ${q.name} not drained: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * addBulk in chunks: pre-fills a queue before its worker starts, with the retention the job system
 * gives its jobs on that backend, so both sides keep the same history.
 */
export async function prefill<T>(q: Queue, kind: 'redis' | 'postgres', name: string, items: T[]) {
  const opts = retention(kind);
  for (let i = 0; i < items.length; i += 1000) {
    await q.addBulk(items.slice(i, i + 1000).map((data) => ({ name, data, opts })));
  }
}
