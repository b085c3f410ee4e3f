-- Photos and documents on an event (现场照片, 处置材料): the bytes are in the platform's object storage
-- under the tenant's namespace (`t/<tenant>/events/<event>/<attachment>`), this row says what they are.
-- The row is written after the bytes arrived whole, in the upload's transaction.
create table events_attachment (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  event_id uuid not null,
  file_name text not null check (length(file_name) between 1 and 200),
  content_type text not null check (content_type in
    ('image/jpeg', 'image/png', 'image/webp', 'image/heic', 'application/pdf')),
  size bigint not null check (size > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text not null,
  uploaded_by uuid,
  uploaded_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events_event (tenant_id, id)
);
create index events_attachment_event on events_attachment (tenant_id, event_id, uploaded_at);
select civicgrid_tenant_table('events_attachment');
