import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Tx } from '@civicgrid/db';
import { isUuid } from '@civicgrid/db';
import { AppError } from '@civicgrid/kernel';
import type { PrincipalKind } from './login.ts';

export const REFRESH_TTL_DAYS = 14;

const TABLE = { user: 'user_session', operator: 'operator_session' } as const;
const OPERATOR_SCOPE = 'op';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** `<tenantId|op>.<sessionId>.<secret>`: the prefix says which tenant's table holds the session. */
export interface ParsedRefreshToken {
  kind: PrincipalKind;
  tenantId: string | null;
  sessionId: string;
  secret: string;
}

export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [scope, sessionId, secret] = parts as [string, string, string];
  if (!isUuid(sessionId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  if (scope === OPERATOR_SCOPE) return { kind: 'operator', tenantId: null, sessionId, secret };
  if (!isUuid(scope)) return null;
  return { kind: 'user', tenantId: scope, sessionId, secret };
}

const unauthorized = (code: string, message: string) => new AppError(401, code, message);

/** Starts a session (and a family, unless continuing one); returns the refresh token to hand out. */
export async function issueRefreshToken(tx: Tx, kind: PrincipalKind, userId: string, familyId?: string) {
  const id = crypto.randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const family = familyId ?? crypto.randomUUID();
  const tenantCols = kind === 'user' ? 'tenant_id, ' : '';
  const tenantVals = kind === 'user' ? [tx.tenantId] : [];
  await tx.query(
    `insert into ${TABLE[kind]} (${tenantCols}id, user_id, family_id, secret_hash, expires_at)
     values (${kind === 'user' ? '?, ' : ''}?, ?, ?, ?, now() + make_interval(days => ?))`,
    [...tenantVals, id, userId, family, sha256(secret), REFRESH_TTL_DAYS],
  );
  return {
    token: `${kind === 'user' ? tx.tenantId : OPERATOR_SCOPE}.${id}.${secret}`,
    sessionId: id,
    familyId: family,
  };
}

/**
 * Spends a refresh token and returns who it belongs to. Reuse of a spent token revokes its whole
 * family: whoever holds the newer token must log in again. The revocation is committed even though the
 * caller answers 401 (the caller returns the error after its transaction commits).
 */
export async function spendRefreshToken(tx: Tx, t: ParsedRefreshToken) {
  const [s] = await tx.query<{
    userId: string;
    familyId: string;
    secretHash: string;
    expired: boolean;
    spent: boolean;
    revoked: boolean;
  }>(
    `select user_id as "userId", family_id as "familyId", secret_hash as "secretHash",
       expires_at < now() as expired, spent_at is not null as spent, revoked_at is not null as revoked
     from ${TABLE[t.kind]} where id = ? for update`,
    [t.sessionId],
  );
  const given = Buffer.from(sha256(t.secret));
  if (!s || !timingSafeEqual(given, Buffer.from(s.secretHash))) {
    return {
      ok: false as const,
      error: unauthorized('invalid_refresh_token', 'this session is not valid; log in again'),
    };
  }
  if (s.revoked)
    return {
      ok: false as const,
      error: unauthorized('session_revoked', 'this session has ended; log in again'),
    };
  if (s.spent) {
    await revokeFamily(tx, t.kind, s.familyId);
    return {
      ok: false as const,
      error: unauthorized(
        'refresh_token_reused',
        'this refresh token was already used; every session of this login is now ended',
      ),
    };
  }
  if (s.expired)
    return {
      ok: false as const,
      error: unauthorized('session_expired', 'this session has expired; log in again'),
    };
  await tx.query(`update ${TABLE[t.kind]} set spent_at = now() where id = ?`, [t.sessionId]);
  return { ok: true as const, userId: s.userId, familyId: s.familyId };
}

export async function revokeFamily(tx: Tx, kind: PrincipalKind, familyId: string): Promise<void> {
  await tx.query(`update ${TABLE[kind]} set revoked_at = now() where family_id = ? and revoked_at is null`, [
    familyId,
  ]);
}

/** Is the session behind an access token still alive? (Logout and reuse detection end it at once.) */
export async function familyAlive(tx: Tx, kind: PrincipalKind, familyId: string): Promise<boolean> {
  const [r] = await tx.query(
    `select 1 from ${TABLE[kind]} where family_id = ? and revoked_at is null limit 1`,
    [familyId],
  );
  return r != null;
}
