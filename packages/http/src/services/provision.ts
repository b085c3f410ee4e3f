import { type AuditActor, recordAudit } from '@civicgrid/audit';
import { seedDefaultRoles } from '@civicgrid/authz';
import { type Database, enterTenant } from '@civicgrid/db';
import { createUser } from '@civicgrid/identity';
import { seedFocusTags } from '@civicgrid/registry';
import { createUnit, insertTenant, type Tenant } from '@civicgrid/tenancy';

export interface TenantProvisioning {
  code: string;
  name: string;
  timezone?: string;
  locale?: string;
  divisionCode?: string | null;
  admin: { username: string; displayName: string; password: string; phone?: string | null };
}

/**
 * Creates a tenant in one transaction: the tenant row, its root unit (the district), the default roles,
 * the seeds' focus-group tags, the first tenant admin granted `tenant-admin` on the root, and the audit
 * rows. All or nothing.
 */
export async function provisionTenant(db: Database, actor: AuditActor, input: TenantProvisioning) {
  return db.withPlatform(async (ptx) => {
    const tenant: Tenant = await insertTenant(ptx, input);
    const tx = await enterTenant(ptx, tenant.id);
    const root = await createUnit(tx, {
      kind: 'district',
      name: input.name,
      code: input.divisionCode ?? null,
    });
    const roles = await seedDefaultRoles(tx);
    await seedFocusTags(tx);
    const admin = await createUser(tx, { ...input.admin, orgUnitId: root.id });
    await tx.query(`insert into role_grant (tenant_id, user_id, role_id, org_unit_id) values (?, ?, ?, ?)`, [
      tenant.id,
      admin.id,
      roles.get('tenant-admin'),
      root.id,
    ]);
    await recordAudit(tx, actor, {
      action: 'tenant.create',
      targetType: 'tenant',
      targetId: tenant.id,
      after: { ...tenant },
    });
    await recordAudit(tx, actor, {
      action: 'user.create',
      targetType: 'user',
      targetId: admin.id,
      orgUnitId: root.id,
      after: { username: admin.username, role: 'tenant-admin' },
    });
    return { tenant, rootUnitId: root.id, adminId: admin.id, roleIds: roles };
  });
}
