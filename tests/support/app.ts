import { randomBytes } from 'node:crypto';
import type { Database } from '@civicgrid/db';
import type { AppOptions } from '@civicgrid/http';
import type { JobClient } from '@civicgrid/jobs';
import type { PluginHost, ServerPlugin } from '@civicgrid/kernel';
import { generatePiiSecrets, piiFromEnv } from '@civicgrid/registry';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { createApi, openCoreDatabase, pluginHost } from '../../apps/api/src/app.ts';
import { installedPlugins } from '../../apps/api/src/plugins.ts';

export const PASSWORD = 'Test-pass-2026';

/** One keyring per test process: residents sealed by one app instance open in another. */
const secrets = generatePiiSecrets();
export const testPii = piiFromEnv({ PII_KEYS: secrets.piiKeys, PII_HASH_KEY: secrets.piiHashKey })!;

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  close(): Promise<void>;
}

/** The real API on the run's real database, connected as the application role (RLS applies). */
export async function startApp(
  opts: {
    loginLimits?: { perIp: number; perAccount: number };
    /** Test plugins installed beside the real ones (they may not bring migrations). */
    extraPlugins?: ServerPlugin[];
    /** The job system's producer, made from this app's host (`startApp` gives it the host first). */
    jobs?: (host: PluginHost, db: Database) => JobClient;
    /** Registers more on the app before it is ready (e.g. the admin's static files). */
    beforeReady?: (app: FastifyInstance) => Promise<unknown>;
    /** The bearer token /metrics asks for (METRICS_TOKEN). */
    metricsToken?: string;
    /** Fastify's logger options (none by default). */
    logger?: AppOptions['logger'];
    /** Another database than the run's (a fault test's own server): its application role's URL. */
    appUrl?: string;
    poolSize?: number;
  } = {},
): Promise<TestApp> {
  const appUrl = opts.appUrl ?? inject('db').appUrl;
  const host = pluginHost([...installedPlugins, ...(opts.extraPlugins ?? [])], testPii);
  const db = await openCoreDatabase(appUrl, opts.poolSize ?? 4, host);
  const app = await createApi(db, {
    plugins: host,
    pii: testPii,
    jobs: opts.jobs?.(host, db),
    jwtSecret: randomBytes(32).toString('hex'),
    loginLimits: opts.loginLimits ?? { perIp: 10_000, perAccount: 10_000 },
    metricsToken: opts.metricsToken,
    logger: opts.logger,
  });
  await opts.beforeReady?.(app);
  await app.ready();
  const close = async () => {
    await app.close();
    await db.close();
  };
  return { app, db, close };
}

export const uniqueCode = (prefix = 't') => `${prefix}${randomBytes(5).toString('hex')}`;

export async function login(
  app: FastifyInstance,
  tenant: string | undefined,
  username: string,
  password = PASSWORD,
) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant, username, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  return res.json() as { accessToken: string; refreshToken: string };
}

/** An authenticated client for one user: `get`, `post`, … answer Fastify's inject response. */
export function as(app: FastifyInstance, token: string) {
  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE') => (url: string, payload?: unknown) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  return {
    get: call('GET'),
    post: call('POST'),
    put: call('PUT'),
    patch: call('PATCH'),
    delete: call('DELETE'),
  };
}
export type Client = ReturnType<typeof as>;
