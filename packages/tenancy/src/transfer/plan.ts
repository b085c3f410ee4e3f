import type { Tx } from '@civicgrid/db';

/**
 * What a tenant's data is, read from the catalog rather than listed by hand, so a module installed
 * later travels without new code: every table in `public` with a `tenant_id` column, in an order where
 * what a row references is written before it.
 *
 * - A table that references itself (org units under org units, an event merged into another) is read
 *   parents first, by depth from its roots.
 * - Tables that reference each other (a household names its head, a resident her household) break the
 *   cycle at a nullable key: that column is written empty and filled in once every table is in.
 * - Generated columns are left out (the target computes them); `generated always` identity columns too:
 *   the target numbers the rows again, in the archive's order, which is theirs.
 */
export interface TransferTable {
  name: string;
  /** The columns the archive carries, in table order. */
  columns: string[];
  /** Columns the archive leaves out: generated ones and the renumbered identity. */
  omitted: string[];
  primaryKey: string[];
  /** A self-reference (column → referenced column): rows are read roots first. */
  selfRef: { column: string; references: string } | null;
  /** Foreign-key columns written empty at first and set after all tables (a cycle broken here). */
  deferred: string[];
  /** An identity column the target numbers again: rows are read in its order. */
  renumbered: string | null;
}

/**
 * Bookkeeping that is the instance's, not the tenant's: sessions (log in again after a move), job runs
 * and queued domain events (the target's jobs start afresh), and the transfers themselves.
 */
export const INSTANCE_TABLES = [
  'user_session',
  'job_run',
  'event_outbox',
  'event_delivery',
  'outbox_pending',
  'tenant_transfer',
];

interface Column {
  table: string;
  name: string;
  notNull: boolean;
  generated: boolean;
  identityAlways: boolean;
}
interface ForeignKey {
  table: string;
  refTable: string;
  columns: string[];
  refColumns: string[];
}

/**
 * The tenant tables in write order. `skip` names tables left out besides the instance's own ones:
 * tables a module rebuilds from others by trigger (`derivedTables` of a plugin).
 */
export async function transferPlan(tx: Tx, skip: readonly string[] = []): Promise<TransferTable[]> {
  const left = new Set([...INSTANCE_TABLES, ...skip]);
  const columns = await tx.query<Column>(
    `select c.relname as table, a.attname as name, a.attnotnull as "notNull",
            a.attgenerated <> '' as generated, a.attidentity = 'a' as "identityAlways"
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
        and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id'
                    and not t.attisdropped)
      order by c.relname, a.attnum`,
  );
  const keys = await tx.query<ForeignKey & { kind: 'f' | 'p' }>(
    `select t.relname as table, coalesce(r.relname, '') as "refTable", con.contype as kind,
            array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
                    join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o) as columns,
            array(select a.attname::text from unnest(coalesce(con.confkey, '{}')) with ordinality k(n, o)
                    join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.o) as "refColumns"
       from pg_constraint con
       join pg_class t on t.oid = con.conrelid
       join pg_namespace n on n.oid = t.relnamespace
       left join pg_class r on r.oid = con.confrelid
      where n.nspname = 'public' and con.contype in ('f', 'p')
      order by t.relname, con.conname`,
  );
  const names = [...new Set(columns.map((c) => c.table))].filter((t) => !left.has(t)).sort();
  const tenantTables = new Set(names);
  const colsOf = (t: string) => columns.filter((c) => c.table === t);
  const fks = keys.filter((k) => k.kind === 'f' && tenantTables.has(k.table) && tenantTables.has(k.refTable));

  const tables = new Map<string, TransferTable>();
  for (const name of names) {
    const self = fks.filter((k) => k.table === name && k.refTable === name);
    if (self.length > 1) throw new Error(`${name}: more than one self-reference; a transfer cannot order it`);
    const selfKey = self[0] && {
      column: withoutTenant(self[0].columns),
      references: withoutTenant(self[0].refColumns),
    };
    if (selfKey && (selfKey.column.length !== 1 || selfKey.references.length !== 1))
      throw new Error(`${name}: a self-reference over several columns; a transfer cannot order it`);
    const identity = colsOf(name).filter((c) => c.identityAlways);
    const referenced = fks.some(
      (k) => k.refTable === name && identity.some((c) => k.refColumns.includes(c.name)),
    );
    if (identity.length > 1 || referenced || (identity.length && selfKey))
      throw new Error(
        `${name}: its identity column is referenced or not alone; a transfer cannot renumber it`,
      );
    tables.set(name, {
      name,
      columns: colsOf(name)
        .filter((c) => !c.generated && !c.identityAlways)
        .map((c) => c.name),
      omitted: colsOf(name)
        .filter((c) => c.generated || c.identityAlways)
        .map((c) => c.name),
      primaryKey: keys.find((k) => k.kind === 'p' && k.table === name)?.columns ?? [],
      selfRef: selfKey ? { column: selfKey.column[0]!, references: selfKey.references[0]! } : null,
      deferred: [],
      renumbered: identity[0]?.name ?? null,
    });
  }

  // Kahn's order over the references between tables; when only cycles are left, one key of the cycle
  // whose columns may be empty is deferred (alphabetically first, so the plan is the same every time).
  const edges = fks.filter((k) => k.table !== k.refTable);
  const pending = new Set(names);
  const order: TransferTable[] = [];
  const nullable = (k: ForeignKey) =>
    withoutTenant(k.columns).every((c) => !columns.find((x) => x.table === k.table && x.name === c)?.notNull);
  while (pending.size) {
    const ready = [...pending].filter(
      (t) => !edges.some((e) => e.table === t && pending.has(e.refTable) && !isDeferred(tables, e)),
    );
    if (ready.length) {
      for (const t of ready) {
        order.push(tables.get(t)!);
        pending.delete(t);
      }
      continue;
    }
    const breakable = edges.find(
      (e) => pending.has(e.table) && pending.has(e.refTable) && !isDeferred(tables, e) && nullable(e),
    );
    if (!breakable)
      throw new Error(
        `tables ${[...pending].join(', ')} reference each other through keys that cannot be empty`,
      );
    tables.get(breakable.table)!.deferred.push(...withoutTenant(breakable.columns));
  }
  return order;
}

/** A key's own columns: every key between tenant tables also holds `tenant_id`. */
const withoutTenant = (cols: string[]) => cols.filter((c) => c !== 'tenant_id');
const isDeferred = (tables: Map<string, TransferTable>, e: ForeignKey) =>
  withoutTenant(e.columns).every((c) => tables.get(e.table)!.deferred.includes(c));

export const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * The statement that reads a table's rows for the transaction's tenant (row-level security does the
 * filtering), one JSON object per row, in an order the import can write them in.
 */
export function readSql(t: TransferTable): string {
  const lit = (c: string) => `'${c.replaceAll("'", "''")}'`;
  const row = `(to_jsonb(x)${t.omitted.map((c) => ` - ${lit(c)}`).join('')})::text`;
  if (t.selfRef) {
    const { column, references } = t.selfRef;
    return `with recursive d (ref, depth) as (
              select ${quoteIdent(references)}, 0 from ${quoteIdent(t.name)} where ${quoteIdent(column)} is null
              union all
              select c.${quoteIdent(references)}, d.depth + 1 from ${quoteIdent(t.name)} c join d on c.${quoteIdent(column)} = d.ref)
            select ${row} as row from ${quoteIdent(t.name)} x join d on d.ref = x.${quoteIdent(references)}
            order by d.depth, x.${quoteIdent(references)}`;
  }
  const order = t.renumbered ? [t.renumbered] : withoutTenant(t.primaryKey);
  const by = order.length ? ` order by ${order.map((c) => `x.${quoteIdent(c)}`).join(', ')}` : '';
  return `select ${row} as row from ${quoteIdent(t.name)} x${by}`;
}
