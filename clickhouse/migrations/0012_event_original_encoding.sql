-- A record that is not valid UTF-8 keeps its exact bytes: `original` holds them base64 and this
-- column says so ('base64'); empty for every other record (the original as received, as text).
ALTER TABLE events ADD COLUMN IF NOT EXISTS original_encoding LowCardinality(String) DEFAULT '' AFTER original;
