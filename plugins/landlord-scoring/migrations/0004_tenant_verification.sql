-- Tenant declarations and their verification on grid workers' rounds (issue #7).
--
-- A landlord declares who lives in each of her rental houses: the tenant's registry residence (moving in
-- through the registry) and this row, "declared by the landlord" on `declared_on`. A declaration alone
-- is not a verified tenant: a grid worker verifies on a visit (`landlord_scoring_visit`), and only then
-- is the tenant written to `landlord_scoring_declaration` — the verified tenants the monthly assessment
-- and the live rate count — with source 'landlord' when the landlord had declared her before the visit,
-- 'visit' when the worker found her undeclared (which also deducts from the landlord, with the visit
-- as the record's evidence).
create table landlord_scoring_tenant_declaration (
  tenant_id uuid not null references tenant (id),
  residence_id uuid not null,
  subject_id uuid not null,
  house_id uuid not null,
  declared_on date not null,
  -- the landlord declared the tenant's moving out (the registry residence ended that day)
  moved_out_declared_on date,
  recorded_by uuid not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, residence_id),
  foreign key (tenant_id, residence_id) references residence (tenant_id, id),
  foreign key (tenant_id, subject_id) references landlord_scoring_subject (tenant_id, id),
  foreign key (tenant_id, house_id) references house (tenant_id, id),
  foreign key (tenant_id, recorded_by) references app_user (tenant_id, id)
);
create index landlord_scoring_tenant_declaration_subject
  on landlord_scoring_tenant_declaration (tenant_id, subject_id, declared_on);
select civicgrid_tenant_table('landlord_scoring_tenant_declaration');

-- A grid worker's verification round at one rental house of a landlord: who she found living there.
create table landlord_scoring_visit (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  subject_id uuid not null,
  house_id uuid not null,
  visited_on date not null,
  visited_by uuid not null,
  note text check (length(note) <= 2000),
  -- tenants seen living there, of them newly found undeclared, and tenants found gone (moved out)
  present integer not null,
  undeclared integer not null,
  moved_out integer not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, subject_id) references landlord_scoring_subject (tenant_id, id),
  foreign key (tenant_id, house_id) references house (tenant_id, id),
  foreign key (tenant_id, visited_by) references app_user (tenant_id, id)
);
create index landlord_scoring_visit_subject on landlord_scoring_visit (tenant_id, subject_id, visited_on);
select civicgrid_tenant_table('landlord_scoring_visit');

-- The visit that verified a tenant, and the visit a deduction was found on (its evidence).
alter table landlord_scoring_declaration add column visit_id uuid;
alter table landlord_scoring_declaration
  add foreign key (tenant_id, visit_id) references landlord_scoring_visit (tenant_id, id);
alter table landlord_scoring_record add column visit_id uuid;
alter table landlord_scoring_record
  add foreign key (tenant_id, visit_id) references landlord_scoring_visit (tenant_id, id);
comment on column landlord_scoring_declaration.declared_on is
  'the day the tenant was verified (counted as verified from then): the visit''s date';
