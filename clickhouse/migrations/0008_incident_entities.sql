-- Incidents: the entity keys they group (`source_ip=...`, `user=...`, `host=...`), for related
-- incidents and entity filters, and the triager that produced the verdict.
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS entities Array(String) DEFAULT [];
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS triager LowCardinality(String) DEFAULT '';
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS auto_escalate UInt8 DEFAULT 0;
