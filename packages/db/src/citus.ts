import pg from 'pg';

/**
 * The schema as Citus sees it. A tenant table (it has `tenant_id`) is distributed by `tenant_id`, all
 * of them co-located so a tenant's joins stay on one node; a global table becomes a reference table
 * (copied to every node). That only works when every key of a tenant table holds `tenant_id`, every
 * foreign key between tenant tables matches `tenant_id` to `tenant_id`, and no global table points
 * into tenant data — `problems` names each place where that does not hold.
 */
export interface CitusPlan {
  referenceTables: string[];
  distributedTables: string[];
  /**
   * Foreign keys between tenant tables. Citus distributes a table only once what it references is
   * distributed, and the registry's keys form cycles (a household names its head, a resident her
   * household): the script drops these, distributes every table, then adds them back.
   */
  tenantForeignKeys: Array<{ table: string; name: string; definition: string }>;
  problems: string[];
}

interface Table {
  name: string;
  tenant: boolean;
}
interface Key {
  table: string;
  name: string;
  kind: 'p' | 'u' | 'f' | 'i';
  columns: string[];
  /** Foreign keys: the referenced table and its columns, position by position. */
  refTable?: string;
  refColumns?: string[];
  definition?: string;
}

/** Tables that stay on the coordinator only (bookkeeping of the migrator, never joined with data). */
const LOCAL_ONLY = new Set(['schema_migration']);

export async function citusPlan(client: pg.ClientBase, schema = 'public'): Promise<CitusPlan> {
  const tables = (
    await client.query<Table>(
      `select c.relname as name,
              exists (select 1 from pg_attribute a
                      where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as tenant
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
        order by c.relname`,
      [schema],
    )
  ).rows.filter((t) => !LOCAL_ONLY.has(t.name));
  const cols = `(select array_agg(a.attname::text order by k.ord) from unnest(%s) with ordinality k(attnum, ord)
                  join pg_attribute a on a.attrelid = %s and a.attnum = k.attnum)`;
  const keys = (
    await client.query<Key>(
      `select t.relname as table, con.conname as name, con.contype as kind,
              ${cols.replace('%s', 'con.conkey').replace('%s', 'con.conrelid')} as columns,
              r.relname as "refTable",
              ${cols.replace('%s', 'con.confkey').replace('%s', 'con.confrelid')} as "refColumns",
              pg_get_constraintdef(con.oid) as definition
         from pg_constraint con
         join pg_class t on t.oid = con.conrelid
         join pg_namespace n on n.oid = t.relnamespace
         left join pg_class r on r.oid = con.confrelid
        where n.nspname = $1 and con.contype in ('p', 'u', 'f')
       union all
       -- Unique indexes that back no constraint (partial and expression ones included).
       select t.relname, i.relname, 'i',
              ${cols.replace('%s', 'x.indkey::int2[]').replace('%s', 'x.indrelid')}, null, null, null
         from pg_index x
         join pg_class i on i.oid = x.indexrelid
         join pg_class t on t.oid = x.indrelid
         join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = $1 and x.indisunique
          and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid)
        order by 1, 2`,
      [schema],
    )
  ).rows;

  const tenant = new Map(tables.map((t) => [t.name, t.tenant]));
  const problems: string[] = [];
  for (const t of tables.filter((x) => x.tenant)) {
    if (!keys.some((k) => k.table === t.name && k.kind === 'p'))
      problems.push(`${t.name}: a tenant table without a primary key`);
  }
  for (const k of keys) {
    if (!tenant.has(k.table)) continue;
    const cols = k.columns ?? [];
    if (tenant.get(k.table)) {
      if ((k.kind === 'p' || k.kind === 'u' || k.kind === 'i') && !cols.includes('tenant_id'))
        problems.push(`${k.table}: ${k.name} (${cols.join(', ')}) does not include tenant_id`);
      if (k.kind === 'f' && tenant.get(k.refTable!)) {
        const at = cols.indexOf('tenant_id');
        if (at < 0 || k.refColumns?.[at] !== 'tenant_id')
          problems.push(`${k.table}: ${k.name} → ${k.refTable} does not match tenant_id to tenant_id`);
      }
    } else if (k.kind === 'f' && tenant.get(k.refTable!)) {
      problems.push(`${k.table}: a global table references the tenant table ${k.refTable} (${k.name})`);
    }
  }

  return {
    referenceTables: tables.filter((t) => !t.tenant).map((t) => t.name),
    distributedTables: tables.filter((t) => t.tenant).map((t) => t.name),
    tenantForeignKeys: keys
      .filter((k) => k.kind === 'f' && tenant.get(k.table) && tenant.get(k.refTable!))
      .map((k) => ({ table: k.table, name: k.name, definition: k.definition! })),
    problems,
  };
}

/** The SQL that turns a migrated database into a Citus one (run on the coordinator, as the owner). */
export function citusScript(plan: CitusPlan): string {
  if (plan.problems.length)
    throw new Error(`the schema is not ready for Citus:\n${plan.problems.map((p) => `- ${p}`).join('\n')}`);
  const [anchor] = plan.distributedTables;
  const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return [
    '-- Generated by `pnpm citus:script` from the migrated schema: do not edit by hand.',
    '-- Run once on the Citus coordinator after the migrations (docs/scale-out.md).',
    'create extension if not exists citus;',
    '-- Every transaction sets the tenant with SET LOCAL; the workers must see it too.',
    "do $$ begin execute format('alter database %I set citus.propagate_set_commands = local', current_database()); end $$;",
    'begin;',
    '-- Keys between tenant tables come back once both ends are distributed (they include tenant_id).',
    ...plan.tenantForeignKeys.map((k) => `alter table ${k.table} drop constraint ${k.name};`),
    ...plan.referenceTables.map((t) => `select create_reference_table(${lit(t)});`),
    ...plan.distributedTables.map((t) =>
      t === anchor
        ? `select create_distributed_table(${lit(t)}, 'tenant_id');`
        : `select create_distributed_table(${lit(t)}, 'tenant_id', colocate_with => ${lit(anchor!)});`,
    ),
    ...plan.tenantForeignKeys.map((k) => `alter table ${k.table} add constraint ${k.name} ${k.definition};`),
    'commit;',
    '',
  ].join('\n');
}

/** The script for the database at `url` (any role that reads the catalog). */
export async function citusScriptOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return citusScript(await citusPlan(client));
  } finally {
    await client.end();
  }
}
