-- Moving a tenant between instances (docs/operations.md, "Moving a tenant"): an export writes all of a
-- tenant's rows and files into one archive; an import reads one into a new tenant. Both run as jobs and
-- keep their progress here. While an import runs the tenant is `importing`: nobody can log in and no
-- job but the import runs for it.
alter table tenant drop constraint tenant_status_check;
alter table tenant add constraint tenant_status_check check (status in ('active', 'suspended', 'importing'));

create table tenant_transfer (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  direction text not null check (direction in ('export', 'import')),
  state text not null default 'queued' check (state in ('queued', 'running', 'completed', 'failed')),
  progress integer not null default 0 check (progress between 0 and 100),
  -- The table or file the job is at, for the progress line.
  step text,
  -- The archive in object storage, outside the tenant's own prefix (an export must not export exports).
  storage_key text not null,
  size bigint,
  sha256 text,
  -- Rows per table and files carried: what the archive holds.
  counts jsonb,
  error text,
  actor jsonb not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create index tenant_transfer_created on tenant_transfer (tenant_id, created_at desc);
select civicgrid_tenant_table('tenant_transfer');
