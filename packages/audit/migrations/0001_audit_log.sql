-- Append-only: the application role gets SELECT and INSERT only (see ensureAppRole).
create table audit_log (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  at timestamptz not null default clock_timestamp(),
  actor_kind text not null check (actor_kind in ('user', 'operator', 'system')),
  actor_id uuid,
  actor_name text,
  action text not null,
  target_type text not null,
  target_id text,
  -- the unit the target belongs to: scopes who may read the row (null = tenant-wide readers only)
  org_unit_id uuid,
  diff jsonb,
  ip text,
  user_agent text,
  request_id text,
  primary key (tenant_id, id)
);
create index audit_log_at on audit_log (tenant_id, at desc);
create index audit_log_target on audit_log (tenant_id, target_type, target_id);
create index audit_log_actor on audit_log (tenant_id, actor_id, at desc);
select civicgrid_tenant_table('audit_log');
