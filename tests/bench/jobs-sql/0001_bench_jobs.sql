-- The row each benchmark job reads and writes, per tenant (tests/bench/jobs-setup.ts).
create table bench_item (
  tenant_id uuid not null references tenant (id),
  id integer not null,
  hits integer not null default 0,
  primary key (tenant_id, id)
);
select civicgrid_tenant_table('bench_item');
