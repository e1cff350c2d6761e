/**
 * `watchfloor help`: every command with the defaults the code really has. Kept apart from main.ts
 * so the text can be checked (usage.test.ts) without loading the server.
 */
export const USAGE = `Usage: watchfloor <command> [options]

Commands:
  start                 run Watchfloor on the configured (default: embedded) stores
  replay --out DIR [--rules DIR ...] INPUT...
                        run the pipeline over files (.json .ndjson .jsonl .csv, .gz, .zip, - for stdin)
  bench ingest [opts]   end-to-end ingest events/s (HTTP -> ClickHouse) vs the raw engine limit
                        --events N (default 1000000) --batch N (default 5000) --concurrency N (default 4)
                        --corpus compact|mixed (default mixed)
  bench detect [opts]   Sigma rule evaluation per core, then end to end with detection on
                        --events N (default 500000)
  bench profiles [opts] entity profile updates/s and RSS, in memory and persisted
                        --ips N (default 1000000)
  bench kafka [opts]    Kafka -> ClickHouse on a real local broker: raw limit, pipeline, latency
                        --events N (default 500000)
  bench similar [opts]  top-5 similar-incident latency, embedded index (and Elasticsearch when
                        ELASTICSEARCH_URL is set): --incidents N (default 100000) --queries N (default 200)
  config [--markdown]   print every configuration option: environment variable, key, default, meaning
                        (--markdown: the table in README.md)
  help                  this text

Options are read from the environment (and WATCHFLOOR_CONFIG); see \`watchfloor config\`.
`
