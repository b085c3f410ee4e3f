/**
 * A worker process for landlord-crash.test.ts: the landlord-scoring plugin on the backend given in
 * the environment, with short locks so a killed worker's assessment is taken up again within seconds
 * (apps/worker's 30 s default would make the test wait that long). Prints `ready` once it takes jobs.
 *
 * Env: DATABASE_APP_URL, JT_BACKEND (a JobBackendConfig as JSON), JT_PREFIX.
 */
import { openDatabase } from '@civicgrid/db';
import { type JobBackendConfig, startWorker } from '@civicgrid/jobs';
import { PluginHost } from '@civicgrid/kernel';
import { coreEntities } from '../../apps/api/src/platform.ts';
import { installedPlugins } from '../../apps/api/src/plugins.ts';

const env = process.env;
const host = new PluginHost(installedPlugins.filter((p) => p.id === 'landlord-scoring'));
const db = await openDatabase(env.DATABASE_APP_URL!, [...coreEntities, ...host.entities()], 8);
await startWorker({
  host,
  db,
  backend: JSON.parse(env.JT_BACKEND!) as JobBackendConfig,
  prefix: env.JT_PREFIX || undefined,
  // Two: the assessment writes its chunks on two lanes, as with apps/worker's idle slots.
  concurrency: 2,
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
});
process.stdout.write('ready\n');
