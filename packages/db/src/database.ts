import { type EntityManager, type EntitySchema, IsolationLevel, MikroORM } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import { type QueryOptions, runQuery } from './sql.ts';
import { isUuid } from './uuid.ts';

/** One transaction: the ORM's EntityManager and raw SQL (`?` placeholders) on the same connection. */
export interface Tx {
  readonly em: EntityManager;
  /** The tenant whose rows this transaction sees, or null on the platform level (global tables only). */
  readonly tenantId: string | null;
  /** The transaction's own pg connection (COPY streams, for instance); never release it. */
  readonly pg: ClientBase;
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<R[]>;
}

export interface TenantTxOptions {
  /**
   * Read-only, repeatable read: every statement sees the same moment, so rows read table after table
   * agree with each other (a tenant export).
   */
  snapshot?: boolean;
}

export interface Database {
  readonly orm: MikroORM;
  /** Runs `fn` in one transaction whose first statement sets `app.tenant_id` (row-level security). */
  withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, opts?: TenantTxOptions): Promise<T>;
  /** A transaction with no tenant set: global tables only; tenant tables answer no rows. */
  withPlatform<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Switches a platform transaction into a tenant's context (provisioning a new tenant writes the tenant
 * row and its first tenant rows atomically).
 */
export async function enterTenant(tx: Tx, tenantId: string): Promise<Tx> {
  if (!isUuid(tenantId)) throw new Error('enterTenant needs a tenant uuid');
  tx.em.setFilterParams('tenant', { tenantId });
  const t: Tx = { ...tx, tenantId };
  await setTenant(t, tenantId);
  return t;
}

/**
 * `SET LOCAL` rather than `set_config(…, true)`: the same on one PostgreSQL, but on Citus only SET
 * commands reach the worker nodes (`citus.propagate_set_commands = local`), where the policies run.
 * SET takes no bound parameter; the id is a checked uuid, so the literal is safe.
 */
function setTenant(tx: Tx, tenantId: string) {
  if (!isUuid(tenantId)) throw new Error('a tenant id must be a uuid');
  return tx.query(`set local app.tenant_id = '${tenantId}'`);
}

/**
 * The pg connection under the ORM's transaction. Raw SQL goes straight to it with bound parameters:
 * MikroORM's `execute` pastes values into the text (so nothing can be prepared) and costs a knex
 * round of formatting per statement.
 */
async function txOf(em: EntityManager, tenantId: string | null): Promise<Tx> {
  const trx = em.getTransactionContext() as
    | { client?: { acquireConnection?: () => Promise<ClientBase> } }
    | undefined;
  const acquire = trx?.client?.acquireConnection;
  if (typeof acquire !== 'function') throw new Error('no transaction connection');
  const pg = await acquire.call(trx!.client);
  return { em, tenantId, pg, query: (sql, params = [], opts) => runQuery(pg, sql, params, opts) };
}

const ACQUIRE_TIMEOUT_MS = Number(process.env.DATABASE_ACQUIRE_TIMEOUT_MS ?? 5_000);

export async function openDatabase(
  appUrl: string,
  entities: EntitySchema[],
  poolSize = 10,
): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: appUrl,
    entities,
    // A request waits at most this long for a connection (pool busy, or the server unreachable), then
    // gets a 503 instead of hanging; connecting itself gives up as soon.
    pool: { min: 0, max: poolSize, acquireTimeoutMillis: ACQUIRE_TIMEOUT_MS },
    driverOptions: { connection: { connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS } },
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    debug: false,
  });
  return {
    orm,
    async withTenant(tenantId, fn, opts = {}) {
      if (!isUuid(tenantId)) throw new Error('withTenant needs a tenant uuid');
      const em = orm.em.fork();
      em.setFilterParams('tenant', { tenantId });
      const snapshot = opts.snapshot
        ? { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true }
        : {};
      return em.transactional(async (tem) => {
        const tx = await txOf(tem, tenantId);
        await setTenant(tx, tenantId);
        return fn(tx);
      }, snapshot);
    },
    async withPlatform(fn) {
      return orm.em.fork().transactional(async (tem) => fn(await txOf(tem, null)));
    },
    close: () => orm.close(true),
  };
}
