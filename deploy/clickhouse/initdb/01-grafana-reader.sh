#!/bin/bash
# Run once by the ClickHouse image on a new data volume: the read-only user Grafana queries with.
# It may read the watchfloor database (every table Watchfloor's migrations create) and nothing else.
set -euo pipefail
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE USER IF NOT EXISTS ${GRAFANA_CLICKHOUSE_USER} IDENTIFIED WITH sha256_password BY '${GRAFANA_CLICKHOUSE_PASSWORD}' SETTINGS readonly = 1;
GRANT SELECT ON watchfloor.* TO ${GRAFANA_CLICKHOUSE_USER};
SQL
