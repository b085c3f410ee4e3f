-- Tenants are global: a city or district running its own grid. Everything below is tenant data.
create table tenant (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[a-z][a-z0-9-]{1,31}$'),
  name text not null check (length(name) between 1 and 100),
  timezone text not null default 'Asia/Shanghai',
  locale text not null default 'zh-CN',
  division_code text check (division_code ~ '^[0-9]{6}$'),
  status text not null default 'active' check (status in ('active', 'suspended')),
  created_at timestamptz not null default now(),
  suspended_at timestamptz
);

-- The org tree. `path` is the chain of ids (hyphens dropped) from the tenant's root, so a subtree is
-- `path <@ $scope` and re-zoning rewrites paths, never the records hanging on a unit.
create table org_unit (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  parent_id uuid,
  kind text not null check (kind in ('district', 'street', 'community', 'zone', 'grid', 'compound', 'building', 'department')),
  name text not null check (length(name) between 1 and 100),
  code text check (code ~ '^[0-9A-Za-z_-]{1,32}$'),
  path ltree not null,
  -- The path as C-collated text, for subtree ranges under row-level security: ltree's operators are not
  -- LEAKPROOF, so behind an RLS policy PostgreSQL may not use an index for them (every subtree query
  -- became a scan). Text comparisons are leakproof. Labels are 32 hex characters, so the subtree of P
  -- (P included) is exactly `P <= path_key < P || 'g'`.
  path_key text collate "C" generated always as (path::text) stored,
  grid_tier text check (grid_tier in ('total', 'general', 'micro', 'dedicated')),
  grid_type text check (grid_type in ('residential', 'street-block', 'business', 'park', 'school', 'hospital')),
  household_count integer check (household_count >= 0),
  boundary jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, parent_id) references org_unit (tenant_id, id),
  check ((kind = 'grid') = (grid_tier is not null)),
  check (kind = 'grid' or (grid_type is null and boundary is null))
);
create unique index org_unit_code on org_unit (tenant_id, code) where code is not null;
create index org_unit_parent on org_unit (tenant_id, parent_id);
create index org_unit_kind on org_unit (tenant_id, kind);
create index org_unit_path on org_unit (tenant_id, path_key);
select civicgrid_tenant_table('org_unit');
