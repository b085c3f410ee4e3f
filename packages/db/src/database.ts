import { type EntityManager, type EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import { isUuid } from './uuid.ts';

/** One transaction: the ORM's EntityManager and raw SQL (`?` placeholders) on the same connection. */
export interface Tx {
  readonly em: EntityManager;
  /** The tenant whose rows this transaction sees, or null on the platform level (global tables only). */
  readonly tenantId: string | null;
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Database {
  readonly orm: MikroORM;
  /** Runs `fn` in one transaction whose first statement sets `app.tenant_id` (row-level security). */
  withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
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
  const t = txOf(tx.em, tenantId);
  await t.query(`select set_config('app.tenant_id', ?, true)`, [tenantId]);
  return t;
}

function txOf(em: EntityManager, tenantId: string | null): Tx {
  const conn = em.getConnection();
  return {
    em,
    tenantId,
    query: <R>(sql: string, params: readonly unknown[] = []) =>
      conn.execute(sql, params as unknown[], 'all', em.getTransactionContext()) as Promise<R[]>,
  };
}

export async function openDatabase(
  appUrl: string,
  entities: EntitySchema[],
  poolSize = 10,
): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: appUrl,
    entities,
    pool: { min: 0, max: poolSize },
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    debug: false,
  });
  return {
    orm,
    async withTenant(tenantId, fn) {
      if (!isUuid(tenantId)) throw new Error('withTenant needs a tenant uuid');
      const em = orm.em.fork();
      em.setFilterParams('tenant', { tenantId });
      return em.transactional(async (tem) => {
        const tx = txOf(tem, tenantId);
        await tx.query(`select set_config('app.tenant_id', ?, true)`, [tenantId]);
        return fn(tx);
      });
    },
    async withPlatform(fn) {
      return orm.em.fork().transactional(async (tem) => fn(txOf(tem, null)));
    },
    close: () => orm.close(true),
  };
}
