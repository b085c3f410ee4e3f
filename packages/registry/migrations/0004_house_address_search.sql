-- Houses found by the start of their address: the residents list's `address` filter, imports naming a
-- house by address, exports ordered by address. text_pattern_ops serves `like 'prefix%'` whatever the
-- database's collation (the unique (tenant_id, org_unit_id, address) index cannot: it leads with the unit).
create index house_address_prefix on house (tenant_id, address text_pattern_ops);
