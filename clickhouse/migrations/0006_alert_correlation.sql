-- Correlation alerts (Sigma event_count / value_count / value_sum / temporal / temporal_ordered):
-- the events that made the rule fire, the correlation type, its group-by values and the measured
-- value. Single-event alerts keep the defaults (their event is `event_id`).
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS event_ids Array(String) DEFAULT [];
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS correlation_type LowCardinality(String) DEFAULT '';
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS correlation_groups Map(String, String) DEFAULT map();
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS correlation_value Float64 DEFAULT 0;
