import type { MigrationSource, Tx } from '@civicgrid/db';
import type {
  EventSubscription,
  NamedCondition,
  PermissionDef,
  PlatformJobs,
  PluginDeps,
  ServerPlugin,
  ServiceLocator,
  ServiceRef,
} from './plugin.ts';

const ID = /^[a-z][a-z0-9-]{1,39}$/;
const JOB = /^[a-z][a-z0-9-]{0,39}$/;

/** A service the platform provides to every plugin (the process builds it: storage from its env). */
export interface PlatformService<T = unknown> {
  ref: ServiceRef<T>;
  instance: T;
}

/** A plugin list that cannot start: the message names the plugins at fault. */
export class PluginSetupError extends Error {
  override name = 'PluginSetupError';
}

/**
 * The installed plugins, checked and ordered: ids unique, every dependency present and no cycle
 * (dependencies first), permissions inside the plugin's namespace, every consumed service provided by
 * a dependency. `apps/api` and `apps/worker` build one from the list they install.
 */
export class PluginHost {
  readonly plugins: readonly ServerPlugin[];
  readonly platformJobs: readonly PlatformJobs[];
  readonly #byId: Map<string, ServerPlugin>;
  /** Services the platform itself provides (object storage): any plugin may consume them. */
  readonly #platformServices: Map<string, unknown>;

  constructor(
    installed: ServerPlugin[],
    opts: { platformJobs?: PlatformJobs[]; services?: PlatformService[] } = {},
  ) {
    this.#platformServices = new Map((opts.services ?? []).map((s) => [s.ref.id, s.instance]));
    this.#byId = new Map();
    for (const p of installed) {
      if (!ID.test(p.id))
        throw new PluginSetupError(`plugin id "${p.id}" is not kebab-case (2–40 characters)`);
      if (p.id === 'core') throw new PluginSetupError('plugin id "core" is reserved');
      if (this.#byId.has(p.id)) throw new PluginSetupError(`plugin "${p.id}" is installed twice`);
      this.#byId.set(p.id, p);
    }
    this.plugins = this.#ordered();
    for (const p of this.plugins) this.#checkPlugin(p);
    this.platformJobs = opts.platformJobs ?? [];
    for (const g of this.platformJobs) this.#checkPlatformJobs(g);
  }

  /** A service the platform provides (object storage), or undefined when the process gave none. */
  platformService<T>(ref: ServiceRef<T>): T | undefined {
    return this.#platformServices.get(ref.id) as T | undefined;
  }

  /** Every installed plugin's derived tables (see `ServerPlugin.derivedTables`). */
  derivedTables(): string[] {
    return this.plugins.flatMap((p) => p.derivedTables ?? []);
  }

  /** An installed module (platform job groups are not modules: see `jobOwner`). */
  get(id: string): ServerPlugin | undefined {
    return this.#byId.get(id);
  }

  /** Whatever owns the queue `id`: a module, or a platform package's job group. */
  jobOwner(id: string): (ServerPlugin | PlatformJobs) | undefined {
    return this.#byId.get(id) ?? this.platformJobs.find((g) => g.id === id);
  }

  /** Every queue owner: the modules, then the platform job groups. */
  get jobOwners(): ReadonlyArray<ServerPlugin | PlatformJobs> {
    return [...this.plugins, ...this.platformJobs];
  }

  #checkPlatformJobs(g: PlatformJobs) {
    if (!ID.test(g.id) || g.id === 'core' || this.jobOwner(g.id) !== g)
      throw new PluginSetupError(
        `platform job group "${g.id}" needs an id of its own (kebab-case, not core)`,
      );
    this.#checkJobNames(g.id, g.jobs);
    const scheduled = g.jobs.find((j) => j.schedule);
    // The reconciler builds schedules from tenant_module rows, which platform groups do not have.
    if (scheduled)
      throw new PluginSetupError(`platform job ${g.id}/${scheduled.name} cannot have a schedule`);
  }

  #checkJobNames(owner: string, jobs: readonly { name: string }[]) {
    const names = new Set<string>();
    for (const j of jobs) {
      if (!JOB.test(j.name)) throw new PluginSetupError(`plugin "${owner}" has a job named "${j.name}"`);
      if (names.has(j.name)) throw new PluginSetupError(`plugin "${owner}" declares job "${j.name}" twice`);
      names.add(j.name);
    }
  }

  /** Dependencies before dependants; a missing or cyclic dependency names the plugins involved. */
  #ordered(): ServerPlugin[] {
    const out: ServerPlugin[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (p: ServerPlugin, chain: string[]) => {
      const s = state.get(p.id);
      if (s === 'done') return;
      if (s === 'visiting') {
        const cycle = [...chain.slice(chain.indexOf(p.id)), p.id];
        throw new PluginSetupError(`plugins depend on each other in a cycle: ${cycle.join(' → ')}`);
      }
      state.set(p.id, 'visiting');
      for (const dep of p.dependsOn ?? []) {
        const d = this.#byId.get(dep);
        if (!d) throw new PluginSetupError(`plugin "${p.id}" depends on "${dep}", which is not installed`);
        visit(d, [...chain, p.id]);
      }
      state.set(p.id, 'done');
      out.push(p);
    };
    for (const p of this.#byId.values()) visit(p, []);
    return out;
  }

  #checkPlugin(p: ServerPlugin) {
    for (const perm of p.permissions ?? []) {
      if (!perm.key.startsWith(`${p.id}.`))
        throw new PluginSetupError(`plugin "${p.id}" declares permission ${perm.key} outside its namespace`);
    }
    for (const c of p.conditions ?? []) {
      const stray = c.subjects.find((s) => !s.startsWith(`${p.id}.`));
      if (stray || !/^[a-z][a-z0-9-]{0,39}$/.test(c.name))
        throw new PluginSetupError(
          `plugin "${p.id}" declares condition "${c.name}" badly (${stray ?? 'name'})`,
        );
    }
    const own = new Set((p.permissions ?? []).map((x) => x.key));
    for (const x of p.permissions ?? [])
      for (const c of p.conditions ?? [])
        if (c.subjects.includes(x.key.slice(0, x.key.lastIndexOf('.')))) own.add(`${x.key}?${c.name}`);
    for (const [role, keys] of Object.entries(p.defaultGrants ?? {})) {
      const stray = keys.find((k) => !own.has(k));
      if (stray)
        throw new PluginSetupError(`plugin "${p.id}" grants ${stray} to ${role} but does not declare it`);
    }
    this.#checkJobNames(p.id, p.jobs ?? []);
    const reachable = this.#dependencyClosure(p.id);
    for (const ref of p.consumes ?? []) {
      if (this.#platformServices.has(ref.id)) continue;
      const provider = this.plugins.find((q) => q.provides?.some((s) => s.ref.id === ref.id));
      if (!provider)
        throw new PluginSetupError(`plugin "${p.id}" uses service ${ref.id}, which no plugin provides`);
      if (!reachable.has(provider.id))
        throw new PluginSetupError(
          `plugin "${p.id}" uses service ${ref.id} from "${provider.id}" but does not depend on it`,
        );
    }
  }

  #dependencyClosure(id: string): Set<string> {
    const seen = new Set<string>();
    const walk = (x: string) => {
      for (const d of this.#byId.get(x)?.dependsOn ?? []) {
        if (!seen.has(d)) {
          seen.add(d);
          walk(d);
        }
      }
    };
    walk(id);
    return seen;
  }

  /** The plugins' migrations, in dependency order, to run after the core's. */
  migrations(): MigrationSource[] {
    return this.plugins.flatMap((p) =>
      p.migrations ? [{ source: `plugin:${p.id}`, dir: p.migrations }] : [],
    );
  }

  entities() {
    return this.plugins.flatMap((p) => p.entities ?? []);
  }

  permissions(): Array<{ group: string; defs: PermissionDef[]; conditions: NamedCondition[] }> {
    return this.plugins.map((p) => ({
      group: p.id,
      defs: p.permissions ?? [],
      conditions: p.conditions ?? [],
    }));
  }

  /** Subscribers of an event type, with the plugin each belongs to. */
  subscribers(type: string): Array<{ plugin: string; subscription: EventSubscription }> {
    return this.plugins.flatMap((p) =>
      (p.subscriptions ?? [])
        .filter((s) => s.event.type === type)
        .map((s) => ({ plugin: p.id, subscription: s })),
    );
  }

  /**
   * What a process (the API, the worker) hands its plugins: one deps object per plugin, its settings
   * reader bound to its id, and one service locator over them.
   */
  bindDeps(
    base: Omit<PluginDeps, 'services' | 'settings'>,
    settings: (tx: Tx, pluginId: string) => Promise<Record<string, unknown>>,
  ): { depsFor: (plugin: ServerPlugin) => PluginDeps; services: ServiceLocator } {
    const bound = new Map<string, PluginDeps>();
    const depsFor = (plugin: ServerPlugin): PluginDeps => {
      let deps = bound.get(plugin.id);
      if (!deps) {
        deps = { ...base, services, settings: <S>(tx: Tx) => settings(tx, plugin.id) as Promise<S> };
        bound.set(plugin.id, deps);
      }
      return deps;
    };
    const services = this.serviceLocator(depsFor);
    return { depsFor, services };
  }

  /** A locator whose services are created on first use, each with its provider's deps. */
  serviceLocator(depsFor: (plugin: ServerPlugin) => PluginDeps): ServiceLocator {
    const services = new Map<string, unknown>();
    return {
      get: <T>(ref: ServiceRef<T>): T => {
        if (this.#platformServices.has(ref.id)) return this.#platformServices.get(ref.id) as T;
        if (!services.has(ref.id)) {
          const provider = this.plugins.find((p) => p.provides?.some((s) => s.ref.id === ref.id));
          const provision = provider?.provides?.find((s) => s.ref.id === ref.id);
          if (!provider || !provision) throw new Error(`no plugin provides service ${ref.id}`);
          services.set(ref.id, provision.create(depsFor(provider)));
        }
        return services.get(ref.id) as T;
      },
    };
  }

  async shutdown(): Promise<void> {
    for (const p of [...this.plugins].reverse()) await p.onShutdown?.();
  }
}
