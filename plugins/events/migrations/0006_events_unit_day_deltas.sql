-- events_unit_day takes its changes as rows of deltas instead of adding them into one row per
-- (location, day). An upsert locked that row until the writer committed: a hotline import of a
-- thousand orders held today's row of every grid it touched for its whole transaction, so every
-- report and transition on today's events there waited for it, and two imports touching grids in a
-- different order could deadlock. Inserting a row locks nothing another writer needs. Readers sum the
-- rows of a (location, day) as before; the job `events/rollup-compact` folds them back into one row per
-- (location, day) every ten minutes (a delete … returning and one insert of the sums, in its own
-- transaction: rows committed meanwhile are left for the next pass, nothing is counted twice).
alter table events_unit_day drop constraint events_unit_day_pkey;
alter table events_unit_day add column id bigint generated always as identity;
alter table events_unit_day add primary key (tenant_id, id);
create index events_unit_day_unit on events_unit_day (tenant_id, org_unit_id, day);

create or replace function events_unit_day_apply() returns trigger language plpgsql as $$
declare src text;
begin
  src := case tg_op
    when 'INSERT' then events_measure_sql('new_rows', 1)
    when 'DELETE' then events_measure_sql('old_rows', -1)
    else events_measure_sql('new_rows', 1) || ' union all ' || events_measure_sql('old_rows', -1) end;
  execute format($q$
    insert into events_unit_day (tenant_id, org_unit_id, day, reported, responded_on_time,
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
        or sum(sign * cards) <> 0$q$, src);
  return null;
end $$;
