-- Incidents: one row per version; the latest version of an incident id wins (argMax / FINAL).
-- Filled by the correlate and triage transforms; read by the incidents API and dashboards.
CREATE TABLE IF NOT EXISTS incidents
(
    incident_id        String,
    version            UInt64,
    created_at         DateTime64(3, 'UTC'),
    updated_at         DateTime64(3, 'UTC'),
    first_seen         DateTime64(3, 'UTC'),
    last_seen          DateTime64(3, 'UTC'),
    status             LowCardinality(String),
    severity           LowCardinality(String),
    confidence         UInt8,
    risk_score         UInt8,
    title              String,
    threat_type        LowCardinality(String),
    source_ip          String,
    attack_techniques  Array(String),
    attack_tactics     Array(String),
    alert_ids          Array(String),
    alert_count        UInt32,
    doc                String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY incident_id;
