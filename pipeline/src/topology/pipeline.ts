/**
 * The topology: sources hand framed text to `ingest`, which fans it out as batched tasks to
 * the piscina worker pool (decode -> normalize), then appends the rows (and the rejected records,
 * for the dead-letter table) to the disk buffer. `ingest` resolves once they are in the buffer's
 * log, so a source may acknowledge the moment it resolves: the buffer survives a crash and feeds
 * the ClickHouse sinks in large batches.
 *
 * Backpressure: records in flight (in workers or waiting for storage) are counted; above
 * `maxPendingRecords` new work is refused with PIPELINE_SATURATED (retryable), so memory
 * stays bounded and producers slow down instead of the process falling over.
 */
import { chTime } from '../sinks/clickhouse/values.js'
import type { Incident } from '@watchfloor/contracts'
import { existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { Config } from '../config/schema.js'
import { WatchfloorError, type ErrorCode } from '../errors.js'
import { ClickHouseSink, type Sink } from '../sinks/clickhouse/sink.js'
import type { Store } from '../sinks/clickhouse/client.js'
import { Telemetry, type ComponentCounters } from '../telemetry/counters.js'
import type { Framing, FramedRecord, RuleStats, TransformFailure, TransformResult, TransformTask } from '../workers/task.js'
import { alertRow } from '../transforms/detect/alerts.js'
import { ruleDirs } from '../transforms/detect/builtin.js'
import { ClickHouseProfiles } from '../transforms/profile/persist.js'
import { Analyzer } from './analyze.js'
import { incidentRow } from '../transforms/correlate/rows.js'
import { chunkLines } from '../sources/framing/lines.js'
import { DiskBuffer, type BufferTable } from '../buffers/disk.js'

export interface IngestRequest {
  body: string
  framing: Framing
  /** With framing `records`: records already framed by the source (Kafka messages), with their ids. */
  records?: FramedRecord[]
  /** Source component name: http, kafka, file. */
  source: string
  requestId: string
  contentType: string
}

export interface IngestRecordError {
  index: number
  line?: number
  code: ErrorCode
  reason: string
}

export interface IngestOutcome {
  accepted: number
  rejected: number
  ids: string[]
  errors: IngestRecordError[]
  /** Set when the body as a whole could not be framed (e.g. malformed JSON). */
  failure?: { code: ErrorCode; reason: string }
}

/** The compiled transform worker, whether this module runs from src (tests) or dist. */
export function transformWorkerFile(): string {
  const here = fileURLToPath(new URL('../workers/transform.js', import.meta.url))
  if (existsSync(here)) return here
  const dist = here.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`)
  if (existsSync(dist)) return dist
  throw new Error(`worker entry not found at ${here} or ${dist}: run \`npm run build\``)
}

/**
 * The piscina pool every caller of the transforms uses (live pipeline, replay). A transform
 * allocates short-lived objects per record; a larger young generation lets them die in cheap
 * scavenges instead of being promoted (measured: 57k -> 83k records/s per core on the compact
 * corpus with 64 MiB semi-spaces).
 */
export function createTransformPool(opts: { workers?: number; youngGenerationMb: number }): Piscina {
  return new Piscina({
    filename: transformWorkerFile(),
    ...(opts.workers !== undefined ? { minThreads: opts.workers, maxThreads: opts.workers } : {}),
    idleTimeout: 60_000,
    resourceLimits: { maxYoungGenerationSizeMb: opts.youngGenerationMb },
  })
}

export class Pipeline {
  readonly pool: Piscina
  readonly events: Sink
  readonly deadLetters: Sink
  readonly buffer: DiskBuffer
  readonly alerts: Sink
  private readonly detectCounters: ComponentCounters
  /** Statistics of the Sigma rule set as the workers compiled it (undefined: no rules configured). */
  ruleStats: RuleStats | undefined
  /** Rule directories every worker loads (built-in pack, then SIGMA_RULES_DIRS). */
  readonly ruleDirs: string[]
  /** Profiles, correlation windows and open incidents: the workers' results meet here. */
  readonly analyzer: Analyzer
  readonly incidents: Sink
  private profileTimer: NodeJS.Timeout | undefined
  private profileFlush: Promise<unknown> = Promise.resolve()
  private pending = 0
  private stopping = false
  private readonly decodeCounters: ComponentCounters
  private readonly decoderTotals: Record<string, number> = {}
  private readonly statusTotals: Record<string, number> = {}

  constructor(
    readonly config: Readonly<Config>,
    readonly store: Store,
    readonly telemetry: Telemetry,
  ) {
    this.pool = createTransformPool({ workers: config.pipeline.workers, youngGenerationMb: config.pipeline.workerYoungGenerationMb })
    const sinkOpts = { maxBatchRows: config.sink.maxBatchRows, maxBatchBytes: config.sink.maxBatchBytes, maxInflight: config.sink.maxInflight, retries: config.sink.retries }
    this.events = new ClickHouseSink(store, telemetry.component('clickhouse', 'sink'), { ...sinkOpts, table: 'events' })
    this.deadLetters = new ClickHouseSink(store, telemetry.component('dead_letter', 'sink'), { ...sinkOpts, table: 'dead_letters' })
    this.alerts = new ClickHouseSink(store, telemetry.component('clickhouse_alerts', 'sink'), { ...sinkOpts, table: 'alerts' })
    this.incidents = new ClickHouseSink(store, telemetry.component('clickhouse_incidents', 'sink'), { ...sinkOpts, table: 'incidents' })
    this.detectCounters = telemetry.component('detect', 'transform')
    this.ruleDirs = ruleDirs(config)
    this.analyzer = new Analyzer(config, { ruleDirs: this.ruleDirs, persistence: new ClickHouseProfiles(store) })
    telemetry.gauge('correlation_groups', 'Correlation windows (rule x group-by values) held in memory.', () => this.analyzer.correlator?.groups ?? 0)
    telemetry.gauge('profiles_in_memory', 'Entity profiles held in memory.', () => this.analyzer.profiles?.size ?? 0)
    telemetry.gauge('incidents_open', 'Incidents open for grouping (their window has not passed).', () => this.analyzer.incidents.openCount)
    const b = config.buffer
    this.buffer = new DiskBuffer(
      { dir: path.join(config.dataDir, 'buffer'), segmentBytes: b.segmentBytes, maxUnflushedBytes: b.maxBytes, flushRows: b.flushRows, flushBytes: b.flushBytes, lingerMs: b.lingerMs, fsync: b.fsync },
      { write: (table, rows, count) => this.sinkFor(table).write({ rows, count }) },
      telemetry.component('disk_buffer', 'transform'),
    )
    telemetry.gauge('buffer_unflushed_rows', 'Acknowledged rows not yet stored in ClickHouse.', () => this.buffer.unflushedRows)
    telemetry.gauge('buffer_unflushed_bytes', 'Acknowledged bytes not yet stored in ClickHouse.', () => this.buffer.unflushedBytes)
    telemetry.gauge('buffer_oldest_unflushed_ms', 'Age of the oldest acknowledged row not yet stored.', () => this.buffer.status.oldest_ms)
    this.decodeCounters = telemetry.component('decode', 'transform')
    telemetry.gauge('pipeline_pending_records', 'Records in workers or waiting for storage.', () => this.pending)
    telemetry.gauge('pipeline_max_pending_records', 'Pending records above which ingest is refused (503).', () => config.pipeline.maxPendingRecords)
    telemetry.gauge('worker_threads', 'Transform worker threads.', () => this.pool.threads.length)
    telemetry.gauge('worker_queue_tasks', 'Tasks waiting for a worker.', () => this.pool.queueSize)
    telemetry.gauge('worker_utilization', 'Share of time workers were busy since start (0-1).', () => Math.round(this.pool.utilization * 1000) / 1000)
    telemetry.gauge('clickhouse_queued_rows', 'Rows waiting for a ClickHouse insert.', () => this.events.queuedRows)
  }

  private sinkFor(table: BufferTable): Sink {
    return table === 'events' ? this.events : table === 'alerts' ? this.alerts : table === 'incidents' ? this.incidents : this.deadLetters
  }

  /**
   * Compiles the Sigma rules in every worker before traffic arrives (a few seconds for ~3,700
   * rules) and keeps the statistics: compile failures are reported once, never fatal.
   */
  async warmUp(): Promise<RuleStats | undefined> {
    const dirs = this.ruleDirs
    if (dirs.length === 0) return undefined
    const task: TransformTask = { framing: 'ndjson', text: '', source: 'warmup', ingested: new Date().toISOString(), firstLine: 1, maxRecordBytes: 1, maxDepth: 2, sigmaRulesDirs: [...dirs], reportRules: true }
    const results = (await Promise.all(Array.from({ length: this.config.pipeline.workers }, () => this.pool.run(task)))) as (TransformResult | TransformFailure)[]
    for (const r of results) if (r.ok && r.ruleStats) this.ruleStats = r.ruleStats
    return this.ruleStats
  }

  /** Makes rows durable: appended to the disk buffer, or (buffer disabled) inserted into ClickHouse. */
  private async store_(table: BufferTable, rows: Uint8Array, count: number): Promise<void> {
    if (count === 0) return
    if (this.config.buffer.enabled) this.buffer.append([{ table, rows, count }])
    else await this.sinkFor(table).write({ rows, count })
  }

  /** Opens the disk buffer (rows a previous run acknowledged but did not store are stored first) and starts writing profiles. */
  open(): number {
    const replayed = this.buffer.open()
    if (this.analyzer.profiles) {
      const profiles = this.analyzer.profiles
      this.profileFlush = profiles.init().catch(() => undefined) // until it is filled, every new entity is looked up
      this.profileTimer = setInterval(() => void this.flushProfiles(), this.config.profile.flushMs)
      this.profileTimer.unref()
    }
    return replayed
  }

  /**
   * Reopens the incidents of a previous run that were active within INCIDENT_WINDOW_MS of the
   * latest one (and not closed), so alerts after a restart join them. Returns how many.
   */
  async restoreIncidents(): Promise<number> {
    const rs = await this.store.client.query({
      query:
        "SELECT doc FROM incidents FINAL WHERE status NOT IN ('closed', 'dismissed') AND last_seen >= (SELECT max(last_seen) FROM incidents) - toIntervalSecond({sec:UInt32}) ORDER BY last_seen LIMIT 20000",
      query_params: { sec: Math.ceil(this.config.incident.windowMs / 1000) },
      format: 'JSONEachRow',
    })
    const docs = (await rs.json<{ doc: string }>()).map((r) => JSON.parse(r.doc) as Incident)
    return this.analyzer.incidents.restore(docs)
  }

  /** Writes changed profiles to ClickHouse (one flush at a time; a failure is retried at the next tick). */
  flushProfiles(): Promise<unknown> {
    const profiles = this.analyzer.profiles
    if (!profiles) return Promise.resolve()
    this.profileFlush = this.profileFlush.then(() =>
      profiles.flush().catch((err: unknown) => {
        this.telemetry.component('clickhouse_profiles', 'sink').drop('insert_failed')
        return err
      }),
    )
    return this.profileFlush
  }

  get pendingRecords(): number {
    return this.pending
  }

  get isStopping(): boolean {
    return this.stopping
  }

  decodeTotals(): { decoders: Record<string, number>; statuses: Record<string, number> } {
    return { decoders: { ...this.decoderTotals }, statuses: { ...this.statusTotals } }
  }

  /** Runs a body through the pipeline; resolves once every accepted record and every dead letter is stored. */
  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    if (this.stopping) throw new WatchfloorError('PIPELINE_STOPPING')
    const ingested = new Date().toISOString()
    const base = { source: req.source, ingested, maxRecordBytes: this.config.ingest.maxRecordBytes, maxDepth: this.config.ingest.maxDepth, sigmaRulesDirs: this.ruleDirs, profile: this.config.profile.enabled }
    const batch = this.config.pipeline.batchRecords
    let tasks: TransformTask[]
    if (req.framing === 'ndjson' || req.framing === 'text') tasks = chunkLines(req.body, batch).map((c) => ({ ...base, framing: req.framing, text: c.text, firstLine: c.firstLine, lines: c.lines }))
    else if (req.framing === 'records') {
      const records = req.records ?? []
      tasks = []
      for (let i = 0; i < records.length; i += batch) {
        const chunk = records.slice(i, i + batch)
        tasks.push({ ...base, framing: 'records', text: '', records: chunk, firstLine: 1, lines: chunk.length })
      }
    } else tasks = [{ ...base, framing: req.framing, text: req.body, firstLine: 1 }]
    const estimate = tasks.reduce((n, t) => n + (t.lines ?? Math.max(1, Math.ceil(t.text.length / 512))), 0)
    if (this.buffer.isFull) {
      this.telemetry.component(req.source, 'source').drop('saturated', estimate)
      throw new WatchfloorError('PIPELINE_SATURATED', `${this.buffer.unflushedBytes} bytes acknowledged but not yet stored, limit ${this.config.buffer.maxBytes}`)
    }
    if (this.pending > 0 && this.pending + estimate > this.config.pipeline.maxPendingRecords) {
      this.telemetry.component(req.source, 'source').drop('saturated', estimate)
      throw new WatchfloorError('PIPELINE_SATURATED', `${this.pending} records in flight, limit ${this.config.pipeline.maxPendingRecords}`)
    }
    this.pending += estimate
    try {
      return await this.run(req, tasks, ingested)
    } finally {
      this.pending -= estimate
    }
  }

  private async run(req: IngestRequest, tasks: TransformTask[], ingested: string): Promise<IngestOutcome> {
    const sourceCounters = this.telemetry.component(req.source, 'source')
    // Each task is stored as soon as its worker returns; the request waits for all of them.
    const results = await Promise.all(
      tasks.map(async (task) => {
        let res: TransformResult | TransformFailure
        try {
          res = (await this.pool.run(task)) as TransformResult | TransformFailure
        } catch (err) {
          this.decodeCounters.errors++
          throw new WatchfloorError('WORKER_FAILED', (err as Error).message, { cause: err })
        }
        if (res.ok) {
          await this.store_('events', res.rows, res.ids.length)
          const analysis = this.analyzer.process(res)
          const created = new Date().toISOString()
          if (analysis.alerts.length > 0) await this.store_('alerts', Buffer.from(analysis.alerts.map((a) => JSON.stringify(alertRow(a.alert, created, a))).join('\n') + '\n'), analysis.alerts.length)
          if (analysis.incidents.length > 0) await this.store_('incidents', Buffer.from(analysis.incidents.map((i) => JSON.stringify(incidentRow(i, created))).join('\n') + '\n'), analysis.incidents.length)
          if (this.ruleDirs.length > 0) {
            this.detectCounters.received += res.ids.length
            this.detectCounters.sent += analysis.alerts.length
          }
        }
        return res
      }),
    )
    const outcome: IngestOutcome = { accepted: 0, rejected: 0, ids: [], errors: [] }
    const dead: string[] = []
    const deadRow = (index: number, code: string, reason: string, raw: string) => deadLetterRow(req, ingested, index, code, reason, raw)
    let offset = 0
    for (const res of results) {
      if (!res.ok) {
        outcome.failure = { code: res.code, reason: res.reason }
        dead.push(deadRow(-1, res.code, res.reason, req.body))
        sourceCounters.drop(res.code.toLowerCase())
        continue
      }
      for (const id of res.ids) outcome.ids.push(id)
      for (const e of res.errors) {
        const err: IngestRecordError = { index: offset + e.index, code: e.code, reason: e.reason }
        if (e.line !== undefined) err.line = e.line
        outcome.errors.push(err)
        dead.push(deadRow(err.index, e.code, e.reason, e.raw))
        this.decodeCounters.drop(e.code.toLowerCase())
      }
      for (const [k, v] of Object.entries(res.decoders)) this.decoderTotals[k] = (this.decoderTotals[k] ?? 0) + v
      for (const [k, v] of Object.entries(res.statuses)) this.statusTotals[k] = (this.statusTotals[k] ?? 0) + v
      offset += res.records
    }
    outcome.accepted = outcome.ids.length
    outcome.rejected = outcome.errors.length
    sourceCounters.received += offset
    sourceCounters.sent += outcome.accepted
    this.decodeCounters.received += offset
    this.decodeCounters.sent += outcome.accepted
    if (dead.length > 0) await this.store_('dead_letters', Buffer.from(dead.join('\n') + '\n'), dead.length)
    return outcome
  }

  /** Keeps records refused before the workers (e.g. framing for Kafka) in the dead-letter table. */
  async storeDeadLetters(req: Pick<IngestRequest, 'source' | 'requestId' | 'contentType'>, rejected: ReadonlyArray<{ index: number; code: string; reason: string; raw: string }>): Promise<void> {
    if (rejected.length === 0) return
    const ingested = new Date().toISOString()
    const rows = rejected.map((r) => deadLetterRow(req, ingested, r.index, r.code, r.reason, r.raw))
    await this.store_('dead_letters', Buffer.from(rows.join('\n') + '\n'), rows.length)
  }

  /** Stops taking work, waits for in-flight batches to be stored, then stops the workers. */
  async drain(timeoutMs = this.config.shutdownTimeoutMs): Promise<boolean> {
    this.stopping = true
    const deadline = Date.now() + timeoutMs
    while (this.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const stored = await this.buffer.close(Math.max(0, deadline - Date.now()))
    const drained = this.pending === 0 && stored
    if (this.profileTimer) clearInterval(this.profileTimer)
    await this.flushProfiles()
    await Promise.all([this.events.close(), this.deadLetters.close(), this.alerts.close(), this.incidents.close()])
    await this.pool.destroy()
    return drained
  }
}

function deadLetterRow(req: Pick<IngestRequest, 'source' | 'requestId' | 'contentType'>, ingested: string, index: number, code: string, reason: string, raw: string): string {
  return JSON.stringify({
    id: randomUUID(),
    received_at: chTime(ingested),
    source: req.source,
    request_id: req.requestId,
    record_index: index,
    code,
    reason,
    content_type: req.contentType,
    raw,
  })
}
