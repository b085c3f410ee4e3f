import type { Database } from '@civicgrid/db';
import type { JobDefinition, PluginHost } from '@civicgrid/kernel';
import { enabledModules } from '@civicgrid/tenancy';
import { ErrorCode } from 'bullmq';
import { schedulerId } from './naming.ts';
import type { Producer } from './producer.ts';
import { jobOptions, scheduledJobs } from './registry.ts';

/** What a full reconcile did; `failed` names each scheduler it could not write, with the reason. */
export interface ReconcileResult {
  upserted: number;
  removed: number;
  failed: string[];
}

/** A tenant's own cron for the job (its `cronSetting`, when set to a string), else the job's. */
export function cronOf(def: JobDefinition, settings: Record<string, unknown> | undefined): string {
  const path = def.schedule!.cronSetting;
  const v = path
    ? path
        .split('.')
        .reduce<unknown>(
          (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
          settings,
        )
    : undefined;
  return typeof v === 'string' && v.trim() ? v.trim() : def.schedule!.cron;
}

interface TenantState {
  active: boolean;
  timezone: string;
  modules: Set<string>;
  /** each enabled module's stored settings (for a schedule's `cronSetting`) */
  settings: Map<string, Record<string, unknown>>;
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
      const settings = await tx.query<{ moduleId: string; settings: Record<string, unknown> }>(
        `select module_id as "moduleId", settings from tenant_module where enabled`,
      );
      return {
        active: t.status === 'active',
        timezone: t.timezone,
        modules: new Set(await enabledModules(tx)),
        settings: new Map(settings.map((r) => [r.moduleId, r.settings ?? {}])),
      };
    });
  }

  async #upsert(plugin: string, def: JobDefinition, tenantId: string, state: TenantState) {
    const id = schedulerId(plugin, def.name, tenantId);
    const timezone = state.timezone;
    const pattern = cronOf(def, state.settings.get(plugin));
    const queue = this.producer.queue(plugin);
    const upsert = (startDate?: number) =>
      queue.upsertJobScheduler(
        id,
        { pattern, tz: timezone, ...(startDate ? { startDate } : {}) },
        {
          name: def.name,
          data: { tenantId },
          opts: jobOptions({ kind: 'job', def }, this.producer.backend.kind),
        },
      );
    try {
      await upsert();
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== ErrorCode.SchedulerJobIdCollision && code !== ErrorCode.SchedulerJobSlotsBusy) throw err;
      // The backend lost the scheduler but kept its next firing (PostgreSQL rows deleted by hand, a
      // partial restore). That job cannot be removed without its scheduler, and its id is the one the
      // new scheduler wants: let it fire once as it is, and start the new scheduler after its slot.
      const prefix = `repeat:${id}:`;
      const slots = (await queue.getJobs(['delayed', 'waiting']))
        .map((j) => (j.id?.startsWith(prefix) ? Number(j.id.slice(prefix.length)) : Number.NaN))
        .filter(Number.isFinite);
      if (!slots.length) throw err;
      await upsert(Math.max(...slots) + 1);
    }
  }

  /** After a module was switched or a tenant suspended/resumed: that tenant's schedulers only. */
  async reconcileTenant(tenantId: string): Promise<void> {
    const jobs = scheduledJobs(this.host);
    if (!jobs.length) return;
    const state = await this.#tenantState(tenantId);
    for (const { plugin, def } of jobs) {
      if (state?.active && state.modules.has(plugin)) await this.#upsert(plugin, def, tenantId, state);
      else await this.producer.queue(plugin).removeJobScheduler(schedulerId(plugin, def.name, tenantId));
    }
  }

  /**
   * Every tenant: upserts the schedulers that should exist and removes every other one from the
   * plugins' queues. The queues are listed before the database is read, so a scheduler added
   * meanwhile for a module just switched on is either seen as wanted or not listed, never removed.
   * One scheduler that cannot be written does not stop the others (the next reconcile retries it).
   */
  async reconcileAll(): Promise<ReconcileResult> {
    const jobs = scheduledJobs(this.host);
    const existing = new Map<string, Set<string>>();
    // Plugins with jobs only: a queue per plugin without any would be opened just to be listed.
    for (const p of this.host.plugins.filter((x) => x.jobs?.length)) {
      const schedulers = await this.producer.queue(p.id).getJobSchedulers();
      if (schedulers.length) existing.set(p.id, new Set(schedulers.map((s) => s.key)));
    }
    let upserted = 0;
    const failed: string[] = [];
    if (jobs.length) {
      const tenants = await this.db.withPlatform((tx) =>
        tx.query<{ id: string }>(`select id from tenant where status = 'active' order by id`),
      );
      for (const { id } of tenants) {
        const state = await this.#tenantState(id);
        if (!state?.active) continue;
        for (const { plugin, def } of jobs) {
          if (!state.modules.has(plugin)) continue;
          // Kept off the removal list even when the upsert fails: a scheduler that exists stays.
          existing.get(plugin)?.delete(schedulerId(plugin, def.name, id));
          try {
            await this.#upsert(plugin, def, id, state);
            upserted++;
          } catch (err) {
            failed.push(`${schedulerId(plugin, def.name, id)}: ${(err as Error).message}`);
          }
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
    return { upserted, removed, failed };
  }
}
