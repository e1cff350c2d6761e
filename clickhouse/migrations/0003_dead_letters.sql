-- Records that could not be accepted, with the reason and the raw text, so they can be
-- inspected and replayed. Nothing rejected disappears.
CREATE TABLE IF NOT EXISTS dead_letters
(
    id            String,
    received_at   DateTime64(3, 'UTC'),
    source        LowCardinality(String),
    request_id    String,
    record_index  Int64,
    code          LowCardinality(String),
    reason        String,
    content_type  LowCardinality(String),
    raw           String CODEC(ZSTD(1))
)
ENGINE = MergeTree
ORDER BY (received_at, id)
SETTINGS non_replicated_deduplication_window = 1000;
