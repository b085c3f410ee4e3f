import { randomUUID } from 'node:crypto';
import type { PermissionCatalog } from '@civicgrid/authz';
import type { Database } from '@civicgrid/db';
import { type JobClient, outboxPublisher } from '@civicgrid/jobs';
import { AppError, type PluginDeps, PluginHost, type ServerPlugin } from '@civicgrid/kernel';
import type { Pii } from '@civicgrid/registry';
import { ModuleSettings } from '@civicgrid/tenancy';
import fastifyJwt from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { type RouteAccess, requireJobs } from './context.ts';
import { registerErrorHandling } from './errors.ts';
import { registerMetrics } from './metrics.ts';
import { registerPluginRoutes } from './plugins.ts';
import { registerRequestContext } from './request-context.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { grantRoutes } from './routes/grants.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRunRoutes } from './routes/job-runs.ts';
import { meRoutes } from './routes/me.ts';
import { mePasswordRoutes } from './routes/me-password.ts';
import { moduleRoutes } from './routes/modules.ts';
import { orgUnitRoutes } from './routes/org-units.ts';
import { platformRoutes } from './routes/platform.ts';
import { queueBoardRoutes } from './routes/queue-board.ts';
import { focusRoutes } from './routes/registry/focus.ts';
import { householdRoutes } from './routes/registry/households.ts';
import { placeRoutes } from './routes/registry/places.ts';
import { residentRoutes } from './routes/registry/residents.ts';
import { roleRoutes } from './routes/roles.ts';
import { userRoutes } from './routes/users.ts';
import { ErrorBody } from './schemas.ts';
import type { DivisionImporter } from './services/division.ts';
import { validatorCompiler } from './validation.ts';

export interface AppOptions {
  db: Database;
  jwtSecret: string;
  catalog: PermissionCatalog;
  logger?: FastifyServerOptions['logger'];
  /** Login attempts allowed per IP and per account in one minute. */
  loginLimits?: { perIp: number; perAccount: number };
  /** Extra readiness checks (the job queue, once it exists); throws when not ready. */
  readyChecks?: Array<() => Promise<void>>;
  /** Loads the division-code importer lazily; it lives in a tools package outside the API's runtime. */
  divisionImporter?: () => Promise<DivisionImporter | null>;
  bodyLimit?: number;
  /** The installed plugins (their permissions must already be in `catalog`). */
  plugins?: PluginHost;
  /** Rebuilds a tenant's schedules after a module was switched (the job system's reconciler). */
  onModuleSwitched?: (tenantId: string) => Promise<void>;
  /** Queues shown to platform operators on Bull Board (Redis backend). */
  queueBoard?: { queues: import('bullmq').Queue[] };
  /** Seals and opens residents' ID numbers and phones; without it, the registry answers 503. */
  pii?: Pii;
  /** The job system's producer side; without it, queueing a job or retrying a run answers 503. */
  jobs?: JobClient;
  /** METRICS_TOKEN: /metrics then answers only `Authorization: Bearer <token>`; unset, it is open. */
  metricsToken?: string;
}

export interface AppDeps extends AppOptions {
  loginLimits: { perIp: number; perAccount: number };
  modules: {
    host: PluginHost;
    settings: ModuleSettings;
    depsFor: (plugin: ServerPlugin) => PluginDeps;
    onSwitched?: (tenantId: string) => Promise<void>;
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

const ACCESS_TOKEN_TTL = '15m';

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    requestIdHeader: 'x-request-id',
    // The key the worker's job log lines use too: one query finds a request and the jobs it queued.
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { maxParamLength: 200 },
  });
  const host = opts.plugins ?? new PluginHost([]);
  // Write-only module settings are sealed with the personal-data keyring.
  const settings = new ModuleSettings(host, opts.pii ?? null);
  const { depsFor } = host.bindDeps(
    {
      db: opts.db,
      jobs: opts.jobs ?? { enqueue: () => requireJobs<never>(undefined) },
      // Publishing is an outbox row in the caller's transaction: it needs the database, not the queue.
      events: opts.jobs?.events ?? outboxPublisher,
    },
    (tx, pluginId) => settings.read(tx, pluginId),
  );
  app.decorate('deps', {
    ...opts,
    loginLimits: opts.loginLimits ?? { perIp: 30, perAccount: 10 },
    modules: { host, settings, depsFor, onSwitched: opts.onModuleSwitched },
  });
  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandling(app);
  registerRequestContext(app);
  app.addSchema(ErrorBody);

  // A route that forgets to say who may call it is a startup error, not an open door.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1')) return;
    const access = route.config?.access as RouteAccess | undefined;
    if (!access) throw new Error(`route ${route.method} ${route.url} declares no permission (config.access)`);
    if (access.kind === 'permission' && !opts.catalog.has(access.permission)) {
      throw new Error(`route ${route.method} ${route.url} needs unknown permission ${access.permission}`);
    }
  });

  await app.register(fastifyJwt, { secret: opts.jwtSecret, sign: { expiresIn: ACCESS_TOKEN_TTL } });
  await app.register(rateLimit, { global: false });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    const access = req.routeOptions.config?.access as RouteAccess | undefined;
    // A signed route proves its caller by the body's signature, not a token (see signed.ts).
    if (!access || access.kind === 'public' || access.kind === 'signed') return;
    const claims = await req.jwtVerify<import('./context.ts').TokenClaims & { aud?: string }>();
    // Tokens minted for one purpose (the queue board's cookie) are not API access tokens.
    if (claims.aud) throw new AppError(401, 'invalid_token', 'the access token is not valid');
    req.claims = claims;
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'CivicGrid API', version: '0.1.0', description: 'Community grid governance platform' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  registerMetrics(app, { db: opts.db, jobs: opts.jobs, token: opts.metricsToken });
  await app.register(healthRoutes);
  if (opts.queueBoard) await queueBoardRoutes(app, opts.queueBoard.queues);
  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(meRoutes);
      await api.register(mePasswordRoutes);
      await api.register(dashboardRoutes);
      await api.register(platformRoutes);
      await api.register((await import('./routes/transfers.ts')).transferRoutes);
      await api.register(orgUnitRoutes);
      await api.register(userRoutes);
      await api.register(roleRoutes);
      await api.register(grantRoutes);
      await api.register(auditRoutes);
      await api.register(moduleRoutes);
      await api.register(jobRunRoutes);
      await api.register(residentRoutes);
      await api.register(focusRoutes);
      await api.register(householdRoutes);
      await api.register(placeRoutes);
      await api.register((await import('./routes/registry/io.ts')).residentIoRoutes);
      await api.register((await import('./routes/registry/imports.ts')).importRoutes);
      await registerPluginRoutes(api, host, depsFor);
    },
    { prefix: '/api/v1' },
  );
  return app;
}
