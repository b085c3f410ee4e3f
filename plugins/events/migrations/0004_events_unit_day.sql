-- The three rates kept per location and UTC day, so the dashboard sums a street's month from about a
-- thousand rows instead of scanning its ~16,000 events with their follow-ups, escalations and cards.
--
-- 1. What the rates need from other tables is carried on the event itself, set in the same
--    transaction as the row it copies: its latest verdict, its escalations and its supervision cards.
-- 2. `events_measure(...)` is an event's share of its (location, day) row: the one definition of
--    the counts, read by the trigger and by `GET /metrics` for the hours at the edges of a range.
-- 3. A statement trigger on events_event adds each statement's new rows and takes away its old
--    ones (transition tables), so every writer — intake, transitions, extensions, deadlines, a bulk
--    insert — keeps the rollup exact in its own transaction. Adding deltas commutes: two
--    transactions on the same row wait for each other's lock, neither overwrites the other.

alter table events_event
  add column satisfaction text check (satisfaction in ('satisfied', 'basically', 'unsatisfied')),
  add column escalations integer not null default 0,
  add column cards integer not null default 0;

create table events_unit_day (
  tenant_id uuid not null references tenant (id),
  -- where the events happened (their org_unit_id), and the UTC day they were reported
  org_unit_id uuid not null,
  day date not null,
  reported integer not null default 0,
  responded_on_time integer not null default 0,
  resolved_on_time integer not null default 0,
  followed_up integer not null default 0,
  satisfied integer not null default 0,
  -- for the average minutes per stage: how many had the stage, and its seconds summed
  accepted integer not null default 0,
  accept_secs numeric not null default 0,
  resolved integer not null default 0,
  resolve_secs numeric not null default 0,
  verified integer not null default 0,
  verify_secs numeric not null default 0,
  escalations integer not null default 0,
  cards integer not null default 0,
  primary key (tenant_id, org_unit_id, day),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
select civicgrid_tenant_table('events_unit_day');

-- An event's share of its row; none when it is not counted (merged into another, or returned). Its
-- arguments, in order: tenant_id, org_unit_id, status, created_at, accepted_at, accept_due_at,
-- resolved_at, resolve_due_at, verified_at, satisfaction, escalations, cards.
create function events_measure(uuid, uuid, text, timestamptz, timestamptz, timestamptz, timestamptz,
  timestamptz, timestamptz, text, integer, integer)
returns table (
  tenant_id uuid, org_unit_id uuid, day date, reported integer, responded_on_time integer,
  resolved_on_time integer, followed_up integer, satisfied integer, accepted integer,
  accept_secs numeric, resolved integer, resolve_secs numeric, verified integer, verify_secs numeric,
  escalations integer, cards integer)
language sql immutable as $$
  select $1, $2, ($4 at time zone 'UTC')::date, 1,
         coalesce(($5 <= $6)::int, 0), coalesce(($7 <= $8)::int, 0),
         ($10 is not null)::int, coalesce(($10 in ('satisfied', 'basically'))::int, 0),
         ($5 is not null)::int, coalesce(extract(epoch from $5 - $4), 0),
         ($5 is not null and $7 is not null)::int, coalesce(extract(epoch from $7 - $5), 0),
         ($7 is not null and $9 is not null)::int, coalesce(extract(epoch from $9 - $7), 0),
         $11, $12
   where $3 not in ('merged', 'returned')
$$;

-- `rel` is a relation of events_event rows (a table or a transition table), `sign` 1 or -1.
create function events_measure_sql(rel text, sign int) returns text language sql immutable as $$
  select format($q$select m.*, %2$s as sign from %1$s x cross join lateral events_measure(x.tenant_id,
    x.org_unit_id, x.status, x.created_at, x.accepted_at, x.accept_due_at, x.resolved_at, x.resolve_due_at,
    x.verified_at, x.satisfaction, x.escalations, x.cards) m$q$, rel, sign)
$$;

create function events_unit_day_apply() returns trigger language plpgsql as $$
declare src text;
begin
  src := case tg_op
    when 'INSERT' then events_measure_sql('new_rows', 1)
    when 'DELETE' then events_measure_sql('old_rows', -1)
    else events_measure_sql('new_rows', 1) || ' union all ' || events_measure_sql('old_rows', -1) end;
  execute format($q$
    insert into events_unit_day as r (tenant_id, org_unit_id, day, reported, responded_on_time,
      resolved_on_time, followed_up, satisfied, accepted, accept_secs, resolved, resolve_secs, verified,
      verify_secs, escalations, cards)
    select tenant_id, org_unit_id, day, sum(sign * reported), sum(sign * responded_on_time),
           sum(sign * resolved_on_time), sum(sign * followed_up), sum(sign * satisfied), sum(sign * accepted),
           sum(sign * accept_secs), sum(sign * resolved), sum(sign * resolve_secs), sum(sign * verified),
           sum(sign * verify_secs), sum(sign * escalations), sum(sign * cards)
      from (%s) d
     group by tenant_id, org_unit_id, day
    having sum(sign * reported) <> 0 or sum(sign * responded_on_time) <> 0 or sum(sign * resolved_on_time) <> 0
        or sum(sign * followed_up) <> 0 or sum(sign * satisfied) <> 0 or sum(sign * accepted) <> 0
        or sum(sign * accept_secs) <> 0 or sum(sign * resolved) <> 0 or sum(sign * resolve_secs) <> 0
        or sum(sign * verified) <> 0 or sum(sign * verify_secs) <> 0 or sum(sign * escalations) <> 0
        or sum(sign * cards) <> 0
     order by tenant_id, org_unit_id, day
    on conflict (tenant_id, org_unit_id, day) do update set
      reported = r.reported + excluded.reported,
      responded_on_time = r.responded_on_time + excluded.responded_on_time,
      resolved_on_time = r.resolved_on_time + excluded.resolved_on_time,
      followed_up = r.followed_up + excluded.followed_up,
      satisfied = r.satisfied + excluded.satisfied,
      accepted = r.accepted + excluded.accepted,
      accept_secs = r.accept_secs + excluded.accept_secs,
      resolved = r.resolved + excluded.resolved,
      resolve_secs = r.resolve_secs + excluded.resolve_secs,
      verified = r.verified + excluded.verified,
      verify_secs = r.verify_secs + excluded.verify_secs,
      escalations = r.escalations + excluded.escalations,
      cards = r.cards + excluded.cards$q$, src);
  return null;
end $$;

-- Existing events: their copies, then their rows, tenant by tenant (row-level security binds the owner).
do $$
declare t uuid;
begin
  for t in select id from tenant loop
    perform set_config('app.tenant_id', t::text, true);
    update events_event e set satisfaction = f.satisfaction
      from (select distinct on (event_id) event_id, satisfaction from events_follow_up
             order by event_id, at desc) f
     where e.id = f.event_id;
    update events_event e set escalations = x.n
      from (select event_id, count(*) as n from events_timeline where action = 'escalate' group by event_id) x
     where e.id = x.event_id;
    update events_event e set cards = s.n
      from (select event_id, count(*) as n from events_supervision group by event_id) s
     where e.id = s.event_id;
    execute format($q$insert into events_unit_day select tenant_id, org_unit_id, day, sum(reported),
        sum(responded_on_time), sum(resolved_on_time), sum(followed_up), sum(satisfied), sum(accepted),
        sum(accept_secs), sum(resolved), sum(resolve_secs), sum(verified), sum(verify_secs), sum(escalations),
        sum(cards) from (%s) d group by tenant_id, org_unit_id, day$q$,
      events_measure_sql('events_event', 1));
  end loop;
  perform set_config('app.tenant_id', '', true);
end $$;

create trigger events_unit_day_insert after insert on events_event
  referencing new table as new_rows for each statement execute function events_unit_day_apply();
create trigger events_unit_day_update after update on events_event
  referencing old table as old_rows new table as new_rows for each statement execute function events_unit_day_apply();
create trigger events_unit_day_delete after delete on events_event
  referencing old table as old_rows for each statement execute function events_unit_day_apply();

-- The departments' whistles of a period are read from the whistles called since its start.
create index events_whistle_department on events_whistle (tenant_id, called_at) where kind = 'department';
