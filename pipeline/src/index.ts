/**
 * The pipeline's public surface: what the API and the CLI may import. The API takes only the
 * entry point (`startPipeline`) and the narrow services; the CLI (replay, benches) also takes the
 * pieces it runs offline. Nothing here reaches into the running topology.
 */
// entry point and services
export { startPipeline, onSignals, type RunningPipeline } from './main.js'
export type { StartReport } from './topology/build.js'
export * from './services/index.js'
export type { Log } from './telemetry/log.js'
// config and errors
export * from './config/schema.js'
export * from './config/load.js'
export * from './config/options.js'
export * from './errors.js'
export { RFC1918_AND_LOCAL } from './lib/cidr.js'
// sources' framing, as the HTTP route and tests name it
export { framingFor, INGEST_CONTENT_TYPES } from './sources/http/http.js'
// offline runs (replay, benches): the worker pool, the stages, the file source, the store
export { createTransformPool, transformWorkerFile, type TransformPool } from './workers/pool.js'
export { mergeResults, runIsolated } from './workers/isolate.js'
export { createTransform } from './workers/transform.js'
export { makeTask, workerSettings, type FramedRecord, type Framing, type TransformFailure, type TransformResult, type TransformTask, type WorkerSettings } from './workers/task.js'
export { Stages, type StagesOptions } from './topology/stages.js'
export type { StageBatch, Stage } from './transforms/stage.js'
export { LlmTriager, inGrayZone } from './transforms/triage/llm/llm.js'
export { triageInputOf, type TriageInput } from './transforms/triage/triager.js'
export * from './sources/file/read.js'
export { FileSource, fileRecordId, type FileSourceOptions } from './sources/file/file.js'
export type { IngestOutcome, IngestRecordError, IngestRequest, Source, SourceOutput } from './sources/types.js'
export { openStore, type Store, type RowFormat } from './sinks/clickhouse/client.js'
export { migrate, readMigrations } from './sinks/clickhouse/migrate.js'
export { clusterDdl, retentionStatements, RETENTION_COLUMNS } from './sinks/clickhouse/cluster.js'
export { ClickHouseProfiles } from './sinks/clickhouse/profiles.js'
export { LocalIncidentIndex } from './sinks/search/local.js'
export { ElasticsearchIndex, type Backfill, type ElasticsearchIndexOptions } from './sinks/elasticsearch/sink.js'
export { searchDocument, type IncidentDocument, type IncidentIndex, type SearchStatus, type SimilarIncident, type SimilarityReasons } from './sinks/search/types.js'
export { Telemetry } from './telemetry/counters.js'
// detection pieces the benches and tests measure directly
export { SEVERITY_RANK, stableId, type Severity } from './transforms/detect/alerts.js'
export { resolveAttack, resolveTechnique, tacticOrder } from './transforms/detect/attack.js'
export { BUILTIN_RULES_DIR, ruleDirs } from './transforms/detect/builtin.js'
export { SigmaEngine, type Match, type EngineStats } from './transforms/detect/sigma/engine.js'
export { StreamCorrelator, taskSignal } from './transforms/correlate/signals.js'
export { decodeRecord, decodeTextLine, decodeCsvRow } from './transforms/decode/index.js'
export { normalizeIp } from './transforms/normalize/ip.js'
export { DeltaCollector, type ProfileDelta } from './transforms/profile/delta.js'
export { ProfileStore, type ProfilePersistence } from './transforms/profile/store.js'
