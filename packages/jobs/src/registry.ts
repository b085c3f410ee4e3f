import type { EventSubscription, JobDefinition, PluginHost } from '@civicgrid/kernel';
import type { JobsOptions } from 'bullmq';
import { EVENT_JOB_PREFIX } from './naming.ts';

/** What a queue job name stands for in a plugin's queue. */
export type Handler =
  | { kind: 'job'; def: JobDefinition }
  | { kind: 'event'; type: string; subscriptions: EventSubscription[] };

export function resolveHandler(host: PluginHost, pluginId: string, name: string): Handler | null {
  const plugin = host.jobOwner(pluginId);
  if (!plugin) return null;
  if (name.startsWith(EVENT_JOB_PREFIX)) {
    const type = name.slice(EVENT_JOB_PREFIX.length);
    const subscriptions = ('subscriptions' in plugin ? (plugin.subscriptions ?? []) : []).filter(
      (s) => s.event.type === type,
    );
    return subscriptions.length ? { kind: 'event', type, subscriptions } : null;
  }
  const def = plugin.jobs?.find((j) => j.name === name);
  return def ? { kind: 'job', def } : null;
}

/** Queue owners a worker consumes: modules with jobs or event subscriptions, and platform job groups. */
export const consumingPlugins = (host: PluginHost) =>
  host.jobOwners.filter(
    (p) => (p.jobs?.length ?? 0) > 0 || ('subscriptions' in p && (p.subscriptions?.length ?? 0) > 0),
  );

/** Whether a queue owner is a platform job group: on for every tenant, no `tenant_module` row. */
export const isPlatformOwner = (host: PluginHost, id: string) => host.platformJobs.some((g) => g.id === id);

/** Every (plugin, job) with a schedule. */
export const scheduledJobs = (host: PluginHost) =>
  host.plugins.flatMap((p) => (p.jobs ?? []).filter((j) => j.schedule).map((def) => ({ plugin: p.id, def })));

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 10_000;
/** Event deliveries retry longer: an event must not be lost to a short outage of its subscriber. */
const EVENT_ATTEMPTS = 8;
const EVENT_BACKOFF_MS = 2_000;

/**
 * How long the queue keeps finished jobs (`job_run` is the record that stays; a kept job's id also
 * de-duplicates a re-queued event or firing). Redis: a day, at most 10,000 per queue (memory). The
 * PostgreSQL backend trims by count with a scan of every kept job on each completion (measured: a
 * 10,000 cap cut its throughput to a quarter), so there it keeps an hour by age only. Failed jobs stay
 * a week on both, so a retry can reuse them.
 */
export function retention(
  kind: 'redis' | 'postgres',
): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> {
  return {
    removeOnComplete: kind === 'redis' ? { age: 24 * 3600, count: 10_000 } : { age: 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function jobOptions(handler: Handler, kind: 'redis' | 'postgres'): JobsOptions {
  const [attempts, delay] =
    handler.kind === 'job'
      ? [handler.def.attempts ?? DEFAULT_ATTEMPTS, handler.def.backoffMs ?? DEFAULT_BACKOFF_MS]
      : [EVENT_ATTEMPTS, EVENT_BACKOFF_MS];
  return { attempts: Math.max(1, attempts), backoff: { type: 'exponential', delay }, ...retention(kind) };
}
