import type { Database, Tx } from '@civicgrid/db';
import type { EntitySchema } from '@mikro-orm/core';
import type { FastifyInstance } from 'fastify';

/** Text shown to users, zh-CN first (the default locale) with English beside it. */
export interface LocalizedText {
  'zh-CN': string;
  en: string;
}

/** A permission the core or a plugin declares: `<area>.<subject>.<action>`, with titles for the role matrix. */
export interface PermissionDef {
  key: string;
  title: LocalizedText;
  /** Grouping in the UI's permission matrix: the area (core or a plugin id). */
  group?: string;
}

/**
 * A named condition a role can put on a permission of the plugin's ("only notices she posted"): a role
 * holding `<permission>?<name>` (e.g. `bulletin.notice.delete?own`) may act on a record in its scope
 * only where the record's `field` is the user's own id. Checked by CASL on single records (the record
 * must carry `field`) and turned into `<column> = <user id>` for lists.
 */
export interface NamedCondition {
  /** kebab-case, unique in the plugin */
  name: string;
  title: LocalizedText;
  /** the subjects (`<plugin>.<subject>`) whose permissions may carry it */
  subjects: string[];
  /** the record's field as routes pass it to `Access.can` */
  field: string;
  /** the same field's column, for SQL */
  column: string;
}

/**
 * A typed reference to a service one plugin provides and others use. The consumer declares the
 * interface it expects under the provider's id, so no plugin imports another; the host checks at
 * startup that every consumed service has a provider.
 */
export interface ServiceRef<T> {
  readonly id: string;
  /** Type carrier only; never set at run time. */
  readonly __type?: T;
}
export const serviceRef = <T>(id: string): ServiceRef<T> => ({ id });

/** A typed domain event (`event.escalated`, `landlord.flagged`): payloads carry ids, never personal data. */
export interface EventRef<P extends object> {
  readonly type: string;
  readonly __payload?: P;
}
export const eventRef = <P extends object>(type: string): EventRef<P> => ({ type });

export interface ServiceLocator {
  get<T>(ref: ServiceRef<T>): T;
}

export interface EventPublisher {
  /**
   * Writes the event to the outbox in the caller's tenant transaction: it is delivered (through the
   * job queue) exactly when that transaction commits, and never lost after it did.
   */
  publish<P extends object>(tx: Tx, ref: EventRef<P>, payload: P): Promise<void>;
}

/** Every job's payload: the tenant it runs for, and for assessments the period it covers. */
export interface JobData {
  tenantId: string;
  /** `2026-11`, `2026-Q4`, `2026-11-26`: derived from the schedule's due time when not given. */
  period?: string;
  [key: string]: unknown;
}

export interface JobEnqueuer {
  /** Queues a plugin's job for a tenant; returns the queue's job id. */
  enqueue(
    plugin: string,
    job: string,
    data: JobData,
    opts?: { jobId?: string; delayMs?: number },
  ): Promise<string>;
}

export interface JobLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a job's processor is given: the tenant transaction is already open, RLS setting included. */
export interface JobContext<D extends JobData = JobData> {
  readonly tenantId: string;
  readonly data: D;
  /**
   * `data.period` if given; else, for a job whose schedule names a period kind, the last complete period
   * before the firing's due moment in the tenant's time zone (due 2026-12-01 02:00 monthly → `2026-11`;
   * a run queued by hand counts from when it was queued); null for other jobs.
   */
  readonly period: string | null;
  /** The recorded run (`job_run.id`). */
  readonly runId: string;
  readonly attempt: number;
  readonly tx: Tx;
  /**
   * The database, for the rare job that must commit in parts (a 100 k-row import writes batch by
   * batch, each in its own tenant transaction, so rows are not held back until the end). Work done
   * through it does not roll back with `tx`: such a job must be safe to run again.
   */
  readonly db: Database;
  /** Reports progress (0–100) in its own short transaction, so the admin sees it while the job runs. */
  progress(percent: number): Promise<void>;
  /**
   * Works through `items` on this job's own lane and, while the worker has idle job slots, on up to
   * `maxLanes - 1` borrowed ones — for a job whose parts commit on their own through `db`, so a long
   * run uses the cores nobody else needs. A borrowed lane goes back as soon as another job waits; the
   * first failure stops every lane and is thrown once they have all stopped.
   */
  inLanes<T>(items: readonly T[], maxLanes: number, work: (item: T) => Promise<void>): Promise<void>;
  readonly services: ServiceLocator;
  readonly events: EventPublisher;
  readonly log: JobLogger;
  /** The tenant's settings for this job's plugin (validated, defaults applied), read in `tx`. */
  settings<S = Record<string, unknown>>(): Promise<S>;
}

/** How an assessment's period is named from its due time. */
export type PeriodKind = 'day' | 'month' | 'quarter' | 'year';

export interface JobDefinition<D extends JobData = JobData> {
  /** kebab-case; with the plugin id it names the queue job and the schedule id `<plugin>-<job>-<tenantId>`. */
  name: string;
  title?: LocalizedText;
  /**
   * Runs per tenant while the module is enabled, in the tenant's time zone. `cronSetting` names a
   * setting of the plugin's (dot path, a cron string) that replaces `cron` for a tenant that set it.
   */
  schedule?: { cron: string; period?: PeriodKind; cronSetting?: string };
  /** Tries in all; a processor throwing an AppError below 500 (bad input) fails at once, untried again. */
  attempts?: number;
  /** First retry delay; doubles each attempt. */
  backoffMs?: number;
  /**
   * The tenant states it runs in; every other state skips the run. Default: active only. A tenant's
   * export runs while it is suspended (a city leaving), its import only while it is `importing`.
   */
  tenantStates?: readonly TenantState[];
  process(ctx: JobContext<D>): Promise<unknown>;
}

export type TenantState = 'active' | 'suspended' | 'importing';

/** A subscriber's handler runs as a job in the subscriber's tenant transaction, once per event. */
export interface EventSubscription<P extends object = object> {
  event: EventRef<P>;
  handle(ctx: JobContext<JobData & { event: string; payload: P; outboxId: string }>): Promise<unknown>;
}

export interface ServiceProvision<T = unknown> {
  ref: ServiceRef<T>;
  create(deps: PluginDeps): T;
}

/** What the host hands a plugin's routes and hooks. */
export interface PluginDeps {
  readonly db: Database;
  readonly services: ServiceLocator;
  readonly events: EventPublisher;
  readonly jobs: JobEnqueuer;
  /** The tenant's settings for this plugin (validated, defaults applied), read in the caller's transaction. */
  settings<S = Record<string, unknown>>(tx: Tx): Promise<S>;
}

/**
 * What a plugin gets to add its part of the demo tenant that `pnpm start` seeds once (never a real tenant):
 * the seed's tenant transaction, after every module is on and the registry's demo data is written.
 */
export interface DemoContext {
  readonly tx: Tx;
  readonly tenantId: string;
  /** The demo's grids (residential and business), where the registry's demo houses, people and shops are. */
  readonly grids: readonly string[];
  /** The demo grid worker (`gridworker`, first grid): who records what a demo shows as found on rounds. */
  readonly gridWorkerId: string;
  /** Adds a demo login with the demo password, granted `roleKey` (a role of this tenant) at `orgUnitId`. */
  addUser(u: { username: string; displayName: string; orgUnitId: string; roleKey: string }): Promise<string>;
}

export interface TenantLifecycleContext {
  /** The tenant transaction that also writes the `tenant_module` row: all or nothing. */
  readonly tx: Tx;
  readonly tenantId: string;
  readonly settings: Record<string, unknown>;
}

/** JSON Schema (draft 7, as Ajv reads it) for a plugin's per-tenant settings. */
export interface SettingsSchema {
  type: 'object';
  properties: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean;
  [key: string]: unknown;
}

export interface ServerPlugin {
  /** kebab-case: the route prefix `/api/v1/m/<id>`, the table prefix and the permission namespace. */
  id: string;
  version: string;
  title: LocalizedText;
  description?: LocalizedText;
  dependsOn?: string[];
  entities?: EntitySchema[];
  /** Folder of `NNNN_*.sql` files, run with the core's at startup (every tenant gets the schema). */
  migrations?: URL;
  /** Keys must start with `<id>.`. */
  permissions?: PermissionDef[];
  /** Conditions roles may put on this plugin's permissions (`<permission>?<name>`). */
  conditions?: NamedCondition[];
  /** Permissions added to the tenant's default roles (by role key) when the module is enabled. */
  defaultGrants?: Record<string, string[]>;
  settings?: { schema: SettingsSchema };
  /**
   * Registered under `/api/v1/m/<id>` behind the module gate; each route must set `config.access`: a
   * permission, `authenticated`, or `signed` (a public route another system calls, its body signed
   * with a per-tenant secret from this plugin's settings; see packages/http/src/signed.ts).
   */
  routes?(app: FastifyInstance, deps: PluginDeps): Promise<void> | void;
  jobs?: JobDefinition[];
  /**
   * Tables this plugin's triggers rebuild from its other tables (a rollup): a tenant export leaves them
   * out, and the import's inserts rebuild them as they were.
   */
  derivedTables?: string[];
  subscriptions?: EventSubscription[];
  provides?: ServiceProvision[];
  /** Services of other plugins this one uses; each must be provided by a plugin in `dependsOn`. */
  consumes?: ServiceRef<unknown>[];
  onTenantEnable?(ctx: TenantLifecycleContext, deps: PluginDeps): Promise<void>;
  onTenantDisable?(ctx: TenantLifecycleContext, deps: PluginDeps): Promise<void>;
  /** The plugin's part of the demo tenant (see DemoContext); answers what it wrote, for the start-up log. */
  seedDemo?(ctx: DemoContext): Promise<Record<string, number>>;
  onShutdown?(): Promise<void>;
}

/**
 * Jobs of a platform package (the registry's background imports): run by the same queues, tenant
 * wrapper and job centre as the modules' jobs, but on for every tenant: never in the modules
 * catalogue, never switched off. No schedules or subscriptions (a platform job is queued by a route).
 */
export interface PlatformJobs {
  /** The queue's owner id, like a plugin id; also the area whose permissions show its runs. */
  id: string;
  jobs: JobDefinition[];
}

/** Identity helper that keeps a plugin's literal types checked against the contract. */
export const defineServerPlugin = (p: ServerPlugin): ServerPlugin => p;
