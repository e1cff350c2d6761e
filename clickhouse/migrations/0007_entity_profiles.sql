-- Entity profiles (source IP, destination IP, user, host): the latest version per (kind, entity)
-- wins. Written by the pipeline's profile store; read back when an entity returns after a restart
-- or an eviction, and by GET /api/{ip,user,host}/:id/profile.
CREATE TABLE IF NOT EXISTS entity_profiles
(
    kind        LowCardinality(String),
    entity      String,
    version     UInt64,
    updated_at  DateTime64(3, 'UTC'),
    first_seen  DateTime64(3, 'UTC'),
    last_seen   DateTime64(3, 'UTC'),
    events      UInt64,
    risk_score  UInt8,
    internal    UInt8,
    doc         String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (kind, entity);
