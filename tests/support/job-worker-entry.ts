/**
 * A worker process for the crash tests: the test plugins on the backend given in the environment,
 * with short locks so a killed worker's job is taken up again quickly. Prints `ready` once it takes
 * jobs; SIGTERM closes it gracefully (as apps/worker does) and exits 0.
 *
 * Env: DATABASE_APP_URL, JT_BACKEND (a JobBackendConfig as JSON), JT_PREFIX, JT_SCHEDULES (`true`:
 * also the scheduled test plugin).
 */
import { openDatabase } from '@civicgrid/db';
import { type JobBackendConfig, startWorker } from '@civicgrid/jobs';
import { coreEntities } from '../../apps/api/src/platform.ts';
import { jobTestHost, schedPlugin, workPlugin } from './job-plugins.ts';

const env = process.env;
const host = jobTestHost(env.JT_SCHEDULES === 'true' ? [workPlugin, schedPlugin] : [workPlugin]);
const db = await openDatabase(env.DATABASE_APP_URL!, coreEntities, 8);
const worker = await startWorker({
  host,
  db,
  backend: JSON.parse(env.JT_BACKEND!) as JobBackendConfig,
  prefix: env.JT_PREFIX || undefined,
  concurrency: 2,
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
});
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.close(10_000);
  await db.close();
  process.exit(0);
});
