-- Grid events (网格事件): what residents, grid workers and the 12345 hotline report, and how each is
-- handled, escalated, whistled to departments and closed with the resident's verdict. Every table is a
-- tenant table: (tenant_id, id) keys, tenant-led foreign keys and indexes, row-level security.

-- The category catalogue: domains (parent_id null) and their types; events point at a type.
create table events_category (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  parent_id uuid,
  code text not null check (code ~ '^[a-z0-9][a-z0-9.-]{0,63}$'),
  name text not null check (length(name) between 1 and 50),
  active boolean not null default true,
  sort integer not null default 0,
  primary key (tenant_id, id),
  foreign key (tenant_id, parent_id) references events_category (tenant_id, id)
);
create unique index events_category_code on events_category (tenant_id, code);
select civicgrid_tenant_table('events_category');

create table events_event (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  title text not null check (length(title) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  category_id uuid not null,
  channel text not null check (channel in ('grid-worker', 'resident', 'hotline', 'walk-in', 'other')),
  urgency text not null check (urgency in ('red', 'orange', 'yellow', 'green')),
  -- Where it happened (a grid, compound or building): this is what scope follows.
  org_unit_id uuid not null,
  house_id uuid,
  lat numeric(9, 6) check (lat between -90 and 90),
  lng numeric(9, 6) check (lng between -180 and 180),
  -- A registry person, or null for an anonymous report.
  reporter_id uuid,
  -- The hotline's work-order number: a second push or import of the same order is refused.
  external_ref text check (length(external_ref) between 1 and 64),
  status text not null default 'reported' check (status in
    ('reported', 'accepted', 'handled', 'escalated', 'resolved', 'verified', 'closed', 'returned', 'merged')),
  -- The rung of the escalation ladder the event stands on, and the unit that must act at that rung.
  level text not null default 'grid' check (level in ('grid', 'community', 'joint-meeting', 'street')),
  handler_unit_id uuid not null,
  merged_into uuid,
  reopen_count integer not null default 0,
  return_reason text,
  supervision text check (supervision in ('yellow', 'red')),
  created_by uuid,
  created_at timestamptz not null,
  accepted_at timestamptz,
  handled_at timestamptz,
  resolved_at timestamptz,
  verified_at timestamptz,
  closed_at timestamptz,
  -- The limits the three rates are measured against: accept from intake, resolve from intake (moved by
  -- an approved extension).
  accept_due_at timestamptz not null,
  resolve_due_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, category_id) references events_category (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id),
  foreign key (tenant_id, handler_unit_id) references org_unit (tenant_id, id),
  foreign key (tenant_id, house_id) references house (tenant_id, id),
  foreign key (tenant_id, reporter_id) references resident (tenant_id, id),
  foreign key (tenant_id, merged_into) references events_event (tenant_id, id),
  check ((lat is null) = (lng is null)),
  check ((status = 'merged') = (merged_into is not null))
);
create index events_event_unit on events_event (tenant_id, org_unit_id, created_at);
create index events_event_handler on events_event (tenant_id, handler_unit_id, status);
create index events_event_category on events_event (tenant_id, category_id, created_at);
create index events_event_created on events_event (tenant_id, created_at);
create unique index events_event_external on events_event (tenant_id, channel, external_ref)
  where external_ref is not null;
select civicgrid_tenant_table('events_event');

-- The event's history: every transition (who, when, from → to, note), kept for merged events too.
create table events_timeline (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  at timestamptz not null,
  seq bigint generated always as identity,
  -- null: the system (an overdue deadline, the hotline webhook)
  actor_id uuid,
  actor_name text not null,
  action text not null,
  from_status text,
  to_status text,
  from_level text,
  to_level text,
  note text not null default '' check (length(note) <= 2000),
  data jsonb not null default '{}',
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events_event (tenant_id, id)
);
create index events_timeline_event on events_timeline (tenant_id, event_id, at, seq);
select civicgrid_tenant_table('events_timeline');

-- Units called in on an event: co-handling units of a joint meeting (each with its part), or
-- departments the street whistled to. Each must report in (报到) within its limit, then reply.
create table events_whistle (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  kind text not null check (kind in ('joint-meeting', 'department')),
  org_unit_id uuid not null,
  part text not null default '' check (length(part) <= 500),
  called_by uuid,
  called_at timestamptz not null,
  due_at timestamptz not null,
  reported_at timestamptz,
  reported_by uuid,
  reply text check (length(reply) <= 2000),
  replied_at timestamptz,
  replied_by uuid,
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events_event (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create unique index events_whistle_unit on events_whistle (tenant_id, event_id, kind, org_unit_id);
create index events_whistle_called on events_whistle (tenant_id, org_unit_id, called_at);
select civicgrid_tenant_table('events_whistle');

-- Follow-up visits (回访) with the resident's verdict; an unsatisfied one reopens the event.
create table events_follow_up (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  satisfaction text not null check (satisfaction in ('satisfied', 'basically', 'unsatisfied')),
  comment text not null default '' check (length(comment) <= 2000),
  by_id uuid,
  at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events_event (tenant_id, id)
);
create index events_follow_up_event on events_follow_up (tenant_id, event_id, at);
select civicgrid_tenant_table('events_follow_up');

-- Every stage's limit. A delayed job per row fires at due_at; it does nothing when the row is done or
-- its version moved on (an approved extension re-queues the row under version + 1).
create table events_deadline (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  whistle_id uuid,
  stage text not null check (stage in ('accept', 'dispatch', 'handle', 'feedback', 'report-in')),
  due_at timestamptz not null,
  version integer not null default 1,
  done_at timestamptz,
  fired_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events_event (tenant_id, id),
  foreign key (tenant_id, whistle_id) references events_whistle (tenant_id, id)
);
create index events_deadline_event on events_deadline (tenant_id, event_id);
create index events_deadline_open on events_deadline (tenant_id, due_at) where done_at is null and fired_at is null;
select civicgrid_tenant_table('events_deadline');

-- Supervision cards (督办): one per missed deadline, yellow first, red once the event already had one.
create table events_supervision (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  deadline_id uuid not null,
  whistle_id uuid,
  stage text not null,
  card text not null check (card in ('yellow', 'red')),
  -- the unit held to account (the handler, or the late department)
  org_unit_id uuid not null,
  issued_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events_event (tenant_id, id),
  foreign key (tenant_id, deadline_id) references events_deadline (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create unique index events_supervision_deadline on events_supervision (tenant_id, deadline_id);
create index events_supervision_unit on events_supervision (tenant_id, org_unit_id, issued_at);
select civicgrid_tenant_table('events_supervision');

-- Extension requests: the handler asks for more time, the level above approves or denies.
create table events_extension (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  deadline_id uuid not null,
  minutes integer not null check (minutes between 1 and 43200),
  reason text not null check (length(reason) between 1 and 500),
  requested_by uuid,
  requested_at timestamptz not null,
  decision text check (decision in ('approved', 'denied')),
  decided_by uuid,
  decided_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events_event (tenant_id, id),
  foreign key (tenant_id, deadline_id) references events_deadline (tenant_id, id)
);
create unique index events_extension_pending on events_extension (tenant_id, event_id) where decision is null;
select civicgrid_tenant_table('events_extension');
