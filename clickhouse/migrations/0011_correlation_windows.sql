-- Open Sigma correlation windows (the failures counted so far toward a brute force, the steps of a
-- chain seen so far), saved every few seconds and reloaded at start and after a Kafka rebalance, so
-- a burst that spans a restart or moves to another process is still counted whole. The latest save
-- of a group wins; a day after its last save a group is gone.
CREATE TABLE IF NOT EXISTS correlation_windows
(
    group_key   String,
    updated_at  DateTime64(3, 'UTC'),
    last_ts     DateTime64(3, 'UTC'),
    state       String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY group_key
TTL toDateTime(updated_at) + INTERVAL 1 DAY;
