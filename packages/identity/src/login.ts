import type { Tx } from '@civicgrid/db';
import { AppError } from '@civicgrid/kernel';
import { DUMMY_HASH, verifyPassword } from './password.ts';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;

export type PrincipalKind = 'user' | 'operator';

export interface Principal {
  kind: PrincipalKind;
  id: string;
  username: string;
  displayName: string;
}

const TABLE = { user: 'app_user', operator: 'platform_operator' } as const;

const invalid = () => new AppError(401, 'invalid_credentials', 'wrong account or password');

/**
 * Checks a password and keeps the per-account lock: after MAX_FAILED_LOGINS wrong passwords in a row
 * the account is locked for LOCK_MINUTES. Runs inside the tenant's transaction for tenant users; the
 * failure counter is written even though the caller answers 401, so the caller must commit.
 */
export async function checkCredentials(tx: Tx, kind: PrincipalKind, username: string, password: string) {
  const table = TABLE[kind];
  const tenantCond = kind === 'user' ? 'tenant_id = ? and' : '';
  const tenantParam = kind === 'user' ? [tx.tenantId] : [];
  const [row] = await tx.query<{
    id: string;
    username: string;
    displayName: string;
    status: string;
    passwordHash: string;
    lockedUntil: string | null;
    locked: boolean;
  }>(
    `select id, username, display_name as "displayName", status, password_hash as "passwordHash",
       locked_until as "lockedUntil", coalesce(locked_until > now(), false) as locked from ${table} where ${tenantCond} username = ? for update`,
    [...tenantParam, username],
  );
  if (!row) {
    await verifyPassword(DUMMY_HASH, password);
    return { ok: false as const, error: invalid() };
  }
  if (row.locked) {
    return {
      ok: false as const,
      error: new AppError(
        423,
        'account_locked',
        `this account is locked after ${MAX_FAILED_LOGINS} wrong passwords; try again after ${new Date(row.lockedUntil!).toISOString()} or ask an administrator to unlock it`,
      ),
    };
  }
  if (!(await verifyPassword(row.passwordHash, password))) {
    const [after] = await tx.query<{ failed: number }>(
      `update ${table} set failed_logins = failed_logins + 1,
         locked_until = case when failed_logins + 1 >= ? then now() + make_interval(mins => ?) else locked_until end
       where ${tenantCond} id = ? returning failed_logins as failed`,
      [MAX_FAILED_LOGINS, LOCK_MINUTES, ...tenantParam, row.id],
    );
    const left = MAX_FAILED_LOGINS - after!.failed;
    const error =
      left <= 0
        ? new AppError(
            423,
            'account_locked',
            `too many wrong passwords: this account is locked for ${LOCK_MINUTES} minutes`,
          )
        : invalid();
    return { ok: false as const, error };
  }
  if (row.status !== 'active') {
    return { ok: false as const, error: new AppError(403, 'account_disabled', 'this account is disabled') };
  }
  await tx.query(`update ${table} set failed_logins = 0, locked_until = null where ${tenantCond} id = ?`, [
    ...tenantParam,
    row.id,
  ]);
  const principal: Principal = { kind, id: row.id, username: row.username, displayName: row.displayName };
  return { ok: true as const, principal };
}
