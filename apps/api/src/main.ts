import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, dbConfigFrom, type EmbeddedDatabase, startEmbeddedPostgres } from '@civicgrid/db';
import { createJobClient, jobBackendFromEnv } from '@civicgrid/jobs';
import { piiFromEnv } from '@civicgrid/registry';
import { serveAdmin } from './admin-static.ts';
import { createApi, loadDivisionImporter, openCoreDatabase, pluginHost } from './app.ts';
import { prepareSchema } from './schema.ts';
import { localSecrets } from './secrets.ts';
import { generatePassword, seedDemo } from './seed.ts';
import { superviseWorker } from './worker-process.ts';

const env = process.env;
const dataDir = resolve(env.DATA_DIR ?? fileURLToPath(new URL('../../../.data/', import.meta.url)));
const log = (msg: string) => process.stdout.write(`${msg}\n`);

let embedded: EmbeddedDatabase | undefined;
let ownerUrl: string;
let appPassword: string | undefined;
let jwtSecret = env.JWT_SECRET;
// PII_KEYS / PII_HASH_KEY as given, or the embedded default's own from .data (handed to the worker too).
let piiEnv = { PII_KEYS: env.PII_KEYS, PII_HASH_KEY: env.PII_HASH_KEY };
let pii = piiFromEnv(piiEnv);
if (env.DATABASE_URL || env.DATABASE_APP_URL) {
  // A replica of a deployment may hold the application role only: the migration step had the owner.
  ownerUrl = env.DATABASE_URL ?? '';
  if (!ownerUrl && env.MIGRATE_ON_START !== 'false')
    throw new Error('DATABASE_URL (the owner) must be set, or MIGRATE_ON_START=false with DATABASE_APP_URL');
  if (!jwtSecret) throw new Error('JWT_SECRET must be set with an external database');
  if (!pii) throw new Error('PII_KEYS and PII_HASH_KEY must be set with an external database');
} else {
  const secrets = await localSecrets(dataDir);
  log(`no DATABASE_URL: starting embedded PostgreSQL with data in ${dataDir}/pg`);
  embedded = await startEmbeddedPostgres(dataDir, secrets.ownerDbPassword);
  ownerUrl = embedded.ownerUrl;
  appPassword = secrets.appDbPassword;
  jwtSecret ??= secrets.jwtSecret;
  if (!pii) {
    piiEnv = { PII_KEYS: secrets.piiKeys, PII_HASH_KEY: secrets.piiHashKey };
    pii = piiFromEnv(piiEnv);
  }
}
const cfg = dbConfigFrom(ownerUrl, env, appPassword);
const host = pluginHost(undefined, pii);
// Queues: Redis when REDIS_URL is set, else BullMQ's PostgreSQL backend in this same database.
const backend = jobBackendFromEnv(env, cfg.appUrl);
// A deployment migrates once in its own step (apps/api/src/migrate.ts) and sets MIGRATE_ON_START=false.
if (env.MIGRATE_ON_START !== 'false') {
  const { applied } = await prepareSchema(cfg, host, backend);
  if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
}
const db = await openCoreDatabase(cfg.appUrl, cfg.poolSize, host);
const jobs = createJobClient({ host, db, backend });

const app = await createApi(db, {
  plugins: host,
  pii: pii!,
  jobs,
  onModuleSwitched: (tenantId) => jobs.reconcileTenant(tenantId),
  readyChecks: [() => jobs.ping()],
  queueBoard: backend.kind === 'redis' ? { queues: jobs.boardQueues() } : undefined,
  jwtSecret: jwtSecret!,
  // Per minute; the defaults (30 per IP, 10 per account) unless set — a load run from one machine sets them high.
  ...(env.LOGIN_LIMIT_PER_IP || env.LOGIN_LIMIT_PER_ACCOUNT
    ? {
        loginLimits: {
          perIp: Number(env.LOGIN_LIMIT_PER_IP ?? 30),
          perAccount: Number(env.LOGIN_LIMIT_PER_ACCOUNT ?? 10),
        },
      }
    : {}),
  // Unset, /metrics is open (local use); deployments set it (docs/operations.md, Observability).
  metricsToken: env.METRICS_TOKEN || undefined,
  logger: {
    level: env.LOG_LEVEL ?? 'info',
    redact: [
      'req.headers.authorization',
      'req.headers.cookie',
      'req.body.password',
      'req.body.refreshToken',
      'req.body.idNumber',
      'req.body.phone',
    ],
  },
});

if (env.SEED_DEMO !== 'false') {
  const password = env.DEMO_PASSWORD || generatePassword();
  const seeded = await seedDemo(db, password, await loadDivisionImporter(), app.deps.modules, app.deps.pii!);
  if (seeded) {
    // Each module's own demo rows, as `; landlord-scoring: 53 landlords, 54 shops, …`.
    const modulesDemo = Object.entries(seeded.modulesDemo)
      .map(
        ([id, counts]) =>
          `; ${id}: ${Object.entries(counts)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ')}`,
      )
      .join('');
    log(
      `demo tenant "${seeded.tenant}" seeded; modules: ${seeded.modules.join(', ') || 'none'}; users: ${seeded.users.join(', ')}; platform operator: platform; registry: ${seeded.registry.residents} residents in ${seeded.registry.households} households, ${seeded.registry.houses} houses, ${seeded.registry.shops} shops, ${seeded.registry.tags} focus-group tags, ${seeded.registry.visits} visits${modulesDemo}`,
    );
    if (!env.DEMO_PASSWORD) log(`demo password (shown once; set DEMO_PASSWORD to choose it): ${password}`);
    // Fresh statistics for the thousands of rows just written: a street's resident list took 3 s
    // (instead of milliseconds) until autovacuum came round. Only the owner may analyze.
    if (cfg.ownerUrl) await analyze(cfg.ownerUrl);
  }
}

// The worker seals and opens imported workbooks with the API's keys (the embedded default's come from .data).
const workerEnv = { ...env, ...piiEnv, DATABASE_APP_URL: cfg.appUrl };
const worker = env.WORKER === 'false' ? null : superviseWorker(workerEnv, log);
if (worker)
  log(
    `worker started beside the API (pid ${worker.pid()}; queues on ${backend.kind === 'redis' ? 'Redis' : 'PostgreSQL'})`,
  );

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down: finishing in-flight requests');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await app.close();
  await worker?.stop();
  await jobs.close();
  await host.shutdown();
  await db.close();
  await embedded?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

// The built admin app at / (API paths keep their own 404s).
await serveAdmin(app);
await app.listen({ port: Number(env.PORT ?? 3000), host: env.HOST ?? '0.0.0.0' });
