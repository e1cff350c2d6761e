-- API tokens: only a SHA-256 hash of each token is stored. The latest version per token id wins
-- (revoking writes a new version).
CREATE TABLE IF NOT EXISTS api_tokens
(
    token_id    String,
    version     UInt64,
    name        String,
    role        LowCardinality(String),
    token_hash  FixedString(64),
    created_at  DateTime64(3, 'UTC'),
    created_by  String,
    revoked     UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY token_id;

-- Append-only audit log of every mutating API request. Never updated or deleted through the API.
CREATE TABLE IF NOT EXISTS audit_log
(
    ts          DateTime64(3, 'UTC'),
    request_id  String,
    actor       String,
    role        LowCardinality(String),
    action      LowCardinality(String),
    target      String,
    before      String,
    after       String
)
ENGINE = MergeTree
ORDER BY (ts, request_id);
