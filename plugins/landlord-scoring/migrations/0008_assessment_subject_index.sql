-- A subject's assessments are read by the months that have runs (its file) or by the latest completed
-- month (the subject list), each a probe of the primary key (tenant_id, period, subject_id); the second
-- index on (tenant_id, subject_id, period) only cost the monthly run an index insert per row.
drop index landlord_scoring_assessment_subject;
