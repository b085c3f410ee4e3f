import type { Tx } from '@civicgrid/db';
import { conflict, notFound } from '@civicgrid/kernel';
import { checkPasswordStrength, hashPassword } from './password.ts';
import { type User, UserEntity } from './user.ts';

export interface NewUser {
  orgUnitId: string;
  username: string;
  displayName: string;
  phone?: string | null;
  password: string;
}

export async function createUser(tx: Tx, input: NewUser): Promise<User> {
  checkPasswordStrength(input.password);
  if (await tx.em.findOne(UserEntity, { username: input.username })) {
    throw conflict('duplicate', 'this login name is taken in this tenant', 'username');
  }
  const now = new Date();
  const user = tx.em.create(UserEntity, {
    tenantId: tx.tenantId!,
    id: crypto.randomUUID(),
    orgUnitId: input.orgUnitId,
    username: input.username,
    displayName: input.displayName,
    phone: input.phone ?? null,
    status: 'active',
    passwordHash: await hashPassword(input.password),
    failedLogins: 0,
    lockedUntil: null,
    createdAt: now,
    updatedAt: now,
  });
  await tx.em.flush();
  return user;
}

export async function getUser(tx: Tx, id: string): Promise<User> {
  const u = await tx.em.findOne(UserEntity, { id });
  if (!u) throw notFound('user');
  return u;
}

export type UserPatch = Partial<Pick<User, 'displayName' | 'phone' | 'status' | 'orgUnitId'>>;

export async function updateUser(tx: Tx, user: User, patch: UserPatch): Promise<User> {
  Object.assign(user, patch, { updatedAt: new Date() });
  await tx.em.flush();
  if (patch.status === 'disabled') await endSessions(tx, user.id);
  return user;
}

/** Sets a new password, unlocks the account and ends every session (the old password may be known). */
export async function resetPassword(tx: Tx, user: User, password: string): Promise<void> {
  checkPasswordStrength(password);
  await tx.query(
    `update app_user set password_hash = ?, failed_logins = 0, locked_until = null, updated_at = now()
     where tenant_id = ? and id = ?`,
    [await hashPassword(password), tx.tenantId, user.id],
  );
  await endSessions(tx, user.id);
}

export async function endSessions(tx: Tx, userId: string): Promise<void> {
  await tx.query(
    `update user_session set revoked_at = now() where tenant_id = ? and user_id = ? and revoked_at is null`,
    [tx.tenantId, userId],
  );
}
