-- A module switched on or off for one tenant, with its settings. Every module's schema is installed for
-- all tenants; enabling is only this row, so no restart and no migration happen at that moment.
create table tenant_module (
  tenant_id uuid not null references tenant (id),
  module_id text not null check (module_id ~ '^[a-z][a-z0-9-]{1,39}$'),
  enabled boolean not null,
  settings jsonb not null default '{}',
  enabled_at timestamptz,
  disabled_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, module_id)
);
select civicgrid_tenant_table('tenant_module');
