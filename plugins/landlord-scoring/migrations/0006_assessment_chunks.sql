-- The monthly run's chunks are fixed when it starts (`bounds`: the last subject id of each chunk but the
-- last) and each is marked done in the transaction that writes its rows, so chunks can be written side by
-- side on several connections and a resumed run does exactly the ones not marked. A chunk's row is
-- written first: a second attempt of the same run reaching the same chunk waits for it, then skips it.
alter table landlord_scoring_assessment_run drop column cursor;
alter table landlord_scoring_assessment_run add column bounds uuid[] not null default '{}';
create table landlord_scoring_assessment_chunk (
  tenant_id uuid not null,
  period text not null,
  seq integer not null check (seq >= 0),
  subjects integer not null default 0,
  primary key (tenant_id, period, seq),
  foreign key (tenant_id, period) references landlord_scoring_assessment_run (tenant_id, period)
);
select civicgrid_tenant_table('landlord_scoring_assessment_chunk');

-- Redundant beside the (tenant_id, subject_id) key to the subject, whose own tenant_id references the
-- tenant: one row lock and check less per written row (a tenth of a chunk's time, `pnpm bench landlord`).
alter table landlord_scoring_assessment drop constraint landlord_scoring_assessment_tenant_id_fkey;
alter table landlord_scoring_enrolment drop constraint landlord_scoring_enrolment_tenant_id_fkey;
