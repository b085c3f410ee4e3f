-- Background imports (a 100 k-row workbook runs as a job): the import's state and counts, and the
-- uploaded workbook and its report as sealed chunks. The chunks live in PostgreSQL, not on a local
-- disk, so an API replica can take the upload and any worker replica can run it; they are sealed
-- (AES-256-GCM, like ID numbers) because a residents workbook holds ID numbers and phones in clear.

create table registry_import (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  kind text not null check (kind ~ '^[a-z][a-z-]{1,30}$'),
  file_name text check (length(file_name) <= 200),
  file_size bigint not null check (file_size >= 0),
  state text not null default 'queued' check (state in ('queued', 'running', 'completed', 'failed')),
  -- who uploaded it (the audit actor) and the scope she wrote in at that moment (org-tree paths or 'all')
  created_by uuid not null,
  actor jsonb not null,
  scope jsonb not null,
  bytes_read bigint not null default 0,
  rows integer not null default 0,
  imported integer not null default 0,
  failed integer not null default 0,
  duplicates integer not null default 0,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, created_by) references app_user (tenant_id, id)
);
create index registry_import_recent on registry_import (tenant_id, created_at desc, id);
select civicgrid_tenant_table('registry_import');

create table registry_import_chunk (
  tenant_id uuid not null,
  import_id uuid not null,
  part text not null check (part in ('upload', 'report')),
  seq integer not null check (seq >= 0),
  pii_key text not null,
  data bytea not null,
  primary key (tenant_id, import_id, part, seq),
  foreign key (tenant_id, import_id) references registry_import (tenant_id, id) on delete cascade
);
select civicgrid_tenant_table('registry_import_chunk');
