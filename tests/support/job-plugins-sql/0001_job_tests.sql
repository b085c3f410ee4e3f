-- Tables of the job-test plugins (tests/support/job-plugins.ts): tenant tables like any plugin's.
create table jt_subject (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  kind text not null,
  weight integer not null,
  primary key (tenant_id, id)
);
select civicgrid_tenant_table('jt_subject');

-- One deduction per subject, period and rule: the assessment's unique key.
create table jt_deduction (
  tenant_id uuid not null references tenant (id),
  subject_id uuid not null,
  period text not null,
  rule text not null,
  points integer not null,
  primary key (tenant_id, subject_id, period, rule)
);
select civicgrid_tenant_table('jt_deduction');

create table jt_result (
  tenant_id uuid not null references tenant (id),
  subject_kind text not null,
  period text not null,
  subjects integer not null,
  points integer not null,
  primary key (tenant_id, subject_kind, period)
);
select civicgrid_tenant_table('jt_result');

create table jt_observation (
  tenant_id uuid not null references tenant (id),
  run_id uuid not null,
  job text not null,
  period text,
  own_rows integer,
  other_rows integer,
  tenants_seen integer,
  attempt integer,
  primary key (tenant_id, run_id, attempt)
);
select civicgrid_tenant_table('jt_observation');

-- No unique key on purpose: a second handling of one event would show as a second row.
create table jt_received (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  plugin text not null,
  outbox_id uuid not null,
  marker text,
  primary key (tenant_id, id)
);
select civicgrid_tenant_table('jt_received');

create table jt_gate (
  tenant_id uuid not null references tenant (id),
  name text not null,
  primary key (tenant_id, name)
);
select civicgrid_tenant_table('jt_gate');

grant select, insert, update, delete on jt_subject, jt_deduction, jt_result, jt_observation, jt_received, jt_gate
  to civicgrid_app;
