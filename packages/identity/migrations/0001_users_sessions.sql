-- Tenant users: staff of the grid, each belonging to one org unit (where a street admin's scope finds them).
create table app_user (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  org_unit_id uuid not null,
  username text not null check (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
  display_name text not null check (length(display_name) between 1 and 100),
  phone text check (phone ~ '^\+?[0-9]{5,20}$'),
  status text not null default 'active' check (status in ('active', 'disabled')),
  password_hash text not null,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, username),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create index app_user_org_unit on app_user (tenant_id, org_unit_id);
create index app_user_created on app_user (tenant_id, created_at desc, id);
select civicgrid_tenant_table('app_user');

-- Refresh-token sessions. A login starts a family; each refresh spends one token and issues the next.
-- Presenting a spent token revokes the whole family (it was stolen or replayed).
create table user_session (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  family_id uuid not null,
  secret_hash text not null,
  expires_at timestamptz not null,
  spent_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index user_session_family on user_session (tenant_id, family_id);
select civicgrid_tenant_table('user_session');

-- Platform operators are a separate principal kind with their own tables (global, no tenant).
create table platform_operator (
  id uuid primary key default gen_random_uuid(),
  username text not null unique check (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
  display_name text not null,
  status text not null default 'active' check (status in ('active', 'disabled')),
  password_hash text not null,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now()
);
create table operator_session (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references platform_operator (id),
  family_id uuid not null,
  secret_hash text not null,
  expires_at timestamptz not null,
  spent_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index operator_session_family on operator_session (family_id);
