-- The rollup trigger with static statements instead of EXECUTE: PL/pgSQL prepares each once per
-- session and reuses its plan, where the dynamic text was parsed and planned on every statement that
-- touched events_event (2–6 ms a transition on a busy machine; 3 of them in each deadline firing). The
-- statements are the same as before (0006); a branch not taken is never prepared, so the INSERT and
-- DELETE branches may name the one transition table their trigger has.
create or replace function events_unit_day_apply() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into events_unit_day (tenant_id, org_unit_id, day, reported, responded_on_time, resolved_on_time,
      followed_up, satisfied, accepted, accept_secs, resolved, resolve_secs, verified, verify_secs, escalations, cards)
    select tenant_id, org_unit_id, day,
           sum(sign * reported),
           sum(sign * responded_on_time),
           sum(sign * resolved_on_time),
           sum(sign * followed_up),
           sum(sign * satisfied),
           sum(sign * accepted),
           sum(sign * accept_secs),
           sum(sign * resolved),
           sum(sign * resolve_secs),
           sum(sign * verified),
           sum(sign * verify_secs),
           sum(sign * escalations),
           sum(sign * cards)
      from (select m.*, 1 as sign from new_rows n cross join lateral events_measure(n.tenant_id, n.org_unit_id,
          n.status, n.created_at, n.accepted_at, n.accept_due_at, n.resolved_at, n.resolve_due_at,
          n.verified_at, n.satisfaction, n.escalations, n.cards) m) d
     group by tenant_id, org_unit_id, day
    having sum(sign * reported) <> 0
        or sum(sign * responded_on_time) <> 0
        or sum(sign * resolved_on_time) <> 0
        or sum(sign * followed_up) <> 0
        or sum(sign * satisfied) <> 0
        or sum(sign * accepted) <> 0
        or sum(sign * accept_secs) <> 0
        or sum(sign * resolved) <> 0
        or sum(sign * resolve_secs) <> 0
        or sum(sign * verified) <> 0
        or sum(sign * verify_secs) <> 0
        or sum(sign * escalations) <> 0
        or sum(sign * cards) <> 0;
  elsif tg_op = 'DELETE' then
    insert into events_unit_day (tenant_id, org_unit_id, day, reported, responded_on_time, resolved_on_time,
      followed_up, satisfied, accepted, accept_secs, resolved, resolve_secs, verified, verify_secs, escalations, cards)
    select tenant_id, org_unit_id, day,
           sum(sign * reported),
           sum(sign * responded_on_time),
           sum(sign * resolved_on_time),
           sum(sign * followed_up),
           sum(sign * satisfied),
           sum(sign * accepted),
           sum(sign * accept_secs),
           sum(sign * resolved),
           sum(sign * resolve_secs),
           sum(sign * verified),
           sum(sign * verify_secs),
           sum(sign * escalations),
           sum(sign * cards)
      from (select m.*, -1 as sign from old_rows o cross join lateral events_measure(o.tenant_id, o.org_unit_id,
          o.status, o.created_at, o.accepted_at, o.accept_due_at, o.resolved_at, o.resolve_due_at,
          o.verified_at, o.satisfaction, o.escalations, o.cards) m) d
     group by tenant_id, org_unit_id, day
    having sum(sign * reported) <> 0
        or sum(sign * responded_on_time) <> 0
        or sum(sign * resolved_on_time) <> 0
        or sum(sign * followed_up) <> 0
        or sum(sign * satisfied) <> 0
        or sum(sign * accepted) <> 0
        or sum(sign * accept_secs) <> 0
        or sum(sign * resolved) <> 0
        or sum(sign * resolve_secs) <> 0
        or sum(sign * verified) <> 0
        or sum(sign * verify_secs) <> 0
        or sum(sign * escalations) <> 0
        or sum(sign * cards) <> 0;
  else
    insert into events_unit_day (tenant_id, org_unit_id, day, reported, responded_on_time, resolved_on_time,
      followed_up, satisfied, accepted, accept_secs, resolved, resolve_secs, verified, verify_secs, escalations, cards)
    select tenant_id, org_unit_id, day,
           sum(sign * reported),
           sum(sign * responded_on_time),
           sum(sign * resolved_on_time),
           sum(sign * followed_up),
           sum(sign * satisfied),
           sum(sign * accepted),
           sum(sign * accept_secs),
           sum(sign * resolved),
           sum(sign * resolve_secs),
           sum(sign * verified),
           sum(sign * verify_secs),
           sum(sign * escalations),
           sum(sign * cards)
      from (select m.*, 1 as sign from new_rows n cross join lateral events_measure(n.tenant_id, n.org_unit_id,
          n.status, n.created_at, n.accepted_at, n.accept_due_at, n.resolved_at, n.resolve_due_at,
          n.verified_at, n.satisfaction, n.escalations, n.cards) m
       union all select m.*, -1 as sign from old_rows o cross join lateral events_measure(o.tenant_id, o.org_unit_id,
          o.status, o.created_at, o.accepted_at, o.accept_due_at, o.resolved_at, o.resolve_due_at,
          o.verified_at, o.satisfaction, o.escalations, o.cards) m) d
     group by tenant_id, org_unit_id, day
    having sum(sign * reported) <> 0
        or sum(sign * responded_on_time) <> 0
        or sum(sign * resolved_on_time) <> 0
        or sum(sign * followed_up) <> 0
        or sum(sign * satisfied) <> 0
        or sum(sign * accepted) <> 0
        or sum(sign * accept_secs) <> 0
        or sum(sign * resolved) <> 0
        or sum(sign * resolve_secs) <> 0
        or sum(sign * verified) <> 0
        or sum(sign * verify_secs) <> 0
        or sum(sign * escalations) <> 0
        or sum(sign * cards) <> 0;
  end if;
  return null;
end $$;
drop function events_measure_sql(text, int);
