-- "My tasks" sorts by each open event's next deadline: min(due_at) of its stages not done and not
-- fired, one lookup per open event at her unit. Every stage of every event stays in events_deadline
-- (four or five rows an event, millions in a year); this index holds only the open ones, so the lookup
-- is an index-only read of a small, hot index instead of the event's rows in the big one.
create index events_deadline_next on events_deadline (tenant_id, event_id, due_at)
  where done_at is null and fired_at is null;
