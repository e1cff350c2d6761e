/**
 * The pipeline every source writes to: admission control, fan-out of tasks to the worker pool
 * (frame -> decode -> normalize -> detect), the main thread's stages on each result, and the rows
 * (events, alerts, incident versions, dead letters) to storage. `ingest` resolves once they are
 * durable, so a source may acknowledge the moment it resolves.
 *
 * Backpressure: records in flight (in workers or waiting for storage) are counted; above
 * `maxPendingRecords`, or with the disk buffer's backlog at its limit, new work is refused with
 * PIPELINE_SATURATED (retryable), so memory stays bounded and producers slow down instead of the
 * process falling over.
 */
import type { Config } from '../config/schema.js'
import { WatchfloorError, dropReason, type RejectedRecord } from '../errors.js'
import { DeadLetterTable } from '../sinks/dead-letter/table.js'
import { alertRows, incidentRows, type DeadLetterOrigin, type EncodedRows } from '../sinks/clickhouse/rows.js'
import type { ComponentCounters, Telemetry } from '../telemetry/counters.js'
import type { IngestOutcome, IngestRecordError, IngestRequest, SourceOutput } from '../sources/types.js'
import type { TransformPool } from '../workers/pool.js'
import { runIsolated } from '../workers/isolate.js'
import { SILENT, type Log } from '../telemetry/log.js'
import { makeTask, type TransformFailure, type TransformResult, type TransformTask } from '../workers/task.js'
import type { Stages } from './stages.js'
import type { Storage } from './storage.js'

/** Tasks of framed records remembered as staged (see `Pipeline.staged`): ~150 B each. */
const STAGED_KEYS = 20_000

/** A staged task's alert and incident rows, until they are stored. */
interface StagedRows {
  alerts?: EncodedRows
  incidents?: EncodedRows
  alertCount: number
}

export class Pipeline implements SourceOutput {
  private readonly tasks: ReturnType<typeof makeTask>
  private readonly deadLetterTable: DeadLetterTable
  private readonly decodeCounters: ComponentCounters
  private readonly detectCounters: ComponentCounters
  private readonly decoderTotals: Record<string, number> = {}
  private readonly statusTotals: Record<string, number> = {}
  private readonly detecting: boolean
  private pending = 0
  private closed = false

  constructor(
    private readonly config: Readonly<Config>,
    private readonly telemetry: Telemetry,
    private readonly pool: TransformPool,
    private readonly stages: Stages,
    private readonly storage: Storage,
    private readonly log: Log = SILENT,
  ) {
    this.tasks = makeTask(config)
    this.deadLetterTable = new DeadLetterTable((rows) => storage.write('dead_letters', rows))
    this.decodeCounters = telemetry.component('decode', 'transform')
    this.detectCounters = telemetry.component('detect', 'transform')
    this.detecting = pool.settings.ruleDirs.length > 0
    telemetry.gauge('pipeline_pending_records', 'Records in workers or waiting for storage.', () => this.pending)
    telemetry.gauge('pipeline_max_pending_records', 'Pending records above which ingest is refused (503).', () => config.pipeline.maxPendingRecords)
  }

  get pendingRecords(): number {
    return this.pending
  }

  get stopping(): boolean {
    return this.closed
  }

  decodeTotals(): { decoders: Record<string, number>; statuses: Record<string, number> } {
    return { decoders: { ...this.decoderTotals }, statuses: { ...this.statusTotals } }
  }

  /** Runs a body through the pipeline; resolves once every accepted record and every dead letter is stored. */
  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    if (this.closed) throw new WatchfloorError('PIPELINE_STOPPING')
    const ingested = new Date().toISOString()
    const t0 = performance.now()
    const tasks = this.tasks.split({ framing: req.framing, text: req.body, ...(req.records ? { records: req.records } : {}), source: req.source, ingested })
    const estimate = tasks.reduce((n, t) => n + (t.lines ?? Math.max(1, Math.ceil(t.text.length / 512))), 0)
    const refuse = (detail: string) => {
      this.telemetry.component(req.source, 'source').drop(dropReason('PIPELINE_SATURATED'), estimate)
      return new WatchfloorError('PIPELINE_SATURATED', detail)
    }
    if (this.storage.isFull) throw refuse(`${this.storage.backlogBytes} bytes acknowledged but not yet stored, limit ${this.config.buffer.maxBytes}`)
    if (this.pending > 0 && this.pending + estimate > this.config.pipeline.maxPendingRecords) throw refuse(`${this.pending} records in flight, limit ${this.config.pipeline.maxPendingRecords}`)
    this.pending += estimate
    this.telemetry.stages.add('main', 'split', performance.now() - t0, estimate)
    try {
      return await this.run(req, tasks, ingested)
    } finally {
      this.pending -= estimate
    }
  }

  /**
   * One task: the worker (a record that stops it is cut out: see workers/isolate.ts), then for
   * each result its events stored, then the stages, then its alerts and incident versions stored.
   */
  private async task(task: TransformTask): Promise<Array<TransformResult | TransformFailure>> {
    let results: Array<TransformResult | TransformFailure>
    try {
      results = await runIsolated(this.pool, task, {
        timeoutMs: this.config.pipeline.taskTimeoutMs,
        onPoison: (p) => {
          this.decodeCounters.errors++
          this.log.warn({ source: task.source, ...(p.line !== undefined ? { line: p.line } : {}), reason: p.reason }, 'a record stopped its worker: dead-lettered as RECORD_UNPROCESSABLE')
        },
      })
    } catch (err) {
      this.decodeCounters.errors++
      throw new WatchfloorError('WORKER_FAILED', (err as Error).message, { cause: err })
    }
    for (const res of results) if (res.ok) await this.stored(res, task.framing === 'records')
    return results
  }

  /**
   * Records whose ids their source fixed (Kafka: topic, partition, offset) come again when a batch
   * is re-sent after a failure (the store refused a write, one task of several failed). Such a task
   * is the same task again, so its key is its first and last ids and its size. A task whose
   * stages ran is not run through them again: its profiles, correlation windows and incident
   * counters count each event once. Its alert and incident rows are kept until they are stored
   * (then only the key, `null`): a retry writes those rows, not new ones.
   */
  private readonly staged = new Map<string, StagedRows | null>()

  private async stored(res: TransformResult, stableIds: boolean): Promise<void> {
    const timers = this.telemetry.stages
    if (res.timing) for (const [stage, ms] of Object.entries(res.timing.ms)) timers.add('worker', stage, ms, res.timing.records)
    // the same rows again are the same insert (deduplicated by the engine)
    await this.storage.write('events', { rows: res.rows, count: res.ids.length })
    const key = stableIds && res.ids.length > 0 ? `${res.ids[0]}|${res.ids[res.ids.length - 1]}|${res.ids.length}|${res.records}` : undefined
    let out = key !== undefined ? this.staged.get(key) : undefined
    if (out === null) return // stages ran and their rows are stored: a re-sent task
    if (out === undefined) {
      const batch = this.stages.process(res)
      const created = new Date().toISOString()
      const t0 = performance.now()
      out = { alertCount: batch.alerts.length }
      if (batch.alerts.length > 0) out.alerts = alertRows(batch.alerts, created)
      if (batch.incidents.length > 0) out.incidents = incidentRows(batch.incidents, created)
      timers.add('main', 'alert and incident rows', performance.now() - t0, res.records)
      if (key !== undefined) this.remember(key, out)
    }
    // two tables, two sinks: written side by side
    await Promise.all([out.alerts ? this.storage.write('alerts', out.alerts) : undefined, out.incidents ? this.storage.write('incidents', out.incidents) : undefined])
    if (key !== undefined) this.remember(key, null)
    if (this.detecting) {
      this.detectCounters.received += res.ids.length
      this.detectCounters.sent += out.alertCount
    }
  }

  /** The keys of the last STAGED_KEYS tasks (a re-sent batch comes within seconds). */
  private remember(key: string, rows: StagedRows | null): void {
    this.staged.delete(key)
    this.staged.set(key, rows)
    if (this.staged.size > STAGED_KEYS) {
      // the oldest first; rows still waiting for a write are kept whatever their age
      for (const [k, v] of this.staged) {
        if (this.staged.size <= STAGED_KEYS) break
        if (v === null) this.staged.delete(k)
      }
      // rows of a batch that never came back (its partition went to another process) do not stay forever
      for (const k of this.staged.keys()) {
        if (this.staged.size <= 2 * STAGED_KEYS) break
        this.staged.delete(k)
      }
    }
  }

  private async run(req: IngestRequest, tasks: TransformTask[], ingested: string): Promise<IngestOutcome> {
    const sourceCounters = this.telemetry.component(req.source, 'source')
    // Each task is stored as soon as its worker returns; the request waits for all of them.
    const results = (await Promise.all(tasks.map((t) => this.task(t)))).flat()
    const outcome: IngestOutcome = { accepted: 0, rejected: 0, ids: [], errors: [] }
    const dead: RejectedRecord[] = []
    let offset = 0
    for (const res of results) {
      if (!res.ok) {
        outcome.failure = { code: res.code, reason: res.reason }
        dead.push({ index: -1, code: res.code, reason: res.reason, raw: req.body })
        sourceCounters.drop(dropReason(res.code))
        continue
      }
      for (const id of res.ids) outcome.ids.push(id)
      for (const e of res.errors) {
        const err: IngestRecordError = { index: offset + e.index, code: e.code, reason: e.reason }
        if (e.line !== undefined) err.line = e.line
        outcome.errors.push(err)
        dead.push({ ...e, index: err.index })
        this.decodeCounters.drop(dropReason(e.code))
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
    await this.deadLetterTable.write(req, dead, ingested)
    return outcome
  }

  /** Keeps records refused before the workers (e.g. framing for Kafka) in the dead-letter table. */
  deadLetters(origin: DeadLetterOrigin, rejected: readonly RejectedRecord[]): Promise<void> {
    return this.deadLetterTable.write(origin, rejected)
  }

  /** Stops taking work and waits (up to the timeout) for the requests in flight to be stored. True when none is left. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true
    const deadline = Date.now() + timeoutMs
    while (this.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    return this.pending === 0
  }
}
