import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { type AuditActor, recordAudit } from '@civicgrid/audit';
import type { Database, Tx } from '@civicgrid/db';
import { AppError } from '@civicgrid/kernel';
import { type ModuleSettings, moduleEnabled } from '@civicgrid/tenancy';
import type { FastifyRequest, RouteOptions } from 'fastify';
import { actorOf } from './context.ts';

/**
 * A plugin's public signed route: called by another system (a city's 12345 hotline pushing work
 * orders), not by a logged-in user. The caller names the tenant and signs the raw body with a secret
 * shared with that tenant, kept in the plugin's settings under `secretSetting`:
 *
 *   x-civicgrid-tenant: <tenant code>
 *   x-civicgrid-timestamp: <unix seconds>          (within 5 minutes of ours: no replays later on)
 *   x-civicgrid-signature: sha256=<hex HMAC-SHA-256(secret, "<timestamp>.<raw body>")>
 *
 * Anything wrong — unknown tenant, no secret set, stale time, bad signature — is one 401
 * `invalid_signature`, checked before the body is validated or anything is written. The handler then
 * runs in the tenant's transaction (`signedContextOf(req)`) behind the module gate.
 */
export interface SignedContext {
  tx: Tx;
  tenantId: string;
  actor: AuditActor;
  audit(entry: Parameters<typeof recordAudit>[2]): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    signedContext?: SignedContext;
    rawBody?: Buffer;
    signedTenantId?: string;
  }
}

export const SIGNATURE_WINDOW_S = 300;

export function signedContextOf(req: FastifyRequest): SignedContext {
  if (!req.signedContext) throw new Error('signedContextOf is for signed plugin routes only');
  return req.signedContext;
}

/** The signature a caller sends for `body` at `timestamp` (also what tests and clients use). */
export const signBody = (secret: string, timestamp: number, body: string | Buffer) =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;

const refused = () => new AppError(401, 'invalid_signature', 'the request signature is not valid');
const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
};
const asArray = <T>(h: T | T[] | undefined): T[] => (h === undefined ? [] : Array.isArray(h) ? h : [h]);

/** Wraps a plugin's signed route: raw body kept, signature checked, handler in the tenant transaction. */
export function signedRoute(
  route: RouteOptions,
  plugin: string,
  secretSetting: string,
  deps: { db: Database; settings: ModuleSettings; now?: () => number },
) {
  const { db, settings } = deps;
  // The signature covers the bytes sent, so keep them before the JSON parser sees them.
  route.preParsing = [
    ...asArray(route.preParsing),
    async (req: FastifyRequest, _reply: unknown, payload: Readable) => {
      const chunks: Buffer[] = [];
      for await (const c of payload) chunks.push(c as Buffer);
      req.rawBody = Buffer.concat(chunks);
      return Readable.from([req.rawBody]);
    },
  ] as RouteOptions['preParsing'];
  route.preValidation = [
    async (req: FastifyRequest) => {
      const code = header(req, 'x-civicgrid-tenant');
      const ts = Number(header(req, 'x-civicgrid-timestamp'));
      const given = Buffer.from(header(req, 'x-civicgrid-signature'));
      const now = (deps.now ?? Date.now)() / 1000;
      if (!code || !Number.isInteger(ts) || Math.abs(now - ts) > SIGNATURE_WINDOW_S) throw refused();
      const [tenant] = await db.withPlatform((tx) =>
        tx.query<{ id: string }>(`select id from tenant where code = ? and status = 'active'`, [code]),
      );
      if (!tenant) throw refused();
      const secret = await db.withTenant(
        tenant.id,
        async (tx) => (await settings.read(tx, plugin))[secretSetting],
      );
      if (typeof secret !== 'string' || secret.length === 0) throw refused();
      const expected = Buffer.from(signBody(secret, ts, req.rawBody ?? Buffer.alloc(0)));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused();
      req.signedTenantId = tenant.id;
    },
    ...asArray(route.preValidation),
  ] as RouteOptions['preValidation'];
  const handler = route.handler;
  route.handler = function (this: unknown, req, reply) {
    return db.withTenant(req.signedTenantId!, async (tx) => {
      if (!(await moduleEnabled(tx, plugin)))
        throw new AppError(403, 'module_disabled', `the module ${plugin} is not enabled for this tenant`);
      const actor = actorOf(req, 'system', null, `${plugin}:signed`);
      req.signedContext = {
        tx,
        tenantId: req.signedTenantId!,
        actor,
        audit: (e) => recordAudit(tx, actor, e),
      };
      return handler.call(this as never, req, reply);
    });
  };
}
