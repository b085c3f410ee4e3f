-- A landlord's (or shop operator's) own login: the tenant user whose named condition `own` opens her
-- file to her (`landlord-scoring.subject.read?own`, `….tenant.declare?own`, `….appeal.create?own`).
alter table landlord_scoring_subject add column account_id uuid;
alter table landlord_scoring_subject
  add constraint landlord_scoring_subject_account foreign key (tenant_id, account_id) references app_user (tenant_id, id);
create index landlord_scoring_subject_account_id on landlord_scoring_subject (tenant_id, account_id)
  where account_id is not null;

-- Tenant by tenant (row-level security binds the owner too): declaring tenants gets a permission of its
-- own (a landlord declares but keeps no files), so the roles that kept files, and so declared, are given
-- it; and a tenant that had the module on already gets the landlords' role (enabling makes it from now).
do $$
declare t uuid;
begin
  for t in select id from tenant loop
    perform set_config('app.tenant_id', t::text, true);
    update role
       set permissions = array(select distinct unnest(permissions || '{landlord-scoring.tenant.declare}'::text[]) order by 1),
           updated_at = now()
     where tenant_id = t and 'landlord-scoring.subject.manage' = any (permissions)
       and not 'landlord-scoring.tenant.declare' = any (permissions);
    insert into role (tenant_id, key, name, description, permissions, system)
    select t, 'landlord', '房东（自助申报）', 'A landlord or shop operator: her own file, tenant declarations and appeals',
           '{landlord-scoring.appeal.create?own,landlord-scoring.subject.read?own,landlord-scoring.tenant.declare?own}', false
     where exists (select 1 from tenant_module m
                    where m.tenant_id = t and m.module_id = 'landlord-scoring' and m.enabled)
    on conflict (tenant_id, key) do nothing;
  end loop;
  perform set_config('app.tenant_id', '', true);
end $$;
