import type { Database } from './database.ts';

/** The connection pool under MikroORM (knex's tarn pool), as a metrics scrape reads it. */
export interface PoolStats {
  /** Connections lent to a transaction or query. */
  inUse: number;
  /** Open connections waiting to be lent. */
  free: number;
  /** Callers waiting for a connection (the pool is exhausted when this stays above 0). */
  pendingAcquires: number;
  /** Connections being opened. */
  pendingCreates: number;
  max: number;
}

interface TarnPool {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

/** Reads the pool's counters now; null when the ORM holds no pool (closed, or not opened on knex). */
export function poolStats(db: Database): PoolStats | null {
  const connection = db.orm.em.getConnection() as unknown as {
    getKnex?: () => { client?: { pool?: TarnPool } };
  };
  const pool = connection.getKnex?.().client?.pool;
  if (!pool) return null;
  return {
    inUse: pool.numUsed(),
    free: pool.numFree(),
    pendingAcquires: pool.numPendingAcquires(),
    pendingCreates: pool.numPendingCreates(),
    max: pool.max,
  };
}
