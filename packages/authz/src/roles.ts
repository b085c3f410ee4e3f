import type { Tx } from '@civicgrid/db';
import { DEFAULT_ROLES } from './default-roles.ts';

/** Seeds the default roles into a new tenant (in the provisioning transaction). */
export async function seedDefaultRoles(tx: Tx): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const r of DEFAULT_ROLES) {
    const id = crypto.randomUUID();
    await tx.query(
      `insert into role (tenant_id, id, key, name, description, permissions, system) values (?, ?, ?, ?, ?, ?::text[], true)`,
      [tx.tenantId, id, r.key, r.name, r.description, `{${r.permissions.join(',')}}`],
    );
    ids.set(r.key, id);
  }
  return ids;
}
