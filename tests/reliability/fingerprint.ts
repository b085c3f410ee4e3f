import pg from 'pg';

/**
 * What one tenant holds in every table, cheaply: its row count and the newest transaction id among its
 * rows (and its own `tenant` row). A committed insert or delete moves the count, a committed update gives
 * a row a newer xmin; a rolled-back write moves neither. Other tenants' rows are left out: the other test
 * files write theirs in the same database meanwhile. Read as the superuser that owns the test database,
 * past row-level security.
 */
export async function fingerprinter(ownerUrl: string, tenantId: string) {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const tables = (
    await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
        order by 1`,
    )
  ).rows.map((r) => r.name);
  const sql = [
    ...tables.map(
      (t) => `select '${t}' as t, count(*)::bigint as n, coalesce(max(xmin::text::bigint), 0) as x
       from public.${t} where tenant_id = $1`,
    ),
    `select 'tenant', count(*), coalesce(max(xmin::text::bigint), 0) from public.tenant where id = $1`,
  ].join(' union all ');
  return {
    async take(): Promise<Map<string, string>> {
      const { rows } = await client.query<{ t: string; n: string; x: string }>(sql, [tenantId]);
      return new Map(rows.map((r) => [r.t, `${r.n}/${r.x}`]));
    },
    close: () => client.end(),
  };
}

/** The tables whose fingerprint differs. */
export function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([t, v]) => before.get(t) !== v).map(([t]) => t);
}
