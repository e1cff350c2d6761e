-- Detections: one row per (event, rule). The id derives from both, so a re-delivered event
-- yields the same alert id and ReplacingMergeTree keeps one.
CREATE TABLE IF NOT EXISTS alerts
(
    alert_id          String,
    timestamp         DateTime64(3, 'UTC'),
    created_at        DateTime64(3, 'UTC'),
    rule_id           String,
    rule_title        String,
    rule_level        LowCardinality(String),
    severity          LowCardinality(String),
    attack_techniques Array(LowCardinality(String)),
    attack_tactics    Array(LowCardinality(String)),
    event_id          String,
    source_ip         String,
    destination_ip    String,
    user_name         String,
    host_name         LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (toStartOfHour(timestamp), alert_id)
SETTINGS non_replicated_deduplication_window = 1000;
