import { type AuditActor, recordAudit } from '@civicgrid/audit';
import type { Tx } from '@civicgrid/db';
import { conflict, notFound, type PluginDeps, type PluginHost, type ServerPlugin } from '@civicgrid/kernel';
import { lockModule, type ModuleSettings, saveModule, tenantModules } from '@civicgrid/tenancy';

export interface ModuleChange {
  enabled: boolean;
  settings?: Record<string, unknown>;
}

export interface ModuleChangeResult {
  plugin: ServerPlugin;
  before: { enabled: boolean; settings: Record<string, unknown> } | null;
  after: { enabled: boolean; settings: Record<string, unknown> };
  /** Schedules depend on whether the module is on: rebuild them after commit when this is true. */
  switched: boolean;
}

/**
 * Switches a module on or off for the transaction's tenant, or changes its settings, in the caller's
 * transaction: the `tenant_module` row, the default grants and the plugin's lifecycle hook commit
 * together or not at all.
 */
async function changeModule(
  tx: Tx,
  { host, settings, depsFor }: ModuleRuntime,
  moduleId: string,
  change: ModuleChange,
): Promise<ModuleChangeResult> {
  const plugin = host.get(moduleId);
  if (!plugin) throw notFound('module');
  const current = await lockModule(tx, moduleId);
  const next = settings.check(moduleId, change.settings ?? current?.settings ?? {});
  const rows = await tenantModules(tx);
  const on = new Set(rows.filter((r) => r.enabled).map((r) => r.moduleId));
  if (change.enabled) {
    const missing = (plugin.dependsOn ?? []).filter((d) => !on.has(d));
    if (missing.length)
      throw conflict(
        'dependency_disabled',
        `enable ${missing.join(', ')} first: ${moduleId} depends on it`,
        'enabled',
      );
  } else {
    const dependants = host.plugins
      .filter((p) => on.has(p.id) && p.dependsOn?.includes(moduleId))
      .map((p) => p.id);
    if (dependants.length)
      throw conflict(
        'module_required',
        `disable ${dependants.join(', ')} first: it depends on ${moduleId}`,
        'enabled',
      );
  }
  await saveModule(tx, moduleId, change.enabled, next);
  const wasOn = current?.enabled === true;
  const ctx = { tx, tenantId: tx.tenantId!, settings: next };
  if (change.enabled && !wasOn) {
    await addDefaultGrants(tx, plugin);
    await plugin.onTenantEnable?.(ctx, depsFor(plugin));
  } else if (!change.enabled && wasOn) {
    await plugin.onTenantDisable?.(ctx, depsFor(plugin));
  }
  return {
    plugin,
    before: current && { enabled: current.enabled, settings: current.settings },
    after: { enabled: change.enabled, settings: next },
    switched: change.enabled !== wasOn,
  };
}

/** Adds the plugin's default permissions to the tenant's roles with those keys (idempotent). */
async function addDefaultGrants(tx: Tx, plugin: ServerPlugin) {
  for (const [roleKey, permissions] of Object.entries(plugin.defaultGrants ?? {})) {
    await tx.query(
      `update role set permissions = array(select distinct unnest(permissions || ?::text[]) order by 1), updated_at = now()
        where tenant_id = ? and key = ?`,
      [`{${permissions.join(',')}}`, tx.tenantId, roleKey],
    );
  }
}

/** What switching needs from the app: the host, the settings checker, each plugin's deps. */
export interface ModuleRuntime {
  host: PluginHost;
  settings: ModuleSettings;
  depsFor: (plugin: ServerPlugin) => PluginDeps;
  onSwitched?: (tenantId: string) => Promise<void>;
}

/**
 * The one way a module is switched, by a tenant admin, a platform operator or the demo seed: the change
 * and its audit row in the caller's tenant transaction. Call `afterSwitch` once that has committed.
 */
export async function switchModule(
  tx: Tx,
  rt: ModuleRuntime,
  actor: AuditActor,
  moduleId: string,
  change: ModuleChange,
): Promise<ModuleChangeResult> {
  const result = await changeModule(tx, rt, moduleId, change);
  await recordAudit(tx, actor, {
    action: !result.switched ? 'module.configure' : change.enabled ? 'module.enable' : 'module.disable',
    targetType: 'module',
    targetId: moduleId,
    before: result.before ?? { enabled: false },
    after: result.after,
  });
  return result;
}

/**
 * Schedules live in the queue, outside the transaction: rebuild the tenant's once the switch has
 * committed. A failure is logged, not thrown: the change stands and the worker's reconciler repairs the
 * schedules at its next pass.
 */
export async function afterSwitch(
  rt: ModuleRuntime,
  tenantId: string,
  result: ModuleChangeResult,
  log: { error(obj: object, msg: string): void },
) {
  if (!result.switched || !rt.onSwitched) return;
  await rt
    .onSwitched(tenantId)
    .catch((err) => log.error({ err, module: result.plugin.id }, 'schedule reconcile failed'));
}
