-- Monthly and quarterly three-rate reports (三率报表) per street and community, written by the scheduled
-- job `events/three-rate-report`. One row per (tenant, kind, period): a re-run of the same period
-- replaces it, never adds a second. `rows` holds each unit's counts and rates as computed then (the
-- xlsx is rendered from it on download, filtered to the reader's scope).
create table events_report (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  kind text not null check (kind in ('month', 'quarter')),
  period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$'),
  period_start timestamptz not null,
  period_end timestamptz not null,
  generated_at timestamptz not null,
  run_id uuid,
  rows jsonb not null,
  primary key (tenant_id, id),
  check (period_end > period_start)
);
create unique index events_report_period on events_report (tenant_id, kind, period);
select civicgrid_tenant_table('events_report');
