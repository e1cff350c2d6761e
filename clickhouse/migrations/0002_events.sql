-- Every normalized event (ECS fields flattened to snake_case columns) and the original record
-- as received. Rows arrive sparse (empty columns omitted) and take the column defaults.
-- ReplacingMergeTree on event_id plus insert deduplication make re-delivered batches
-- (retries, Kafka replays after a crash) converge to one row per event.
CREATE TABLE IF NOT EXISTS events
(
    event_id                    String,
    timestamp                   DateTime64(3, 'UTC'),
    ingested_at                 DateTime64(3, 'UTC'),
    source                      LowCardinality(String),
    decoder                     LowCardinality(String),
    decode_status               LowCardinality(String),
    decode_notes                Array(String),
    event_kind                  LowCardinality(String),
    event_category              Array(LowCardinality(String)),
    event_type                  Array(LowCardinality(String)),
    event_action                LowCardinality(String),
    event_code                  LowCardinality(String),
    event_outcome               LowCardinality(String),
    event_dataset               LowCardinality(String),
    event_module                LowCardinality(String),
    event_provider              LowCardinality(String),
    event_severity              UInt8,
    legacy_event_type           LowCardinality(String),
    source_ip                   String,
    source_port                 UInt16,
    destination_ip              String,
    destination_port            UInt16,
    network_transport           LowCardinality(String),
    network_protocol            LowCardinality(String),
    user_name                   String,
    user_domain                 String,
    user_id                     String,
    user_target_name            String,
    host_name                   LowCardinality(String),
    host_ip                     Array(String),
    process_pid                 UInt32,
    process_name                String,
    process_executable          String,
    process_command_line        String,
    process_parent_name         String,
    process_parent_executable   String,
    process_parent_command_line String,
    rule_id                     String,
    rule_name                   String,
    rule_category               String,
    url_original                String,
    file_path                   String,
    registry_path               String,
    cloud_provider              LowCardinality(String),
    cloud_region                LowCardinality(String),
    cloud_account_id            String,
    user_agent                  String,
    message                     String,
    original                    String
)
ENGINE = ReplacingMergeTree
ORDER BY (toStartOfHour(timestamp), event_id)
SETTINGS non_replicated_deduplication_window = 1000;
