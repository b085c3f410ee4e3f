import { AuditEntity, auditMigrations } from '@civicgrid/audit';
import { authzMigrations, RoleEntity, RoleGrantEntity } from '@civicgrid/authz';
import { type MigrationSource, platformMigrations } from '@civicgrid/db';
import { identityMigrations, UserEntity } from '@civicgrid/identity';
import { jobsMigrations } from '@civicgrid/jobs';
import { registryMigrations } from '@civicgrid/registry';
import { TenantEntity, tenancyMigrations } from '@civicgrid/tenancy';

/** The core's migrations in dependency order; plugins' follow in the host (issue #3). */
export const coreMigrations: MigrationSource[] = [
  platformMigrations,
  tenancyMigrations,
  identityMigrations,
  authzMigrations,
  auditMigrations,
  jobsMigrations,
  registryMigrations,
];

export const coreEntities = [TenantEntity, UserEntity, RoleEntity, RoleGrantEntity, AuditEntity];

/** Tables the application role may read and append to but never change. */
export const appendOnlyTables = ['audit_log'];
