/**
 * One benchmark server in its own process (so the load generator and the server do not share an event
 * loop): `kind: 'api'` is the real CivicGrid API, `kind: 'bare'` the "what the database can do" baseline.
 * Started by core-api.ts with `node --import tsx tests/bench/server.ts`; config in BENCH_SERVER (JSON);
 * answers `{ port }` over IPC once listening and exits cleanly on the message `stop` (so --cpu-prof
 * can write its profile).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Access, GRANTS_JSON_SQL, type GrantInfo } from '@civicgrid/authz';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { createApi, openCoreDatabase } from '../../apps/api/src/app.ts';
import { type ApiSqlTweaks, apiStatements, bareStatements, COUNT_CAP, numbered } from './sql.ts';

export type ServerConfig =
  | { kind: 'api'; appUrl: string; jwtSecret: string; poolSize: number }
  | {
      kind: 'bare';
      url: string;
      tenantId: string;
      scopePaths: string[];
      poolSize: number;
      /** `api`: the very statements the API sends (default); `brief`: the brief's `in (… path <@ …)` form */
      sql: BareSql;
    }
  | {
      kind: 'handwritten';
      appUrl: string;
      jwtSecret: string;
      poolSize: number;
      /** what-if knobs for profiling (defaults = exactly what the API sends today) */
      tweaks?: HandwrittenTweaks;
    };

export type BareSql = 'api' | 'brief';

export interface HandwrittenTweaks extends ApiSqlTweaks {
  /** named (server-side prepared) statements instead of a fresh parse + plan per statement */
  prepared?: boolean;
}

/**
 * The bare baseline: Fastify 5 + a `pg` Pool, no auth, no ORM, no transaction, no per-request principal
 * lookup — the street admin's scope is baked in. It takes one connection from the pool and runs the
 * hand-written page query and the same capped count on it, one after the other, exactly the SQL the API's
 * route ends up sending for this user.
 *
 * Decision: it connects as the database OWNER (the role migrations run as), not as the app role, and
 * sets `app.tenant_id` once per session through the startup options instead of per request inside a
 * transaction. On the default setup the owner is the server's superuser, which bypasses RLS; a
 * non-superuser owner is bound by the FORCEd policy, and the session setting then makes it answer the
 * same rows (core-api.ts checks that bare and API return the same page and total before measuring).
 * So the line it draws is "the two statements, as fast as this Postgres answers them over a pool of 10":
 * everything the API spends beyond that (JWT, BEGIN/set_config/COMMIT, the principal + grants query,
 * CASL, the ORM's query path, schema serialization) is the API's overhead.
 */
async function bareServer(cfg: Extract<ServerConfig, { kind: 'bare' }>): Promise<FastifyInstance> {
  const u = new URL(cfg.url);
  u.searchParams.set('options', `-c app.tenant_id=${cfg.tenantId}`);
  const pool = new pg.Pool({ connectionString: u.toString(), max: cfg.poolSize });
  const sql =
    cfg.sql === 'brief'
      ? bareStatements(cfg.tenantId, cfg.scopePaths)
      : apiStatements(cfg.tenantId, cfg.scopePaths);

  const app = Fastify({ logger: false });
  app.addHook('onClose', () => pool.end());
  app.get('/api/v1/users', async (req, reply) => {
    const q = req.query as { _start?: string; _end?: string };
    const start = Math.max(0, Number(q._start ?? 0) || 0);
    const end = Math.min(start + 100, Math.max(start, Number(q._end ?? 20) || 20));
    const c = await pool.connect();
    try {
      const page = await c.query(sql.page, [...sql.params, end - start, start]);
      const { n } = (await c.query<{ n: number }>(sql.count, sql.params)).rows[0]!;
      reply.header('x-total-count', String(Math.min(n, COUNT_CAP)));
      if (n > COUNT_CAP) reply.header('x-total-count-capped', 'true');
      return page.rows;
    } finally {
      c.release();
    }
  });
  return app;
}

/**
 * The ablation line between bare and API (BENCH_LADDER=1): the API's own SQL — BEGIN, set_config, the
 * principal + grants query, the scoped page, the capped count, COMMIT — as the app role (RLS on), with a
 * hand-rolled HS256 check and the same Access/scope code, but plain Fastify + `pg`: no MikroORM/knex, no
 * plugins, no schema validation or serialization. API ≈ handwritten means the cost is the SQL the design
 * asks for; handwritten ≈ bare means it is the Node-side stack.
 */
async function handwrittenServer(
  cfg: Extract<ServerConfig, { kind: 'handwritten' }>,
): Promise<FastifyInstance> {
  const pool = new pg.Pool({ connectionString: cfg.appUrl, max: cfg.poolSize });
  const key = Buffer.from(cfg.jwtSecret);
  const t = cfg.tweaks ?? {};
  const cap = t.countCap ?? COUNT_CAP;
  const q = <R extends pg.QueryResultRow>(c: pg.PoolClient, name: string, text: string, values: unknown[]) =>
    c.query<R>(
      t.prepared
        ? { name: `${name}-${createHash('sha1').update(text).digest('hex').slice(0, 12)}`, text, values }
        : { text, values },
    );
  const principalSql = numbered(
    `select t.status as "tenantStatus", u.status as "userStatus", u.username, u.display_name as "displayName",
       exists (select 1 from user_session s where s.tenant_id = t.id and s.family_id = ? and s.revoked_at is null) as alive,
       ${GRANTS_JSON_SQL} as grants
     from tenant t left join app_user u on u.tenant_id = t.id and u.id = ? where t.id = ?`,
  );
  const app = Fastify({ logger: false });
  app.addHook('onClose', () => pool.end());
  app.get('/api/v1/users', async (req, reply) => {
    const token = req.headers.authorization?.slice(7) ?? '';
    const [h, p, sig] = token.split('.');
    const want = createHmac('sha256', key).update(`${h}.${p}`).digest();
    const got = Buffer.from(sig ?? '', 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return reply.status(401).send();
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as {
      sub: string;
      tid: string;
      fam: string;
    };
    const qs = req.query as { _start?: string; _end?: string };
    const start = Math.max(0, Number(qs._start ?? 0) || 0);
    const end = Math.min(start + 100, Math.max(start, Number(qs._end ?? 20) || 20));
    const c = await pool.connect();
    try {
      await c.query('begin');
      await q(c, 'tenant', `select set_config('app.tenant_id', $1, true)`, [claims.tid]);
      const pr = (
        await q<{ userStatus: string; alive: boolean; grants: GrantInfo[] }>(c, 'principal', principalSql, [
          claims.fam,
          claims.tid,
          claims.sub,
          claims.sub,
          claims.tid,
        ])
      ).rows[0];
      if (pr?.userStatus !== 'active' || !pr.alive) {
        await c.query('rollback');
        return reply.status(401).send();
      }
      const sql = apiStatements(claims.tid, new Access(pr.grants).scope('core.user.read'), t);
      const page = await q(c, 'page', sql.page, [...sql.params, end - start, start]);
      const { n } = (await q<{ n: number }>(c, 'count', sql.count, sql.params)).rows[0]!;
      await c.query('commit');
      reply.header('x-total-count', String(Math.min(n, cap)));
      if (n > cap) reply.header('x-total-count-capped', 'true');
      return page.rows;
    } catch (e) {
      await c.query('rollback').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  });
  return app;
}

async function apiServer(cfg: Extract<ServerConfig, { kind: 'api' }>): Promise<FastifyInstance> {
  const db = await openCoreDatabase(cfg.appUrl, cfg.poolSize);
  const app = await createApi(db, {
    jwtSecret: cfg.jwtSecret,
    logger: false,
    // The benchmark logs in once; the limits only have to let that through.
    loginLimits: { perIp: 1_000, perAccount: 1_000 },
  });
  app.addHook('onClose', () => db.close());
  return app;
}

async function main() {
  const cfg = JSON.parse(process.env.BENCH_SERVER ?? '') as ServerConfig;
  const app =
    cfg.kind === 'api'
      ? await apiServer(cfg)
      : cfg.kind === 'bare'
        ? await bareServer(cfg)
        : await handwrittenServer(cfg);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await app.close().catch(() => {});
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
