/**
 * Every configuration option, its environment variable, default and validation.
 * Loaded once at start (see load.ts), every error listed together, then frozen.
 */
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { RFC1918_AND_LOCAL, cidrTester } from '../lib/cidr.js'

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes')
/** A list of paths: an array, or one string separated by the platform's delimiter (":"); resolved to absolute paths. */
const paths = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(path.delimiter)).map((d) => d.trim()).filter(Boolean).map((d) => path.resolve(d)))
/** A comma-separated list (or an array) of non-empty strings. */
const list = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const bytes = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseBytes(v)
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a size: ${String(v)} (examples: 1048576, 512kb, 64mb, 1gb)` })
    return z.NEVER
  }
  return n
})

export function parseBytes(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(v)
  if (!m) return undefined
  const unit = (m[2] ?? 'b').toLowerCase()
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1
  return Math.floor(Number(m[1]) * mult)
}

/** One row per option: [config key, environment variable, description]. Kept next to the schema so README and errors agree. */
export const OPTIONS = [
  ['host', 'HOST', 'Address the API listens on.'],
  ['port', 'PORT', 'Port the API listens on (0 picks a free port).'],
  ['dataDir', 'DATA_DIR', 'Directory for the embedded ClickHouse engine and local state.'],
  ['logLevel', 'LOG_LEVEL', 'fatal, error, warn, info, debug, trace or silent.'],
  ['clickhouse.url', 'CLICKHOUSE_URL', 'ClickHouse server URL (http[s]://host:8123). Unset: the embedded engine (chdb) under DATA_DIR.'],
  ['clickhouse.username', 'CLICKHOUSE_USER', 'ClickHouse user (server mode).'],
  ['clickhouse.password', 'CLICKHOUSE_PASSWORD', 'ClickHouse password (server mode). Never logged.'],
  ['clickhouse.database', 'CLICKHOUSE_DATABASE', 'Database holding the Watchfloor tables (server mode; created if missing).'],
  ['clickhouse.retentionDays', 'CLICKHOUSE_RETENTION_DAYS', 'Days each table keeps its rows (ClickHouse TTL, applied at start; comma separated table=days, e.g. events=30,alerts=365,dead_letters=14; a table not named keeps everything).'],
  ['clickhouse.fsync', 'CLICKHOUSE_FSYNC', 'fsync every insert before acknowledging (survives power loss, not only process kill). Slower.'],
  ['ingest.maxBodyBytes', 'INGEST_MAX_BODY_BYTES', 'Largest accepted request body (413 above). Sizes accept kb/mb/gb.'],
  ['ingest.maxInflateRatio', 'INGEST_MAX_INFLATE_RATIO', 'A gzip or deflate body (Content-Encoding) may inflate to at most this many times its size, and never past INGEST_MAX_BODY_BYTES (413 above: a compression bomb).'],
  ['ingest.maxRecordBytes', 'INGEST_MAX_RECORD_BYTES', 'Largest accepted single record; larger records are rejected with a reason.'],
  ['ingest.maxDepth', 'INGEST_MAX_DEPTH', 'Deepest accepted JSON nesting of a record.'],
  ['ingest.maxClockSkewMs', 'INGEST_MAX_CLOCK_SKEW_MS', 'An event time further than this past the ingest time is set to the ingest time and noted (decode_notes), so a wrong clock cannot move time-based state (0: no limit). Replay keeps the times as they are.'],
  ['pipeline.workers', 'PIPELINE_WORKERS', 'Worker threads that decode and normalize (default: number of cores).'],
  ['pipeline.batchRecords', 'PIPELINE_BATCH_RECORDS', 'Records per worker task.'],
  ['pipeline.workerYoungGenerationMb', 'PIPELINE_WORKER_YOUNG_GENERATION_MB', 'V8 young-generation size of each worker thread (throughput vs memory).'],
  ['pipeline.taskTimeoutMs', 'PIPELINE_TASK_TIMEOUT_MS', 'Time a worker task may run (queue wait excluded) before its worker is replaced and the record it was on is dead-lettered (RECORD_UNPROCESSABLE, e.g. a Sigma regex backtracking without end); the rest of the task runs again.'],
  ['pipeline.maxPendingRecords', 'PIPELINE_MAX_PENDING_RECORDS', 'Records in flight (in workers or waiting for storage) above which ingest answers 503 with Retry-After.'],
  ['detect.builtinRules', 'DETECT_BUILTIN_RULES', "Load Watchfloor's own rule pack (rules/ in the repository: brute force, spraying, scans, lateral movement, credential dumping, persistence, exfiltration, malware)."],
  ['detect.correlationMaxEvents', 'CORRELATION_MAX_EVENTS', 'Events held in all Sigma correlation windows together (~200 B each); past it the least recently touched windows are dropped. Raise it for long timespans at high rates.'],
  ['detect.sigmaRulesDirs', 'SIGMA_RULES_DIRS', 'Directories of Sigma rules (separated by ":"), e.g. a SigmaHQ checkout; every rule below them is matched on the stream. Empty: no Sigma detection.'],
  ['profile.enabled', 'PROFILE_ENABLED', 'Build behavioural profiles per source IP, destination IP, user and host (stored in ClickHouse entity_profiles).'],
  ['profile.internalCidrs', 'PROFILE_INTERNAL_CIDRS', 'Address ranges counted as internal (comma separated CIDRs). Default: RFC 1918, loopback, link-local, CGNAT, IPv6 ULA.'],
  ['profile.riskHalfLifeMs', 'PROFILE_RISK_HALF_LIFE_MS', 'Half-life of the alert risk an entity carries (event time), in ms.'],
  ['profile.maxInMemory', 'PROFILE_MAX_IN_MEMORY', 'Profiles kept in memory; the least recently seen are written to ClickHouse and reloaded when they come back.'],
  ['profile.flushMs', 'PROFILE_FLUSH_MS', 'How often changed profiles are written to ClickHouse, in ms.'],
  ['incident.windowMs', 'INCIDENT_WINDOW_MS', 'An alert joins an open incident that shares an entity and had an alert at most this long before (event time), in ms.'],
  ['incident.threatIntelFiles', 'THREAT_INTEL_FILES', 'Local threat-intel lists (separated by ":"): plain text, one IP or CIDR per line, "#" comments. Addresses on a list make incidents more severe.'],
  ['api.auth', 'API_AUTH', 'all: reads need a viewer (or higher) token and ingest an ingest token; actions: only analyst actions and administration need tokens (a laptop demo).'],
  ['api.ingestRatePerMinute', 'API_INGEST_RATE_PER_MINUTE', 'Ingest requests one client address may send per minute (429 with Retry-After above; 0: no limit).'],
  ['api.authFailuresPerMinute', 'API_AUTH_FAILURES_PER_MINUTE', 'Unknown or revoked tokens one client address may present per minute; above it every request from it is refused (429) until the minute ends (0: no limit).'],
  ['api.actionRatePerMinute', 'API_ACTION_RATE_PER_MINUTE', 'Analyst actions (POST on incidents) one token may send per minute (429 above; 0: no limit).'],
  ['kafka.brokers', 'KAFKA_BROKERS', 'Kafka bootstrap brokers (host:port, comma separated). Set: consume KAFKA_TOPICS, and POST /api/ingest produces to KAFKA_INPUT_TOPIC. Empty: no Kafka.'],
  ['kafka.topics', 'KAFKA_TOPICS', 'Topics to consume (comma separated).'],
  ['kafka.groupId', 'KAFKA_GROUP_ID', 'Consumer group id; several Watchfloor processes in one group share the partitions.'],
  ['kafka.clientId', 'KAFKA_CLIENT_ID', 'Kafka client id.'],
  ['kafka.inputTopic', 'KAFKA_INPUT_TOPIC', 'Topic POST /api/ingest produces to (default: the first of KAFKA_TOPICS).'],
  ['kafka.deadLetterTopic', 'KAFKA_DEAD_LETTER_TOPIC', 'Topic for messages that cannot be decoded (reason in headers).'],
  ['kafka.fromBeginning', 'KAFKA_FROM_BEGINNING', 'A new consumer group starts at the earliest offset (true) or the latest (false).'],
  ['kafka.consume', 'KAFKA_CONSUME', 'Consume KAFKA_TOPICS in this process (false: only produce from HTTP ingest).'],
  ['kafka.ssl', 'KAFKA_SSL', 'Connect with TLS.'],
  ['kafka.sslCaFile', 'KAFKA_SSL_CA_FILE', 'CA certificate (PEM) to verify the brokers with (TLS).'],
  ['kafka.saslMechanism', 'KAFKA_SASL_MECHANISM', 'SASL mechanism: plain, scram-sha-256 or scram-sha-512 (empty: no SASL).'],
  ['kafka.saslUsername', 'KAFKA_SASL_USERNAME', 'SASL user name.'],
  ['kafka.saslPassword', 'KAFKA_SASL_PASSWORD', 'SASL password. Never logged.'],
  ['buffer.enabled', 'BUFFER_ENABLED', 'Acknowledge once rows are in the local disk buffer (true) or only after the ClickHouse insert (false).'],
  ['buffer.maxBytes', 'BUFFER_MAX_BYTES', 'Acknowledged bytes not yet in ClickHouse above which ingest answers 503 (the disk buffer backlog).'],
  ['buffer.flushRows', 'BUFFER_FLUSH_ROWS', 'Rows that trigger a ClickHouse insert from the disk buffer.'],
  ['buffer.flushBytes', 'BUFFER_FLUSH_BYTES', 'Bytes that trigger a ClickHouse insert from the disk buffer.'],
  ['buffer.lingerMs', 'BUFFER_LINGER_MS', 'Longest wait before buffered rows are inserted into ClickHouse.'],
  ['buffer.segmentBytes', 'BUFFER_SEGMENT_BYTES', 'Size of one disk buffer segment file.'],
  ['buffer.fsync', 'BUFFER_FSYNC', 'fsync the disk buffer before acknowledging (survives power loss, not only process kill). Slower.'],
  ['sink.type', 'SINK_TYPE', 'clickhouse: store the events, alerts, incidents and dead letters. none: encode the rows and discard them, acknowledging at once (measures the pipeline without the store, as `bench ingest` does; never in production).'],
  ['sink.maxBatchRows', 'SINK_MAX_BATCH_ROWS', 'Most rows in one ClickHouse insert; concurrent requests are grouped up to this.'],
  ['sink.maxBatchBytes', 'SINK_MAX_BATCH_BYTES', 'Most bytes of rows in one ClickHouse insert (bounds memory).'],
  ['sink.maxInflight', 'SINK_MAX_INFLIGHT', 'Concurrent ClickHouse inserts.'],
  ['sink.retries', 'SINK_RETRIES', 'Retries of a failed insert (with backoff) before the request gets 503.'],
  ['search.elasticsearchUrl', 'ELASTICSEARCH_URL', 'Elasticsearch (http[s]://host:9200) for similar-incident search. Unset: an in-process index answers the same queries.'],
  ['search.elasticsearchUsername', 'ELASTICSEARCH_USERNAME', 'Elasticsearch user (basic authentication; empty: none).'],
  ['search.elasticsearchPassword', 'ELASTICSEARCH_PASSWORD', 'Elasticsearch password. Never logged.'],
  ['search.index', 'ELASTICSEARCH_INDEX', 'Name of the incidents index (an index template of the same name gives its mappings).'],
  ['search.shards', 'ELASTICSEARCH_SHARDS', 'Primary shards of the incidents index (set when it is created; one keeps relevance statistics whole, and incidents are few).'],
  ['search.replicas', 'ELASTICSEARCH_REPLICAS', 'Replicas of the incidents index: a number, or a range such as 0-1 (auto-expanded to the nodes there are).'],
  ['search.maxQueued', 'SEARCH_MAX_QUEUED', 'Incident versions waiting for the search index; above it they are left to the backfill from ClickHouse.'],
  ['search.embeddingsModel', 'OPENAI_EMBEDDINGS_MODEL', 'Embeddings model at the OpenAI-compatible endpoint (/v1/embeddings) for kNN similarity. Empty: no embeddings.'],
  ['search.embeddingDims', 'EMBEDDING_DIMS', 'Dimensions of the embeddings model (the dense_vector mapping).'],
  ['llm.baseUrl', 'OPENAI_BASE_URL', 'OpenAI-compatible API base URL (OpenAI, Azure, vLLM, Ollama, llama.cpp), e.g. http://127.0.0.1:8000/v1. LLM triage is off when neither this nor OPENAI_API_KEY is set.'],
  ['llm.apiKey', 'OPENAI_API_KEY', 'API key for the OpenAI-compatible endpoint. Never logged.'],
  ['llm.model', 'OPENAI_MODEL', 'Model that gives second opinions.'],
  ['llm.grayZone', 'LLM_GRAY_ZONE', 'When the LLM is asked on its own (comma separated): uncorroborated (MEDIUM/HIGH with a single detection and no risky entity), band (heuristic confidence inside LLM_CONFIDENCE_BAND), or none. Analysts can always ask.'],
  ['llm.confidenceBand', 'LLM_CONFIDENCE_BAND', 'Heuristic confidence band (min-max, 0-100) in which the LLM is asked when LLM_GRAY_ZONE includes band.'],
  ['llm.timeoutMs', 'LLM_TIMEOUT_MS', 'Longest wait for one LLM answer, in ms (the heuristic verdict stands after it).'],
  ['llm.maxRetries', 'LLM_MAX_RETRIES', 'Retries (with backoff) of a call answered 429 or 5xx.'],
  ['llm.concurrency', 'LLM_CONCURRENCY', 'LLM calls in flight at once.'],
  ['llm.hourlyCalls', 'LLM_HOURLY_CALLS', 'Most LLM calls in any hour (automatic and requested); over it the heuristic verdict stands.'],
  ['llm.hourlyTokens', 'LLM_HOURLY_TOKENS', 'Most LLM tokens (prompt + completion) in any hour.'],
  ['llm.redact', 'LLM_REDACT', 'Replace user names, host names and IP addresses with stable placeholders before sending to the LLM.'],
  ['shutdownTimeoutMs', 'SHUTDOWN_TIMEOUT_MS', 'Longest graceful drain on SIGTERM before exiting.'],
] as const

export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: int(0, 65535).default(8080),
    dataDir: z.string().min(1).default('./data'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    clickhouse: z
      .object({
        url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL').optional(),
        username: z.string().default('default'),
        password: z.string().default(''),
        database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('watchfloor'),
        fsync: bool.default(false),
        retentionDays: list
          .transform((items, ctx) => {
            const out: Record<string, number> = {}
            for (const item of items) {
              const m = /^(events|alerts|incidents|dead_letters|entity_profiles|audit_log)=(\d{1,5})$/.exec(item)
              if (!m || Number(m[2]) < 1) {
                ctx.addIssue({ code: 'custom', message: `${item}: expected table=days (days >= 1) for one of events, alerts, incidents, dead_letters, entity_profiles, audit_log` })
                return z.NEVER
              }
              out[m[1]!] = Number(m[2])
            }
            return out
          })
          .default({}),
      })
      .strict()
      .prefault({}),
    ingest: z
      .object({
        maxBodyBytes: bytes.default(64 * 1024 * 1024),
        maxRecordBytes: bytes.default(1024 * 1024),
        maxDepth: int(2, 1000).default(64),
        maxInflateRatio: int(2, 100_000).default(200),
        maxClockSkewMs: int(0, 365 * 86_400_000).default(300_000),
      })
      .strict()
      .prefault({}),
    pipeline: z
      .object({
        workers: int(1, 256).default(Math.max(1, os.availableParallelism())),
        batchRecords: int(1, 100_000).default(2000),
        maxPendingRecords: int(1000, 100_000_000).default(100_000),
        workerYoungGenerationMb: int(8, 4096).default(48),
        taskTimeoutMs: int(100, 3_600_000).default(30_000),
      })
      .strict()
      .prefault({}),
    detect: z
      .object({
        builtinRules: bool.default(true),
        correlationMaxEvents: int(1000, 100_000_000).default(500_000),
        sigmaRulesDirs: paths.default([]),
      })
      .strict()
      .prefault({}),
    profile: z
      .object({
        enabled: bool.default(true),
        internalCidrs: z
          .union([z.string(), z.array(z.string())])
          .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((c) => c.trim()).filter(Boolean))
          .superRefine((list, ctx) => {
            for (const c of list)
              try {
                cidrTester(c)
              } catch {
                ctx.addIssue({ code: 'custom', message: `not a CIDR: ${c}` })
              }
          })
          .default(RFC1918_AND_LOCAL),
        riskHalfLifeMs: int(1000, 365 * 86_400_000).default(6 * 3_600_000),
        maxInMemory: int(100, 100_000_000).default(250_000),
        flushMs: int(100, 3_600_000).default(5000),
      })
      .strict()
      .prefault({}),
    incident: z
      .object({
        windowMs: int(1000, 30 * 86_400_000).default(30 * 60_000),
        threatIntelFiles: paths.default([]),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        auth: z.enum(['all', 'actions']).default('all'),
        ingestRatePerMinute: int(0, 100_000_000).default(6000),
        actionRatePerMinute: int(0, 100_000_000).default(600),
        authFailuresPerMinute: int(0, 100_000_000).default(30),
      })
      .strict()
      .prefault({}),
    kafka: z
      .object({
        brokers: list.default([]),
        topics: list.default(['watchfloor-events']),
        groupId: z.string().min(1).default('watchfloor'),
        clientId: z.string().min(1).default('watchfloor'),
        inputTopic: z.string().default(''),
        deadLetterTopic: z.string().min(1).default('watchfloor-dead-letters'),
        fromBeginning: bool.default(true),
        consume: bool.default(true),
        ssl: bool.default(false),
        sslCaFile: z.string().default(''),
        saslMechanism: z.enum(['', 'plain', 'scram-sha-256', 'scram-sha-512']).default(''),
        saslUsername: z.string().default(''),
        saslPassword: z.string().default(''),
      })
      .strict()
      .prefault({}),
    buffer: z
      .object({
        enabled: bool.default(false),
        maxBytes: bytes.default(64 * 1024 * 1024),
        flushRows: int(1, 10_000_000).default(50_000),
        flushBytes: bytes.default(8 * 1024 * 1024),
        lingerMs: int(0, 60_000).default(200),
        segmentBytes: bytes.default(64 * 1024 * 1024),
        fsync: bool.default(false),
      })
      .strict()
      .prefault({}),
    sink: z
      .object({
        type: z.enum(['clickhouse', 'none']).default('clickhouse'),
        maxBatchRows: int(1, 10_000_000).default(100_000),
        maxBatchBytes: bytes.default(32 * 1024 * 1024),
        maxInflight: int(1, 64).default(1),
        retries: int(0, 100).default(3),
      })
      .strict()
      .prefault({}),
    search: z
      .object({
        elasticsearchUrl: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL').optional(),
        elasticsearchUsername: z.string().default(''),
        elasticsearchPassword: z.string().default(''),
        index: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lower-case Elasticsearch index name').default('watchfloor-incidents'),
        shards: int(1, 64).default(1),
        replicas: z.string().regex(/^(\d{1,2}|\d{1,2}-(\d{1,2}|all))$/, 'must be a number of replicas or a range such as 0-1 or 0-all').default('0-1'),
        maxQueued: int(100, 10_000_000).default(100_000),
        embeddingsModel: z.string().default(''),
        embeddingDims: int(2, 4096).default(384),
      })
      .strict()
      .prefault({}),
    llm: z
      .object({
        baseUrl: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL').optional(),
        apiKey: z.string().default(''),
        model: z.string().min(1).default('gpt-4o-mini'),
        grayZone: list
          .pipe(z.array(z.enum(['uncorroborated', 'band', 'none'])))
          .default(['uncorroborated']),
        confidenceBand: z
          .string()
          .regex(/^\d{1,3}-\d{1,3}$/, 'must be min-max, e.g. 40-70')
          .transform((v) => v.split('-').map(Number) as [number, number])
          .refine(([lo, hi]) => lo <= hi && hi <= 100, 'min must not exceed max, max at most 100')
          .default([40, 70]),
        timeoutMs: int(100, 600_000).default(20_000),
        maxRetries: int(0, 10).default(2),
        concurrency: int(1, 64).default(2),
        hourlyCalls: int(0, 10_000_000).default(200),
        hourlyTokens: int(0, 1_000_000_000).default(400_000),
        redact: bool.default(false),
      })
      .strict()
      .prefault({}),
    shutdownTimeoutMs: int(0, 3_600_000).default(30_000),
  })
  .strict()

export type Config = z.output<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>
