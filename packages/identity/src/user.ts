import { type TenantScoped, tenantScoped } from '@civicgrid/db';
import { maskPhone } from '@civicgrid/kernel';

export interface User extends TenantScoped {
  orgUnitId: string;
  username: string;
  displayName: string;
  phone: string | null;
  status: 'active' | 'disabled';
  passwordHash: string;
  failedLogins: number;
  lockedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const UserEntity = tenantScoped<User>('User', 'app_user', {
  orgUnitId: { type: 'uuid' },
  username: { type: 'string' },
  displayName: { type: 'string' },
  phone: { type: 'string', nullable: true },
  status: { type: 'string' },
  passwordHash: { type: 'string', hidden: true, lazy: true },
  failedLogins: { type: 'integer' },
  lockedUntil: { type: 'Date', nullable: true },
  createdAt: { type: 'Date' },
  updatedAt: { type: 'Date' },
});

export interface UserView {
  id: string;
  orgUnitId: string;
  username: string;
  displayName: string;
  phone: string | null;
  status: User['status'];
  locked: boolean;
  createdAt: string;
  updatedAt: string;
}

export const toUserView = (u: Omit<User, 'passwordHash' | 'tenantId'>): UserView => ({
  id: u.id,
  orgUnitId: u.orgUnitId,
  username: u.username,
  displayName: u.displayName,
  phone: maskPhone(u.phone),
  status: u.status,
  locked: u.lockedUntil != null && new Date(u.lockedUntil) > new Date(),
  createdAt: new Date(u.createdAt).toISOString(),
  updatedAt: new Date(u.updatedAt).toISOString(),
});
