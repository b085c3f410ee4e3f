-- Evidence photos on a record (the issue's "evidence: photos through the storage interface"). The bytes
-- are in the platform's object storage under the tenant's namespace (`storage_key`); this row names them.
-- A photo is never removed: like the record, evidence stays on the file (an upheld appeal voids the
-- record, its photos stay with it).
create table landlord_scoring_evidence (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  record_id uuid not null,
  file_name text not null check (length(file_name) between 1 and 200),
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp', 'image/heic')),
  size bigint not null check (size > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text not null,
  uploaded_by uuid not null,
  uploaded_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, record_id) references landlord_scoring_record (tenant_id, id),
  foreign key (tenant_id, uploaded_by) references app_user (tenant_id, id)
);
create index landlord_scoring_evidence_record on landlord_scoring_evidence (tenant_id, record_id, uploaded_at);
select civicgrid_tenant_table('landlord_scoring_evidence');
