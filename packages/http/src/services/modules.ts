import { type AuditActor, recordAudit } from '@civicgrid/audit';
import type { Tx } from '@civicgrid/db';
import { conflict, notFound, type PluginDeps, type PluginHost, type ServerPlugin } from '@civicgrid/kernel';
import {
  lockModule,
  type ModuleSettings,
  putAt,
  saveModule,
  secretPaths,
  tenantModules,
  valueAt,
} from '@civicgrid/tenancy';

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
  /** A setting a schedule reads its cron from (`cronSetting`) changed: rebuild them too. */
  rescheduled?: boolean;
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
  const locked = await lockModule(tx, moduleId);
  // Write-only values are sealed at rest: opened here, compared and kept in the clear, sealed again to save.
  const current = locked && { ...locked, settings: settings.open(tx.tenantId!, moduleId, locked.settings) };
  const given =
    change.settings && keepSecrets(plugin.settings?.schema, change.settings, current?.settings ?? {});
  const next = settings.check(moduleId, given ?? current?.settings ?? {});
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
  await saveModule(tx, moduleId, change.enabled, settings.seal(tx.tenantId!, moduleId, next));
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
    rescheduled: (plugin.jobs ?? []).some((j) => {
      const path = j.schedule?.cronSetting?.split('.');
      return (
        path && JSON.stringify(valueAt(current?.settings ?? {}, path)) !== JSON.stringify(valueAt(next, path))
      );
    }),
  };
}

/** What a write-only setting reads as when it holds a value (an empty one reads as empty: not set). */
export const SECRET_MASK = '********';

type Schema = { properties?: Record<string, unknown>; writeOnly?: boolean } | undefined;

export { secretPaths };

/** A copy of the settings with every write-only value that is set replaced by the mask. */
export function maskSecrets(schema: Schema, settings: Record<string, unknown>): Record<string, unknown> {
  const paths = secretPaths(schema);
  if (!paths.length) return settings;
  const out = structuredClone(settings);
  for (const p of paths) {
    const v = valueAt(out, p);
    if (v !== undefined && v !== null && v !== '') putAt(out, p, SECRET_MASK);
  }
  return out;
}

/**
 * A form read the settings with the secrets masked and sends them back: where a write-only value is
 * still the mask (or left out), the stored value stays. Any other value replaces it ('' clears it).
 */
export function keepSecrets(
  schema: Schema,
  given: Record<string, unknown>,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const paths = secretPaths(schema);
  if (!paths.length) return given;
  const out = structuredClone(given);
  for (const p of paths) {
    const v = valueAt(out, p);
    if (v === SECRET_MASK || v === undefined) {
      const old = valueAt(stored, p);
      if (old !== undefined) {
        for (let i = 1; i < p.length; i++)
          if (valueAt(out, p.slice(0, i)) === undefined) putAt(out, p.slice(0, i), {});
        putAt(out, p, old);
      }
    }
  }
  return out;
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
    // The audit log is read by tenant admins: secrets appear in it only as the mask.
    before: result.before
      ? { ...result.before, settings: maskSecrets(result.plugin.settings?.schema, result.before.settings) }
      : { enabled: false },
    after: { ...result.after, settings: maskSecrets(result.plugin.settings?.schema, result.after.settings) },
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
  if (!(result.switched || result.rescheduled) || !rt.onSwitched) return;
  await rt
    .onSwitched(tenantId)
    .catch((err) => log.error({ err, module: result.plugin.id }, 'schedule reconcile failed'));
}
