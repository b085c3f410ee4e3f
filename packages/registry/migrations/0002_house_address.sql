-- One house per address on a unit: the key that makes a houses import safe to run twice (a row whose
-- unit and address are registered already is a duplicate, not a second house) and that lets the
-- import write a batch with `on conflict do nothing`.
-- Existing data: the demo's addresses are unique per unit (building flats, numbered shop-fronts per
-- grid), and the API never wrote two on purpose; a tenant that did must merge them before this runs
-- (the index build then fails naming the pair, nothing is changed).
create unique index house_address on house (tenant_id, org_unit_id, address);
-- The new key leads with the same columns, so it serves the unit lookups the old index did.
drop index house_unit;
