/**
 * The deployment's one-shot migration step (compose service `migrate`, the Kubernetes Job): applies
 * the core and plugin migrations as the owner, creates or updates the application role and its grants,
 * prepares the queues' schema when they live in PostgreSQL, then exits. The API replicas then start
 * with MIGRATE_ON_START=false and the application role only.
 *
 * Environment: DATABASE_URL (the owner, required), DATABASE_APP_ROLE (civicgrid_app),
 * DATABASE_APP_PASSWORD (required), REDIS_URL (when set, queues live there and need no schema).
 */
const env = process.env;
if (!env.DATABASE_URL) {
  process.stderr.write('DATABASE_URL (the owner role) must be set to migrate\n');
  process.exit(2);
}
try {
  // Loaded only now: every plugin comes with the host, and a misconfigured step should fail at once.
  const { dbConfigFrom } = await import('@civicgrid/db');
  const { jobBackendFromEnv } = await import('@civicgrid/jobs');
  const { pluginHost } = await import('./app.ts');
  const { prepareSchema } = await import('./schema.ts');
  const cfg = dbConfigFrom(env.DATABASE_URL, { ...env, DATABASE_APP_URL: undefined });
  const host = pluginHost();
  const { applied } = await prepareSchema(cfg, host, jobBackendFromEnv(env, cfg.appUrl));
  process.stdout.write(
    applied.length ? `migrations applied: ${applied.join(', ')}\n` : 'schema up to date: nothing to apply\n',
  );
  await host.shutdown();
} catch (err) {
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exit(1);
}
