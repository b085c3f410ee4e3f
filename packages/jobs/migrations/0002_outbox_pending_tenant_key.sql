-- Every key of a table with tenant_id holds tenant_id (the Citus distribution column): the relay's
-- pending list is distributed with the outbox it points into, and deletes name the tenant.
alter table outbox_pending drop constraint outbox_pending_pkey;
alter table outbox_pending add primary key (tenant_id, outbox_id);
-- The new key leads with tenant_id: it serves the sweep's lookups by tenant.
drop index if exists outbox_pending_tenant;
