-- The landlord and shop 12-point systems (房东十二分制 / 商业街十二分制). Every table is a tenant table:
-- (tenant_id, id) keys, foreign keys that carry tenant_id, row-level security.

-- A subject: a landlord (a registry person with rental houses) or a shop (a registry shop and its
-- operator). `org_unit_id` is where the subject is managed (its grid): scope and the monthly report
-- follow it. Subjects are never deleted, so past assessments keep their subject.
create table landlord_scoring_subject (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  kind text not null check (kind in ('landlord', 'shop')),
  person_id uuid,
  shop_id uuid,
  org_unit_id uuid not null,
  -- assessed from the month this date falls in: a re-run of an older month does not gain new subjects
  registered_on date not null,
  registered_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, person_id) references resident (tenant_id, id),
  foreign key (tenant_id, shop_id) references shop (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id),
  foreign key (tenant_id, registered_by) references app_user (tenant_id, id),
  check ((kind = 'landlord' and person_id is not null and shop_id is null) or (kind = 'shop' and shop_id is not null))
);
create unique index landlord_scoring_subject_person on landlord_scoring_subject (tenant_id, person_id)
  where kind = 'landlord';
create unique index landlord_scoring_subject_shop on landlord_scoring_subject (tenant_id, shop_id)
  where kind = 'shop';
create index landlord_scoring_subject_unit on landlord_scoring_subject (tenant_id, org_unit_id);
select civicgrid_tenant_table('landlord_scoring_subject');

-- A landlord's rental houses, over time (a house let from `since`, until `until` if it stopped).
create table landlord_scoring_subject_house (
  tenant_id uuid not null references tenant (id),
  subject_id uuid not null,
  house_id uuid not null,
  since date not null,
  until date,
  primary key (tenant_id, subject_id, house_id),
  foreign key (tenant_id, subject_id) references landlord_scoring_subject (tenant_id, id),
  foreign key (tenant_id, house_id) references house (tenant_id, id),
  check (until is null or until >= since)
);
create index landlord_scoring_subject_house_house on landlord_scoring_subject_house (tenant_id, house_id);
select civicgrid_tenant_table('landlord_scoring_subject_house');

-- The rule catalogue, versioned per subject kind: a version applies from its date until the next one;
-- versions are never edited (a change is a new version), so a record keeps the rule it was scored under.
create table landlord_scoring_rule_version (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  kind text not null check (kind in ('landlord', 'shop')),
  effective_from date not null,
  note text check (length(note) <= 500),
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, kind, effective_from),
  foreign key (tenant_id, created_by) references app_user (tenant_id, id)
);
select civicgrid_tenant_table('landlord_scoring_rule_version');

create table landlord_scoring_category (
  tenant_id uuid not null references tenant (id),
  version_id uuid not null,
  code text not null check (code ~ '^[a-z][a-z0-9-]{0,39}$'),
  title_zh text not null check (length(title_zh) between 1 and 100),
  title_en text not null check (length(title_en) between 1 and 100),
  position integer not null,
  primary key (tenant_id, version_id, code),
  foreign key (tenant_id, version_id) references landlord_scoring_rule_version (tenant_id, id)
);
select civicgrid_tenant_table('landlord_scoring_category');

-- An item: a negative behaviour (deduction) or a good deed (bonus, optionally capped per month).
-- `code` is stable across versions: the record form picks by code, the date picks the version.
create table landlord_scoring_item (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  version_id uuid not null,
  category_code text not null,
  code text not null check (code ~ '^[a-z][a-z0-9-]{0,39}$'),
  title_zh text not null check (length(title_zh) between 1 and 200),
  title_en text not null check (length(title_en) between 1 and 200),
  effect text not null check (effect in ('deduction', 'bonus')),
  points integer not null check (points between 1 and 12),
  monthly_cap integer check (monthly_cap between 1 and 12),
  position integer not null,
  primary key (tenant_id, id),
  unique (tenant_id, version_id, code),
  foreign key (tenant_id, version_id, category_code) references landlord_scoring_category (tenant_id, version_id, code),
  check (effect = 'bonus' or monthly_cap is null)
);
select civicgrid_tenant_table('landlord_scoring_item');

-- A score record. Points and effect are copied from the item (immutable once versioned) so the
-- yearly arithmetic reads one table. Corrections never delete: an upheld appeal voids the record.
create table landlord_scoring_record (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  subject_id uuid not null,
  item_id uuid not null,
  effect text not null check (effect in ('deduction', 'bonus')),
  points integer not null check (points between 1 and 12),
  occurred_on date not null,
  note text check (length(note) <= 2000),
  witness text check (length(witness) <= 100),
  recorded_by uuid not null,
  created_at timestamptz not null default now(),
  voided boolean not null default false,
  void_reason text check (length(void_reason) between 1 and 500),
  voided_by uuid,
  voided_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, subject_id) references landlord_scoring_subject (tenant_id, id),
  foreign key (tenant_id, item_id) references landlord_scoring_item (tenant_id, id),
  foreign key (tenant_id, recorded_by) references app_user (tenant_id, id),
  foreign key (tenant_id, voided_by) references app_user (tenant_id, id),
  check (voided = (void_reason is not null))
);
create index landlord_scoring_record_subject on landlord_scoring_record (tenant_id, subject_id, occurred_on);
select civicgrid_tenant_table('landlord_scoring_record');

-- An appeal against a record, filed for the subject and reviewed at community level.
create table landlord_scoring_appeal (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  record_id uuid not null,
  reason text not null check (length(reason) between 1 and 2000),
  filed_by uuid not null,
  filed_at timestamptz not null default now(),
  state text not null default 'pending' check (state in ('pending', 'upheld', 'rejected')),
  decision_note text check (length(decision_note) <= 500),
  decided_by uuid,
  decided_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, record_id) references landlord_scoring_record (tenant_id, id),
  foreign key (tenant_id, filed_by) references app_user (tenant_id, id),
  foreign key (tenant_id, decided_by) references app_user (tenant_id, id),
  check ((state = 'pending') = (decided_at is null))
);
create unique index landlord_scoring_appeal_pending on landlord_scoring_appeal (tenant_id, record_id)
  where state = 'pending';
create index landlord_scoring_appeal_state on landlord_scoring_appeal (tenant_id, state, filed_at);
select civicgrid_tenant_table('landlord_scoring_appeal');

-- Who declared a tenant's residence in a rental house: the landlord herself, or a grid worker who
-- found the tenant on a visit. The self-declaration rate is landlord ÷ all declared (verified) tenants.
create table landlord_scoring_declaration (
  tenant_id uuid not null references tenant (id),
  residence_id uuid not null,
  source text not null check (source in ('landlord', 'visit')),
  declared_on date not null,
  recorded_by uuid not null,
  primary key (tenant_id, residence_id),
  foreign key (tenant_id, residence_id) references residence (tenant_id, id),
  foreign key (tenant_id, recorded_by) references app_user (tenant_id, id)
);
select civicgrid_tenant_table('landlord_scoring_declaration');

-- One row per subject and month: the running score of the year and the flags. Holds nothing of the
-- run (no run id, no time), so re-running a month writes identical rows.
create table landlord_scoring_assessment (
  tenant_id uuid not null references tenant (id),
  period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  subject_id uuid not null,
  kind text not null check (kind in ('landlord', 'shop')),
  org_unit_id uuid not null,
  deductions integer not null,
  bonuses integer not null,
  score integer not null,
  flag text check (flag in ('yellow', 'red')),
  improvement_class boolean not null,
  referral boolean not null,
  tenants_verified integer not null default 0,
  tenants_self_declared integer not null default 0,
  primary key (tenant_id, period, subject_id),
  foreign key (tenant_id, subject_id) references landlord_scoring_subject (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create index landlord_scoring_assessment_subject on landlord_scoring_assessment (tenant_id, subject_id, period);
select civicgrid_tenant_table('landlord_scoring_assessment');

-- Where a monthly run has got to: chunks commit on their own, and a run resumes after `cursor`
-- (the last subject id done) when it is the same job run; any other run of the month starts over.
create table landlord_scoring_assessment_run (
  tenant_id uuid not null references tenant (id),
  period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  run_id uuid not null,
  cursor uuid,
  subjects integer not null default 0,
  state text not null check (state in ('running', 'completed')),
  primary key (tenant_id, period)
);
select civicgrid_tenant_table('landlord_scoring_assessment_run');

-- A landlord enrolled in an improvement class (转优学习班) of a month, by the assessment of `period`.
create table landlord_scoring_enrolment (
  tenant_id uuid not null references tenant (id),
  subject_id uuid not null,
  class_month text not null check (class_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  period text not null,
  attended_on date,
  primary key (tenant_id, subject_id, class_month),
  foreign key (tenant_id, subject_id) references landlord_scoring_subject (tenant_id, id)
);
create index landlord_scoring_enrolment_period on landlord_scoring_enrolment (tenant_id, period);
select civicgrid_tenant_table('landlord_scoring_enrolment');

-- The monthly report: counts per street, community and grid (and the whole city, level 'total').
create table landlord_scoring_report (
  tenant_id uuid not null references tenant (id),
  period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  org_unit_id uuid not null,
  level text not null check (level in ('total', 'street', 'community', 'grid')),
  landlords integer not null,
  yellow_landlords integer not null,
  improvement_class integer not null,
  referrals integer not null,
  shops integer not null,
  yellow_shops integer not null,
  red_shops integer not null,
  tenants_verified integer not null,
  tenants_self_declared integer not null,
  primary key (tenant_id, period, org_unit_id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
select civicgrid_tenant_table('landlord_scoring_report');
