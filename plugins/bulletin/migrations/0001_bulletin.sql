-- Notices posted on an org unit (a community's or a grid's notice board).
create table bulletin_notice (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  org_unit_id uuid not null,
  title text not null check (length(title) between 1 and 200),
  body text not null default '' check (length(body) <= 5000),
  posted_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create index bulletin_notice_unit on bulletin_notice (tenant_id, org_unit_id, created_at);
select civicgrid_tenant_table('bulletin_notice');

-- The monthly tally: one row per (period, unit), so re-running a period replaces it and never doubles.
create table bulletin_tally (
  tenant_id uuid not null references tenant (id),
  period text not null check (period ~ '^[0-9]{4}(-[0-9]{2}|-Q[1-4]|-[0-9]{2}-[0-9]{2})?$'),
  org_unit_id uuid not null,
  notices integer not null check (notices >= 0),
  run_id uuid,
  computed_at timestamptz not null default now(),
  primary key (tenant_id, period, org_unit_id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
select civicgrid_tenant_table('bulletin_tally');
