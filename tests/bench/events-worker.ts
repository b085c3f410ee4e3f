/**
 * The worker of `pnpm bench events`, in its own process (so its RSS is its own): the real job system
 * (`startWorker`, tenant wrapper, the events module's deadline job) on the bench's database and a
 * Redis key prefix of its own. Env: BENCH_APP_URL, BENCH_REDIS_URL, BENCH_PREFIX, WORKER_CONCURRENCY.
 * Prints `ready` once it takes jobs; stops on SIGTERM.
 */
import { startWorker } from '@civicgrid/jobs';
import { openCoreDatabase, pluginHost } from '../../apps/api/src/app.ts';

const env = process.env;
const concurrency = Number(env.WORKER_CONCURRENCY ?? 8);
const host = pluginHost();
const db = await openCoreDatabase(env.BENCH_APP_URL!, 2 * concurrency + 3, host);
const worker = await startWorker({
  host,
  db,
  backend: { kind: 'redis', url: env.BENCH_REDIS_URL! },
  prefix: env.BENCH_PREFIX!,
  concurrency,
  // BENCH_WORKER_LOG=1: the jobs' log lines (a job's own timings, say) on stderr.
  ...(env.BENCH_WORKER_LOG === '1'
    ? {
        log: {
          info: (o: object, m: string) => process.stderr.write(`${JSON.stringify({ ...o, msg: m })}\n`),
          warn: (o: object, m: string) => process.stderr.write(`${JSON.stringify({ ...o, msg: m })}\n`),
          error: (o: object, m: string) => process.stderr.write(`${JSON.stringify({ ...o, msg: m })}\n`),
        },
      }
    : {}),
});
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.close(5_000);
  await db.close();
  process.exit(0);
});
