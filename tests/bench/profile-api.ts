/**
 * Profiling helper on a database kept by `BENCH_KEEP_DB=1 pnpm bench core`: starts the servers on it and
 * loads each in turn, one JSON line per run.
 *
 *   npx tsx tests/bench/profile-api.ts <ownerUrl> <appUrl>
 *
 * Env: BENCH_KINDS (default `bare,handwritten,api`), BENCH_DURATION (s, 10), BENCH_CONNECTIONS (50),
 * BENCH_PATH (default the core path), BENCH_CPU_PROF=1 (V8 profile of the API to bench-results/cpu-prof/),
 * BENCH_TWEAKS (JSON HandwrittenTweaks for the `handwritten` server, e.g. '{"prepared":true}').
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { USERS_PATH } from './core-api.ts';
import { BENCH_PASSWORD, BENCH_STREET, BENCH_TENANT, STREET_ADMIN } from './data.ts';
import { load, type RunningServer, startServer } from './measure.ts';
import type { ServerConfig } from './server.ts';

const [ownerUrl, appUrl] = process.argv.slice(2);
if (!ownerUrl || !appUrl) throw new Error('usage: profile-api.ts <ownerUrl> <appUrl>');
const c = new pg.Client({ connectionString: ownerUrl });
await c.connect();
const tenantId = (await c.query<{ id: string }>(`select id from tenant where code = $1`, [BENCH_TENANT]))
  .rows[0]!.id;
await c.query(`select set_config('app.tenant_id', $1, false)`, [tenantId]);
const path = (
  await c.query<{ p: string }>(`select path::text as p from org_unit where code = $1`, [BENCH_STREET.code])
).rows[0]!.p;
await c.end();

const jwtSecret = randomBytes(32).toString('hex');
const kinds = (process.env.BENCH_KINDS ?? 'bare,handwritten,api').split(',') as ServerConfig['kind'][];
const durationS = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const configs: Record<ServerConfig['kind'], ServerConfig> = {
  bare: { kind: 'bare', url: ownerUrl, tenantId, scopePaths: [path], poolSize: 10, sql: 'api' },
  handwritten: {
    kind: 'handwritten',
    appUrl,
    jwtSecret,
    poolSize: 10,
    tweaks: JSON.parse(process.env.BENCH_TWEAKS ?? '{}'),
  },
  api: { kind: 'api', appUrl, jwtSecret, poolSize: 10 },
};

// Log in through a short-lived API (the token is valid for every server sharing the secret).
const loginApi = await startServer(configs.api);
const res = await fetch(`${loginApi.base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ tenant: BENCH_TENANT, username: STREET_ADMIN, password: BENCH_PASSWORD }),
});
const headers = { authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}` };
await loginApi.stop();

for (const kind of kinds) {
  const s: RunningServer = await startServer(configs[kind], {
    cpuProfDir: process.env.BENCH_CPU_PROF && kind === 'api' ? 'bench-results/cpu-prof' : undefined,
  });
  const url = `${s.base}${process.env.BENCH_PATH ?? USERS_PATH}`;
  await load({ name: 'warm-up', url, headers, connections, durationS: 2 });
  const r = await load({
    name: kind,
    url,
    headers,
    connections,
    durationS,
    serverPid: s.pid,
    database: new URL(ownerUrl).pathname.slice(1),
  });
  console.log(JSON.stringify(r));
  await s.stop();
}
