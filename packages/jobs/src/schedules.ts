import type { Database } from '@civicgrid/db';
import type { JobDefinition, PluginHost } from '@civicgrid/kernel';
import { enabledModules } from '@civicgrid/tenancy';
import { schedulerId } from './naming.ts';
import type { Producer } from './producer.ts';
import { jobOptions, scheduledJobs } from './registry.ts';

interface TenantState {
  active: boolean;
  timezone: string;
  modules: Set<string>;
}

/**
 * Rebuilds job schedulers from the database, the only source of truth: a tenant's enabled modules
 * (`tenant_module`) and its status and time zone. The queue backend may lose every scheduler (Redis
 * flushed, tables dropped) without losing a schedule: the next reconcile puts them back.
 */
export class ScheduleReconciler {
  constructor(
    readonly host: PluginHost,
    readonly db: Database,
    readonly producer: Producer,
  ) {}

  /** `tenant_module` is row-level secured, so it is read inside the tenant's own transaction. */
  async #tenantState(tenantId: string): Promise<TenantState | null> {
    return this.db.withTenant(tenantId, async (tx) => {
      const [t] = await tx.query<{ status: string; timezone: string }>(
        'select status, timezone from tenant where id = ?',
        [tenantId],
      );
      if (!t) return null;
      return {
        active: t.status === 'active',
        timezone: t.timezone,
        modules: new Set(await enabledModules(tx)),
      };
    });
  }

  async #upsert(plugin: string, def: JobDefinition, tenantId: string, timezone: string) {
    await this.producer
      .queue(plugin)
      .upsertJobScheduler(
        schedulerId(plugin, def.name, tenantId),
        { pattern: def.schedule!.cron, tz: timezone },
        { name: def.name, data: { tenantId }, opts: jobOptions({ kind: 'job', def }) },
      );
  }

  /** After a module was switched or a tenant suspended/resumed: that tenant's schedulers only. */
  async reconcileTenant(tenantId: string): Promise<void> {
    const jobs = scheduledJobs(this.host);
    if (!jobs.length) return;
    const state = await this.#tenantState(tenantId);
    for (const { plugin, def } of jobs) {
      if (state?.active && state.modules.has(plugin))
        await this.#upsert(plugin, def, tenantId, state.timezone);
      else await this.producer.queue(plugin).removeJobScheduler(schedulerId(plugin, def.name, tenantId));
    }
  }

  /**
   * Every tenant: upserts the schedulers that should exist and removes every other one from the
   * plugins' queues. The queues are listed before the database is read, so a scheduler added
   * meanwhile for a module just switched on is either seen as wanted or not listed, never removed.
   */
  async reconcileAll(): Promise<{ upserted: number; removed: number }> {
    const jobs = scheduledJobs(this.host);
    const existing = new Map<string, Set<string>>();
    // Plugins with jobs only: a queue per plugin without any would be opened just to be listed.
    for (const p of this.host.plugins.filter((x) => x.jobs?.length)) {
      const schedulers = await this.producer.queue(p.id).getJobSchedulers();
      if (schedulers.length) existing.set(p.id, new Set(schedulers.map((s) => s.key)));
    }
    let upserted = 0;
    if (jobs.length) {
      const tenants = await this.db.withPlatform((tx) =>
        tx.query<{ id: string }>(`select id from tenant where status = 'active' order by id`),
      );
      for (const { id } of tenants) {
        const state = await this.#tenantState(id);
        if (!state?.active) continue;
        for (const { plugin, def } of jobs) {
          if (!state.modules.has(plugin)) continue;
          await this.#upsert(plugin, def, id, state.timezone);
          existing.get(plugin)?.delete(schedulerId(plugin, def.name, id));
          upserted++;
        }
      }
    }
    let removed = 0;
    for (const [plugin, ids] of existing) {
      for (const id of ids) {
        await this.producer.queue(plugin).removeJobScheduler(id);
        removed++;
      }
    }
    return { upserted, removed };
  }
}
