-- The monthly assessment reads a chunk of subjects' records of the year by one range scan over the chunk's
-- subject ids (server/score.ts totalsRange). This index holds every column that scan reads (the item, the
-- effect and the points beside the subject and date; void records left out, as the scoring skips them),
-- so the scan is index-only: the chunk's records come in subject order from the index's leaf pages
-- instead of one heap page per record — the records table is in date order, a subject's records are
-- spread all over it. `pnpm bench landlord` (500,000 subjects, 3,000,000 records; docs/benchmarks.md):
-- per 10,000-subject chunk the records' read went from ~350 ms (index scan + heap) to ~20 ms.
create index landlord_scoring_record_assess on landlord_scoring_record (tenant_id, subject_id, occurred_on)
  include (item_id, effect, points) where not voided;
