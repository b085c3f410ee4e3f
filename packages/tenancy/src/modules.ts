import type { Tx } from '@civicgrid/db';

export interface TenantModuleRow {
  moduleId: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  enabledAt: Date | null;
  disabledAt: Date | null;
}

/** The modules the transaction's tenant has switched on. */
export async function enabledModules(tx: Tx): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(
    `select module_id as id from tenant_module where tenant_id = ? and enabled order by module_id`,
    [tx.tenantId],
    { prepare: true },
  );
  return rows.map((r) => r.id);
}

export async function moduleEnabled(tx: Tx, moduleId: string): Promise<boolean> {
  const [row] = await tx.query<{ on: boolean }>(
    `select enabled as on from tenant_module where tenant_id = ? and module_id = ?`,
    [tx.tenantId, moduleId],
    { prepare: true },
  );
  return row?.on === true;
}

export async function tenantModules(tx: Tx): Promise<TenantModuleRow[]> {
  const rows = await tx.query<TenantModuleRow>(
    `select module_id as "moduleId", enabled, settings, enabled_at as "enabledAt", disabled_at as "disabledAt"
       from tenant_module where tenant_id = ?`,
    [tx.tenantId],
  );
  return rows.map((r) => ({
    ...r,
    enabledAt: r.enabledAt && new Date(r.enabledAt),
    disabledAt: r.disabledAt && new Date(r.disabledAt),
  }));
}

/** Locks the tenant's row for a module (or its absence) so two admins switching it at once serialize. */
export async function lockModule(tx: Tx, moduleId: string): Promise<TenantModuleRow | null> {
  await tx.query(`select pg_advisory_xact_lock(hashtext(?))`, [`tenant_module:${tx.tenantId}:${moduleId}`]);
  const [row] = await tx.query<TenantModuleRow>(
    `select module_id as "moduleId", enabled, settings, enabled_at as "enabledAt", disabled_at as "disabledAt"
       from tenant_module where tenant_id = ? and module_id = ?`,
    [tx.tenantId, moduleId],
  );
  return row ?? null;
}

export async function saveModule(
  tx: Tx,
  moduleId: string,
  enabled: boolean,
  settings: Record<string, unknown>,
): Promise<void> {
  await tx.query(
    `insert into tenant_module (tenant_id, module_id, enabled, settings, enabled_at, disabled_at)
     values (?, ?, ?, ?::jsonb, case when ? then now() end, case when not ? then now() end)
     on conflict (tenant_id, module_id) do update set
       enabled = excluded.enabled, settings = excluded.settings, updated_at = now(),
       enabled_at = case when excluded.enabled and not tenant_module.enabled then now() else tenant_module.enabled_at end,
       disabled_at = case when not excluded.enabled and tenant_module.enabled then now() else tenant_module.disabled_at end`,
    [tx.tenantId, moduleId, enabled, JSON.stringify(settings), enabled, enabled],
  );
}
