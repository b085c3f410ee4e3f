-- Roles are per tenant, made of permission keys from the catalogue (`<area>.<subject>.<action>`).
create table role (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  key text not null check (key ~ '^[a-z][a-z0-9-]{1,63}$'),
  name text not null check (length(name) between 1 and 100),
  description text,
  permissions text[] not null default '{}',
  system boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, key)
);
select civicgrid_tenant_table('role');

-- A grant gives a user a role on an org unit; it reaches the unit's whole subtree.
create table role_grant (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  role_id uuid not null,
  org_unit_id uuid not null,
  granted_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, user_id, role_id, org_unit_id),
  foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade,
  foreign key (tenant_id, role_id) references role (tenant_id, id) on delete cascade,
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create index role_grant_user on role_grant (tenant_id, user_id);
create index role_grant_unit on role_grant (tenant_id, org_unit_id);
select civicgrid_tenant_table('role_grant');
