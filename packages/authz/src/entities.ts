import { type TenantScoped, tenantScoped } from '@civicgrid/db';

export interface Role extends TenantScoped {
  key: string;
  name: string;
  description: string | null;
  permissions: string[];
  system: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const RoleEntity = tenantScoped<Role>('Role', 'role', {
  key: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string', nullable: true },
  permissions: { type: 'string[]', columnType: 'text[]' },
  system: { type: 'boolean' },
  createdAt: { type: 'Date' },
  updatedAt: { type: 'Date' },
});

export interface RoleGrant extends TenantScoped {
  userId: string;
  roleId: string;
  orgUnitId: string;
  grantedBy: string | null;
  createdAt: Date;
}

export const RoleGrantEntity = tenantScoped<RoleGrant>('RoleGrant', 'role_grant', {
  userId: { type: 'uuid' },
  roleId: { type: 'uuid' },
  orgUnitId: { type: 'uuid' },
  grantedBy: { type: 'uuid', nullable: true },
  createdAt: { type: 'Date' },
});
