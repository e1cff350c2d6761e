/**
 * `watchfloor help`: every command with the defaults the code really has. Kept apart from main.ts
 * so the text can be checked (usage.test.ts) without loading the server.
 */
export const USAGE = `Usage: watchfloor <command> [options]

Commands:
  start                 run Watchfloor on the configured (default: embedded) stores
  replay --out DIR [--rules DIR ...] [--progress] INPUT...
                        run the pipeline over files (.json .ndjson .jsonl .csv, .gz, .zip, - for stdin)
  demo [--rate 25] [--speed 20] [--seed 1] [--data-dir DIR] [--port N]
                        the embedded server on a store of its own, with generated attacks streaming in
  generate [opts]       realistic events as NDJSON (attack chains, single attacks, a benign baseline)
                        --events N (default 10000) --seed N (default 1) --start ISO --duration 24h
                        --chains N --rate N (real time) --config FILE --out FILE --truth FILE
  send [opts] FILE|-    NDJSON to a Watchfloor: --url URL --token T, or --kafka BROKERS --topic T;
                        --mode batch|stream|burst --batch 500 --rate 100 --duration D --concurrency 4
  score --truth FILE [--json] [--strict] DIR
                        a replay's output (DIR) against generate's ground truth
  bench ingest [opts]   events/s end to end (HTTP -> ClickHouse), pipeline only and store only, CPU
                        per event per thread and stage, RSS, p50/p99 event -> incident in the API
                        --events N (default 1000000) --batch N (default 5000) --concurrency N (default 4)
                        --corpus compact|mixed (default mixed) --rounds N (default 3)
                        --pipeline-only (only SINK_TYPE=none runs) --latency RATE (only the latency run)
  bench detect [opts]   Sigma rule evaluation per core, then end to end with detection on
                        --events N (default 500000)
  bench profiles [opts] entity profile updates/s and RSS, in memory and persisted
                        --ips N (default 1000000)
  bench kafka [opts]    Kafka -> ClickHouse on a real local broker: end to end, pipeline only, store
                        only, raw limit, CPU per event, p50/p99 event -> incident in the API
                        --events N (default 500000) --rounds N (default 3)
  bench similar [opts]  top-5 similar-incident latency, embedded index (and Elasticsearch when
                        ELASTICSEARCH_URL is set): --incidents N (default 100000) --queries N (default 200)
  bench soak [opts]     the maximum rate, then a soak at half of it (RSS slope, p99 event -> incident
                        per minute), then an overload at 3x (accepted/refused, Retry-After), then
                        every acknowledged event stored once: --minutes N (default 10)
                        --rate N (default half the maximum) --overload-seconds N (default 60)
  schema [--cluster NAME]
                        the ClickHouse DDL (with --cluster: replicated local tables, Distributed tables)
  config [--markdown]   print every configuration option: environment variable, key, default, meaning
                        (--markdown: the table in README.md)
  help                  this text

Options are read from the environment (and WATCHFLOOR_CONFIG); see \`watchfloor config\`.
`
