-- One row per queued job (a scheduled firing, an enqueued job or an event delivery), per tenant.
-- Re-attempts and manual retries update the same row: (plugin, queue_job_id) names the queue's job.
create table job_run (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  plugin text not null check (plugin ~ '^[a-z][a-z0-9-]{1,39}$'),
  job text not null check (length(job) between 1 and 200),
  queue_job_id text not null check (length(queue_job_id) between 1 and 300),
  period text check (period ~ '^[0-9]{4}(-Q[1-4]|-[0-9]{2}(-[0-9]{2})?)?$'),
  state text not null check (state in ('queued', 'running', 'completed', 'failed', 'skipped')),
  progress smallint not null default 0 check (progress between 0 and 100),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 1 check (max_attempts >= 1),
  -- What the queue job carried (ids and periods only), so a manual retry can queue it again.
  payload jsonb not null default '{}',
  -- The last error's message (no stack, cut short) or why the run was skipped.
  error text check (length(error) <= 500),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, plugin, queue_job_id)
);
create index job_run_recent on job_run (tenant_id, created_at desc, id);
create index job_run_state on job_run (tenant_id, state, created_at desc);
create index job_run_job on job_run (tenant_id, plugin, job, created_at desc);
select civicgrid_tenant_table('job_run');

-- Domain events written in the publisher's transaction; the worker relays each to its subscribers'
-- queues after commit. The payload is tenant data (ids only, by contract), so the table is RLS-bound.
create table event_outbox (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  type text not null check (type ~ '^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$'),
  payload jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  relayed_at timestamptz,
  primary key (tenant_id, id)
);
create index event_outbox_unrelayed on event_outbox (tenant_id, created_at) where relayed_at is null;
select civicgrid_tenant_table('event_outbox');

-- Which outbox rows still wait for the relay. Row-level security hides every tenant's outbox from a
-- transaction without that tenant, so the relay's sweep could not find them otherwise; this global
-- table holds ids only (no payload) and one row per event, so publishers never contend on a row.
create table outbox_pending (
  outbox_id uuid primary key,
  tenant_id uuid not null references tenant (id),
  created_at timestamptz not null default clock_timestamp()
);
create index outbox_pending_tenant on outbox_pending (tenant_id);

-- A subscriber plugin handled an event: written in the handler's own transaction, so a re-delivery
-- of the same event finds it and does nothing (exactly-once effect over at-least-once delivery).
create table event_delivery (
  tenant_id uuid not null references tenant (id),
  outbox_id uuid not null,
  plugin text not null,
  delivered_at timestamptz not null default now(),
  primary key (tenant_id, outbox_id, plugin),
  foreign key (tenant_id, outbox_id) references event_outbox (tenant_id, id)
);
select civicgrid_tenant_table('event_delivery');

-- NOTIFY is delivered when the publishing transaction commits (and never if it rolls back), so the
-- worker relays an event as soon as it may. Several events of one transaction collapse into one
-- notification per tenant.
create or replace function civicgrid_outbox_inserted() returns trigger language plpgsql as $$
begin
  insert into outbox_pending (outbox_id, tenant_id) values (new.id, new.tenant_id);
  perform pg_notify('civicgrid_outbox', new.tenant_id::text);
  return new;
end $$;
create trigger event_outbox_notify after insert on event_outbox
  for each row execute function civicgrid_outbox_inserted();
