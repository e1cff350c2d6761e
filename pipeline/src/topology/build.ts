/**
 * The builder: the one place the validated config becomes the graph (as Vector's
 * `topology/builder.rs`). Sources -> pipeline (worker pool, main-thread stages) -> storage and the
 * other sinks; then the narrow services the API is given. Nothing else constructs components.
 */
import type { Config } from '../config/schema.js'
import type { Store } from '../sinks/clickhouse/client.js'
import { storedIncidentVersions } from '../sinks/clickhouse/incidents.js'
import { ClickHouseProfiles, ProfileSink } from '../sinks/clickhouse/profiles.js'
import { CorrelationWindows } from '../sinks/clickhouse/correlation-windows.js'
import { ElasticsearchIndex } from '../sinks/elasticsearch/sink.js'
import { LocalIncidentIndex } from '../sinks/search/local.js'
import { VectorIndex } from '../sinks/search/vectors.js'
import { Embedder } from '../transforms/triage/llm/embeddings.js'
import { SearchStage } from '../sinks/search/stage.js'
import { searchDocument, type IncidentIndex } from '../sinks/search/types.js'
import { KafkaDeadLetterTopic } from '../sinks/dead-letter/topic.js'
import { KafkaProducer } from '../sinks/kafka/producer.js'
import { HttpSource } from '../sources/http/http.js'
import { KafkaSource } from '../sources/kafka/kafka.js'
import type { Source } from '../sources/types.js'
import { ClickHouseAuditLog } from '../services/audit.js'
import { StoredEvidence } from '../services/evidence.js'
import { ComponentHealthCheck, bufferProbe, ingestProbe, searchProbe, storeProbe, workersProbe, type Probe } from '../services/health.js'
import { AutoSuggestStage, StoredIncidents } from '../services/incidents.js'
import { LlmTriager } from '../transforms/triage/llm/llm.js'
import type { Services } from '../services/index.js'
import { LiveProfiles } from '../services/profiles.js'
import { StoreStats } from '../services/stats.js'
import { TokenStore } from '../services/tokens.js'
import { SILENT, type Log } from '../telemetry/log.js'
import { Telemetry } from '../telemetry/counters.js'
import type { RuleStats } from '../transforms/detect/types.js'
import { createTransformPool } from '../workers/pool.js'
import { makeTask } from '../workers/task.js'
import { KafkaIngest } from './kafka-ingest.js'
import { Pipeline } from './pipeline.js'
import { Stages } from './stages.js'
import { Storage } from './storage.js'

/** What `start` did, for the start-up log. */
export interface StartReport {
  /** Rows a previous run acknowledged but had not stored, stored now from the disk buffer. */
  replayed: number
  /** Incidents a previous run left open, open again for grouping. */
  reopened: number
  rules: RuleStats | undefined
  ruleDirs: readonly string[]
  intel: { files: readonly string[]; entries: number; errors: ReadonlyArray<{ file: string; line: number; reason: string }> }
  /** On the first start only: the admin token created then (in this file, mode 0600). */
  adminToken?: { file: string; token: string }
}

export interface Topology {
  readonly services: Services
  /** Opens storage, reopens incidents, compiles the rules in every worker, loads tokens, starts the HTTP source. */
  start(): Promise<StartReport>
  /** Starts the Kafka source (when configured) in the background, retrying while the broker is unreachable. */
  startKafka(log: Log): void
  /** Resolves true once the disk buffer is empty (every acknowledged row stored), false after the timeout. */
  flushed(timeoutMs: number): Promise<boolean>
  /** Graceful stop: sources stop, work in flight is stored, profiles flushed, sinks and workers closed. True when nothing was left behind. */
  stop(): Promise<boolean>
}

export function buildTopology(config: Readonly<Config>, store: Store, telemetry = new Telemetry(), log: Log = SILENT): Topology {
  const pool = createTransformPool(config, { timers: telemetry.stages })
  const stored = telemetry.component('clickhouse_documents', 'source')
  // similar-incident search: Elasticsearch when configured (refilled from ClickHouse after an outage), else in process
  const backfill = async function* (sinceIso: string) {
    for await (const page of storedIncidentVersions(store, sinceIso, 2000, stored)) yield page.map((v) => searchDocument(v.incident, v.version, v.updated_at))
  }
  const backend: IncidentIndex =
    config.search.elasticsearchUrl !== undefined ? new ElasticsearchIndex(config.search, { counters: telemetry.component('elasticsearch', 'sink'), backfill, log }) : new LocalIncidentIndex()
  // kNN when an embeddings model is configured (OPENAI_EMBEDDINGS_MODEL at the OpenAI-compatible endpoint)
  const embedder = Embedder.fromConfig(config)
  const index: IncidentIndex = embedder ? new VectorIndex(backend, embedder, telemetry.component('embeddings', 'transform')) : backend
  const stages = new Stages(config, { persistence: new ClickHouseProfiles(store, stored), after: () => [new SearchStage(index)], timers: telemetry.stages })
  const storage = new Storage(config, store, telemetry)
  const pipeline = new Pipeline(config, telemetry, pool, stages, storage, log)
  const profileSink = stages.profiles ? new ProfileSink(stages.profiles, config.profile.flushMs, telemetry.component('clickhouse_profiles', 'sink')) : undefined
  // the open correlation windows, saved and taken back (a restart, a rebalance): as often as profiles,
  // and as far back as the longest correlation timespan
  const correlator = stages.correlator
  const windows = correlator
    ? new CorrelationWindows(store, correlator, { flushMs: config.profile.flushMs, horizonMs: Math.max(60_000, ...correlator.rules.map((r) => r.timespanMs)) }, telemetry.component('clickhouse_correlation_windows', 'sink'))
    : undefined

  telemetry.gauge('correlation_groups', 'Correlation windows (rule x group-by values) held in memory.', () => stages.correlator?.groups ?? 0)
  telemetry.gauge('correlation_window_events', 'Events held in all correlation windows (the least recently touched windows are dropped past CORRELATION_MAX_EVENTS).', () => stages.correlator?.items ?? 0)
  telemetry.gauge('profiles_in_memory', 'Entity profiles held in memory.', () => stages.profiles?.size ?? 0)
  telemetry.gauge('incidents_open', 'Incidents open for grouping (their window has not passed).', () => stages.incidents.openCount)
  telemetry.gauge('worker_threads', 'Transform worker threads.', () => pool.threads)
  // where the process's memory is: the main thread's JS heap, buffers outside it, and all of it (the engine's included)
  telemetry.gauge('process_resident_bytes', 'Resident memory of the whole process (main thread, workers, the embedded engine).', () => process.memoryUsage.rss())
  telemetry.gauge('process_heap_used_bytes', "The main thread's JS heap in use.", () => process.memoryUsage().heapUsed)
  telemetry.gauge('process_external_bytes', "Memory of the main thread's buffers outside the JS heap.", () => process.memoryUsage().external)
  telemetry.gauge('worker_queue_tasks', 'Tasks waiting for a worker.', () => pool.queueSize)
  telemetry.gauge('worker_utilization', 'Share of time workers were busy since start (0-1).', () => Math.round(pool.utilization * 1000) / 1000)

  // Sources: HTTP always; with Kafka configured, HTTP produces to the input topic and the consumer feeds the pipeline.
  const kafkaOn = config.kafka.brokers.length > 0
  const producer = kafkaOn ? new KafkaProducer(config) : undefined
  const http = new HttpSource(telemetry.component('http', 'source'), { maxBodyBytes: config.ingest.maxBodyBytes, maxInflateRatio: config.ingest.maxInflateRatio })
  // on a rebalance, the partitions another process had come with its open incidents: reload the
  // open ones from ClickHouse (with a shared server they are there) so alerts join them, not duplicates
  let onAssigned: () => void = () => undefined
  const kafkaSource = kafkaOn && config.kafka.consume ? new KafkaSource(config, telemetry, new KafkaDeadLetterTopic(config), () => onAssigned()) : undefined
  const sources: Source[] = kafkaSource ? [http, kafkaSource] : [http]

  let ruleStats: RuleStats | undefined
  const audit = new ClickHouseAuditLog(store)
  const probes: Record<string, Probe> = { clickhouse: storeProbe(store), workers: workersProbe(pool, config), buffer: bufferProbe(storage), ingest: ingestProbe(pipeline, config), search: searchProbe(index) }
  // second opinions: an LLM through any OpenAI-compatible endpoint, when one is configured
  const adviser = LlmTriager.fromConfig(config)
  const adviceCounters = telemetry.component('llm', 'transform')
  const profiles = new LiveProfiles(stages.profiles)
  const incidents = new StoredIncidents(store, stages.incidents, stages.triage, audit, index, stored, adviser ? { adviser, profiles, counters: adviceCounters } : undefined)
  onAssigned = () => {
    void incidents.restoreOpen(config.incident.windowMs).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not reload open incidents after a rebalance'))
    // the windows the previous owner saved (with a shared server): its partial counts carry on here
    void windows?.load().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not reload correlation windows after a rebalance'))
  }
  if (adviser) {
    probes.llm = () => ({ status: 'ok', model: adviser.model, ...adviser.stats() })
    stages.add(new AutoSuggestStage(adviser, incidents, telemetry.component('llm_gray_zone', 'transform')))
    telemetry.gauge('llm_calls', 'Requests sent to the LLM (retries and repairs included).', () => adviser.stats().calls)
    telemetry.gauge('llm_tokens', 'LLM tokens used (prompt and completion).', () => adviser.stats().tokens)
    telemetry.gauge('llm_failures', 'Second opinions that failed (the heuristic verdict stood).', () => adviser.stats().failures)
    telemetry.gauge('llm_cached', 'Second opinions answered from the cache.', () => adviser.stats().cached)
  }
  const tokens = new TokenStore(store)
  telemetry.gauge('search_queued', 'Incident versions waiting for the search index.', () => index.status().queued)
  telemetry.gauge('search_documents', 'Incidents in the search index (embedded backend).', () => index.status().documents ?? 0)
  telemetry.gauge('search_degraded', '1 while the search index is degraded or down (incidents are still stored; backfilled after).', () => (index.status().status === 'ok' ? 0 : 1))
  const services: Services = {
    ingest: http,
    incidents,
    evidence: new StoredEvidence(store),
    profiles,
    health: new ComponentHealthCheck(probes),
    stats: new StoreStats(store, telemetry, {
      ruleStats: () => ruleStats,
      ruleDirs: pool.settings.ruleDirs,
      correlationGroups: () => stages.correlator?.groups ?? 0,
      decodeTotals: () => pipeline.decodeTotals(),
      ...(kafkaSource ? { kafka: () => kafkaSource.status() } : {}),
    }),
    audit,
    tokens,
  }

  /** Compiles the Sigma rules in every worker before traffic arrives; compile failures are reported, never fatal. */
  const warmUp = async (): Promise<RuleStats | undefined> => {
    if (pool.settings.ruleDirs.length === 0) return undefined
    const probe = makeTask(config).probe('warmup', true)
    const results = await Promise.all(Array.from({ length: config.pipeline.workers }, () => pool.run(probe)))
    for (const r of results) if (r.ok && r.ruleStats) ruleStats = r.ruleStats
    return ruleStats
  }

  let kafkaStopped = false
  let stopping: Promise<boolean> | undefined
  return {
    services,
    async start() {
      if (config.sink.type === 'none') log.warn({ sink: 'none' }, 'SINK_TYPE=none: events, alerts, incidents and dead letters are encoded and discarded, nothing is stored')
      const replayed = storage.open()
      profileSink?.start()
      await index.start()
      // the embedded index lives in memory: refill it from the stored incidents (Elasticsearch catches up on its own)
      if (backend.backend === 'embedded') for await (const page of backfill('1970-01-01T00:00:00.000Z')) backend.write(page)
      const reopened = await incidents.restoreOpen(config.incident.windowMs)
      await windows?.load()
      windows?.start()
      const rules = await warmUp()
      await tokens.load()
      const adminToken = await tokens.bootstrap(config.dataDir)
      await http.start(producer ? new KafkaIngest(config, producer, pipeline, telemetry) : pipeline)
      const intel = stages.intel
      return { replayed, reopened, rules, ruleDirs: pool.settings.ruleDirs, intel: { files: config.incident.threatIntelFiles, entries: intel.entries, errors: intel.errors }, ...(adminToken ? { adminToken } : {}) }
    },
    startKafka(log) {
      if (kafkaSource === undefined) return
      const run = async (): Promise<void> => {
        // Keep trying in the background while the broker is unreachable; ingest over HTTP still answers.
        while (!kafkaStopped) {
          try {
            await kafkaSource.start(pipeline)
            log.info({ brokers: config.kafka.brokers, topics: config.kafka.topics, group: config.kafka.groupId }, 'consuming from Kafka')
            return
          } catch (err) {
            log.error({ err: (err as Error).message }, 'Kafka consumer could not start; retrying in 5 s')
            await new Promise((r) => setTimeout(r, 5000))
          }
        }
      }
      void run()
    },
    flushed: (timeoutMs) => storage.flushed(timeoutMs),
    stop() {
      return (stopping ??= (async () => {
        kafkaStopped = true
        // the batch in progress finishes and is committed, then HTTP refuses new work
        await Promise.all(sources.map((s) => s.stop().catch(() => undefined)))
        const deadline = Date.now() + config.shutdownTimeoutMs
        const drained = await pipeline.drain(config.shutdownTimeoutMs)
        const stored = await storage.close(Math.max(0, deadline - Date.now()))
        await incidents.settled()
        await profileSink?.close()
        await windows?.close()
        await index.flush(Math.max(0, deadline - Date.now()))
        await index.close()
        await pool.destroy()
        await producer?.close().catch(() => undefined)
        return drained && stored
      })())
    },
  }
}
