-- Extensions and the helper that turns a table into a tenant table (RLS forced, one policy).
create extension if not exists ltree;
create extension if not exists pgcrypto;

-- Every tenant table is declared through this function so the policy text is the same everywhere.
-- FORCE binds the owner too: migrations writing tenant rows must set app.tenant_id as well.
create or replace function civicgrid_tenant_table(t regclass) returns void language plpgsql as $$
begin
  execute format('alter table %s enable row level security', t);
  execute format('alter table %s force row level security', t);
  execute format('drop policy if exists tenant_isolation on %s', t);
  execute format($p$create policy tenant_isolation on %s
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
end $$;
