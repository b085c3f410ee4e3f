import pg from 'pg';

/**
 * Creates (or updates) the login role the application connects as: it owns nothing, cannot bypass
 * row-level security, may read and write tenant tables but only read and append the append-only ones (audit log).
 * Run as the owner after migrations; idempotent.
 */
export async function ensureAppRole(
  ownerUrl: string,
  role: string,
  password: string,
  appendOnlyTables: string[] = [],
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`invalid app role name: ${role}`);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const lit = client.escapeLiteral(password);
    // Role creation races when several test databases start at once: tolerate "already exists".
    await client.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${role}') then
        create role ${role} login nosuperuser nocreatedb nocreaterole nobypassrls;
      end if;
    exception when duplicate_object or unique_violation then null; end $$`);
    await client.query(`alter role ${role} with login nobypassrls password ${lit}`);
    const db = (await client.query<{ d: string }>('select current_database() as d')).rows[0]!.d;
    await client.query(`grant connect on database ${client.escapeIdentifier(db)} to ${role}`);
    await client.query(`grant usage on schema public to ${role}`);
    await client.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    await client.query(`grant usage, select on all sequences in schema public to ${role}`);
    for (const t of appendOnlyTables) {
      await client.query(`revoke update, delete, truncate on ${client.escapeIdentifier(t)} from ${role}`);
    }
    await client.query(`revoke insert, update, delete, truncate on schema_migration from ${role}`);
  } finally {
    await client.end();
  }
}
