import { randomUUID } from 'node:crypto';
import type { PermissionCatalog } from '@civicgrid/authz';
import type { Database } from '@civicgrid/db';
import fastifyJwt from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { RouteAccess } from './context.ts';
import { registerErrorHandling } from './errors.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { grantRoutes } from './routes/grants.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { orgUnitRoutes } from './routes/org-units.ts';
import { platformRoutes } from './routes/platform.ts';
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
}

export interface AppDeps extends AppOptions {
  loginLimits: { perIp: number; perAccount: number };
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
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { maxParamLength: 200 },
  });
  app.decorate('deps', { ...opts, loginLimits: opts.loginLimits ?? { perIp: 30, perAccount: 10 } });
  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandling(app);
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
    if (!access || access.kind === 'public') return;
    req.claims = await req.jwtVerify<import('./context.ts').TokenClaims>();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'CivicGrid API', version: '0.1.0', description: 'Community grid governance platform' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(meRoutes);
      await api.register(platformRoutes);
      await api.register(orgUnitRoutes);
      await api.register(userRoutes);
      await api.register(roleRoutes);
      await api.register(grantRoutes);
      await api.register(auditRoutes);
    },
    { prefix: '/api/v1' },
  );
  return app;
}
