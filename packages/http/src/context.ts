import { type AuditActor, type AuditEntry, recordAudit } from '@civicgrid/audit';
import { Access, GRANTS_JSON_SQL, type GrantInfo } from '@civicgrid/authz';
import type { Database, Tx } from '@civicgrid/db';
import { AppError, forbidden } from '@civicgrid/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The job system's producer, or the 503 every route that queues a job answers without one. */
export function requireJobs<J>(jobs: J | undefined): J {
  if (!jobs) throw new AppError(503, 'jobs_unavailable', 'the job system is not running; try again later');
  return jobs;
}

/** Who a route lets in. Every route under /api declares one; startup fails on a route that does not. */
export type RouteAccess =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'operator' }
  | { kind: 'permission'; permission: string }
  /** A plugin's route for another system, signed with a per-tenant shared secret (see signed.ts). */
  | { kind: 'signed'; secretSetting: string };

/** The verified access token's claims. */
export interface TokenClaims {
  sub: string;
  knd: 'user' | 'operator';
  tid?: string;
  fam: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    claims?: TokenClaims;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

export interface UserContext {
  tx: Tx;
  access: Access;
  user: { id: string; username: string; displayName: string; tenantId: string; familyId: string };
  /** Modules the tenant has enabled (read with the principal, in the same query). */
  modules: string[];
  actor: AuditActor;
  audit(entry: AuditEntry): Promise<void>;
}

export interface OperatorContext {
  tx: Tx;
  operator: { id: string; username: string; displayName: string; familyId: string };
  actor: AuditActor;
}

export function actorOf(
  req: FastifyRequest,
  kind: AuditActor['kind'],
  id: string | null,
  name: string | null,
): AuditActor {
  return {
    kind,
    id,
    name,
    ip: req.ip,
    userAgent: req.headers['user-agent']?.slice(0, 300) ?? null,
    requestId: String(req.id),
  };
}

interface PrincipalRow {
  tenantStatus: string;
  userStatus: string | null;
  username: string;
  displayName: string;
  alive: boolean;
  grants: GrantInfo[];
  modules: string[];
}

/**
 * Runs a tenant user's request in one transaction: sets the tenant, checks in one query that the tenant
 * is active, the user enabled and the session alive, builds the ability from the grants, checks the
 * module gate (for a plugin's route) and the route's permission, then calls the handler.
 */
export async function inUserContext<T>(
  db: Database,
  req: FastifyRequest,
  permission: string | null,
  fn: (ctx: UserContext) => Promise<T>,
  opts: { module?: string } = {},
): Promise<T> {
  const claims = req.claims;
  if (claims?.knd !== 'user' || !claims.tid) {
    throw new AppError(403, 'wrong_principal', 'this route is for tenant users');
  }
  return db.withTenant(claims.tid, async (tx) => {
    const [p] = await tx.query<PrincipalRow>(
      `select t.status as "tenantStatus", u.status as "userStatus", u.username, u.display_name as "displayName",
         exists (select 1 from user_session s where s.tenant_id = t.id and s.family_id = ? and s.revoked_at is null) as alive,
         ${GRANTS_JSON_SQL} as grants,
         array(select m.module_id from tenant_module m where m.tenant_id = t.id and m.enabled) as modules
       from tenant t left join app_user u on u.tenant_id = t.id and u.id = ? where t.id = ?`,
      [claims.fam, claims.tid, claims.sub, claims.sub, claims.tid],
      { prepare: true },
    );
    if (!p) throw new AppError(401, 'invalid_token', 'the access token is not valid');
    if (p.tenantStatus !== 'active') throw new AppError(403, 'tenant_suspended', 'this tenant is suspended');
    if (p.userStatus !== 'active') throw new AppError(401, 'account_disabled', 'this account is disabled');
    if (!p.alive) throw new AppError(401, 'session_revoked', 'this session has ended; log in again');
    if (opts.module && !p.modules.includes(opts.module))
      throw new AppError(403, 'module_disabled', `the module ${opts.module} is not enabled for this tenant`);
    const access = new Access(p.grants, {
      userId: claims.sub,
      conditions: req.server.deps.catalog.condition,
    });
    if (permission && !access.holdsAnywhere(permission))
      throw forbidden(`you need the permission ${permission}`);
    const actor = actorOf(req, 'user', claims.sub, p.username);
    return fn({
      tx,
      access,
      user: {
        id: claims.sub,
        username: p.username,
        displayName: p.displayName,
        tenantId: claims.tid!,
        familyId: claims.fam,
      },
      modules: p.modules,
      actor,
      audit: (e) => recordAudit(tx, actor, e),
    });
  });
}

export async function inOperatorContext<T>(
  db: Database,
  req: FastifyRequest,
  fn: (ctx: OperatorContext) => Promise<T>,
) {
  const claims = req.claims;
  if (claims?.knd !== 'operator')
    throw new AppError(403, 'wrong_principal', 'this route is for platform operators');
  return db.withPlatform(async (tx) => {
    const [op] = await tx.query<{ status: string; username: string; displayName: string; alive: boolean }>(
      `select o.status, o.username, o.display_name as "displayName",
         exists (select 1 from operator_session s where s.family_id = ? and s.revoked_at is null) as alive
       from platform_operator o where o.id = ?`,
      [claims.fam, claims.sub],
    );
    if (op?.status !== 'active') throw new AppError(401, 'account_disabled', 'this account is disabled');
    if (!op.alive) throw new AppError(401, 'session_revoked', 'this session has ended; log in again');
    return fn({
      tx,
      operator: { id: claims.sub, username: op.username, displayName: op.displayName, familyId: claims.fam },
      actor: actorOf(req, 'operator', claims.sub, op.username),
    });
  });
}

/** Refine's simple-rest list answer: the page as an array, the total in `x-total-count`. */
export function sendList<T>(reply: FastifyReply, page: { rows: T[]; total: number; capped?: boolean }) {
  reply.header('x-total-count', String(page.total));
  if (page.capped) reply.header('x-total-count-capped', 'true');
  return page.rows;
}
