-- The people-and-places registry every module works on. Places hang on org units (a building, a
-- compound, a grid), so scope follows the org tree; people hang on the unit of where they live.

create table house (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  org_unit_id uuid not null,
  address text not null check (length(address) between 1 and 200),
  floor integer check (floor between -10 and 200),
  area numeric(8, 2) check (area > 0),
  use text not null check (use in ('own-occupied', 'rented', 'shop', 'vacant')),
  rooms integer check (rooms between 0 and 500),
  occupancy_cap integer check (occupancy_cap between 0 and 2000),
  escape_window boolean,
  ebike_charging boolean,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create index house_unit on house (tenant_id, org_unit_id);
select civicgrid_tenant_table('house');

-- A resident's ID number and phone are stored encrypted (AES-256-GCM, iv‖tag‖ciphertext, bound to the
-- tenant and the field), with a keyed hash (HMAC-SHA-256) for exact lookup and de-duplication and the
-- masked form for lists. `pii_key` names the key that encrypted them, so keys can rotate.
create table resident (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  org_unit_id uuid not null,
  name text not null check (length(name) between 1 and 100),
  name_initials text check (name_initials ~ '^[a-z]{1,20}$'),
  gender text not null check (gender in ('male', 'female')),
  birth_date date not null,
  id_type text not null check (id_type in ('resident-id', 'passport')),
  id_cipher bytea not null,
  id_hash bytea not null,
  id_masked text not null,
  nationality text check (nationality ~ '^[A-Z]{3}$'),
  phone_cipher bytea,
  phone_hash bytea,
  phone_masked text,
  pii_key text not null,
  registration text not null check (registration in ('local', 'floating', 'overseas')),
  household_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, id_hash),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id),
  check ((phone_cipher is null) = (phone_hash is null)),
  check (id_type = 'resident-id' or nationality is not null)
);
create index resident_unit on resident (tenant_id, org_unit_id, name);
create index resident_phone on resident (tenant_id, phone_hash) where phone_hash is not null;
create index resident_name on resident (tenant_id, name text_pattern_ops);
create index resident_initials on resident (tenant_id, name_initials text_pattern_ops);
select civicgrid_tenant_table('resident');

-- A household (户) groups residents under a head.
create table household (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  org_unit_id uuid not null,
  house_id uuid,
  head_id uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id),
  foreign key (tenant_id, house_id) references house (tenant_id, id),
  foreign key (tenant_id, head_id) references resident (tenant_id, id)
);
select civicgrid_tenant_table('household');
alter table resident add foreign key (tenant_id, household_id) references household (tenant_id, id);

-- Where a resident lives, over time: moving out ends a residence, it never deletes it.
create table residence (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  resident_id uuid not null,
  house_id uuid,
  org_unit_id uuid not null,
  moved_in date not null,
  moved_out date,
  primary key (tenant_id, id),
  foreign key (tenant_id, resident_id) references resident (tenant_id, id),
  foreign key (tenant_id, house_id) references house (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id),
  check (moved_out is null or moved_out >= moved_in)
);
create unique index residence_current on residence (tenant_id, resident_id) where moved_out is null;
create index residence_house on residence (tenant_id, house_id) where moved_out is null;
select civicgrid_tenant_table('residence');

create table shop (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  org_unit_id uuid not null,
  house_id uuid,
  name text not null check (length(name) between 1 and 100),
  licence_no text check (licence_no ~ '^[0-9A-Z]{15,18}$'),
  business_street text check (length(business_street) <= 100),
  operator_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id),
  foreign key (tenant_id, house_id) references house (tenant_id, id),
  foreign key (tenant_id, operator_id) references resident (tenant_id, id)
);
create unique index shop_licence on shop (tenant_id, licence_no) where licence_no is not null;
create index shop_unit on shop (tenant_id, org_unit_id);
select civicgrid_tenant_table('shop');

-- Focus groups (重点人群): the seeds' tags plus the tenant's own, with a visit cadence. Sensitive ones
-- (released prisoners, community correction) are visible only with their own permission.
create table focus_tag (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  key text not null check (key ~ '^[a-z][a-z0-9-]{1,39}$'),
  name text not null check (length(name) between 1 and 50),
  sensitive boolean not null default false,
  visit_every_days integer check (visit_every_days between 1 and 366),
  system boolean not null default false,
  primary key (tenant_id, id),
  unique (tenant_id, key)
);
select civicgrid_tenant_table('focus_tag');

create table resident_tag (
  tenant_id uuid not null references tenant (id),
  resident_id uuid not null,
  tag_id uuid not null,
  since date not null default current_date,
  primary key (tenant_id, resident_id, tag_id),
  foreign key (tenant_id, resident_id) references resident (tenant_id, id),
  foreign key (tenant_id, tag_id) references focus_tag (tenant_id, id)
);
create index resident_tag_tag on resident_tag (tenant_id, tag_id);
select civicgrid_tenant_table('resident_tag');

create table visit (
  tenant_id uuid not null references tenant (id),
  id uuid not null default gen_random_uuid(),
  resident_id uuid not null,
  visitor_id uuid not null,
  org_unit_id uuid not null,
  visited_at timestamptz not null,
  note text check (length(note) <= 2000),
  photo_ref text check (length(photo_ref) <= 300),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, resident_id) references resident (tenant_id, id),
  foreign key (tenant_id, visitor_id) references app_user (tenant_id, id),
  foreign key (tenant_id, org_unit_id) references org_unit (tenant_id, id)
);
create index visit_resident on visit (tenant_id, resident_id, visited_at desc);
select civicgrid_tenant_table('visit');
