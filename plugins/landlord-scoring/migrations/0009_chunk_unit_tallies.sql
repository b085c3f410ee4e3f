-- Each chunk keeps its tallies per unit (counts by kind and flag, tenants verified and self-declared), and
-- the month's report adds them up instead of reading the month's rows again after the chunks.
alter table landlord_scoring_assessment_chunk add column units jsonb not null default '[]';

-- A run caught in flight by this upgrade has chunks written without tallies: its retry must not resume
-- them but start the month over (a run whose id is not its own clears the month and cuts new chunks).
-- Tenant by tenant: row-level security applies to the owner too.
do $$
declare t uuid;
begin
  for t in select id from tenant loop
    perform set_config('app.tenant_id', t::text, true);
    update landlord_scoring_assessment_run set run_id = gen_random_uuid() where tenant_id = t and state = 'running';
  end loop;
  perform set_config('app.tenant_id', '', true);
end $$;
