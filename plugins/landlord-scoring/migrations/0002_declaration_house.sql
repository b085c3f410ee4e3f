-- The monthly assessment counts a landlord's declared tenants per chunk of subjects: subject_house →
-- declaration by house → residence by key, all index lookups. Without the house on the declaration it
-- had to scan the tenant's residences for every chunk (the registry's residence_house index only holds
-- current residences, and a month's assessment asks about residences as they were at its end).
-- A residence never changes house (moving creates a new residence), so the copy cannot go stale.
alter table landlord_scoring_declaration add column house_id uuid;
-- Row-level security binds the owner too: fill it in tenant by tenant, each with its setting.
do $$
declare t uuid;
begin
  for t in select id from tenant loop
    perform set_config('app.tenant_id', t::text, true);
    update landlord_scoring_declaration d set house_id = r.house_id
      from residence r where r.tenant_id = d.tenant_id and r.id = d.residence_id;
  end loop;
  perform set_config('app.tenant_id', '', true);
end $$;
alter table landlord_scoring_declaration alter column house_id set not null;
alter table landlord_scoring_declaration
  add foreign key (tenant_id, house_id) references house (tenant_id, id);
create index landlord_scoring_declaration_house on landlord_scoring_declaration (tenant_id, house_id, declared_on);
