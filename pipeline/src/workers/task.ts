/** The contract between the main thread and the transform workers (plain data only). */
import type { Config } from '../config/schema.js'
import type { ErrorCode, RejectedRecord } from '../errors.js'
import { ruleDirs } from '../transforms/detect/builtin.js'
import { chunkLines } from '../transforms/frame/lines.js'
import type { ProfileDelta } from '../transforms/profile/delta.js'
import type { Framing, FramedRecord } from '../transforms/frame/types.js'
import type { RuleStats, TaskAlert, TaskSignal } from '../transforms/detect/types.js'

export type { Framing, FramedRecord, RuleStats, TaskAlert, TaskSignal }

/**
 * What every task of a pool shares, given to each worker once (piscina `workerData`) instead of
 * copied into every task: the record limits, the rule directories, whether to profile.
 */
export interface WorkerSettings {
  maxRecordBytes: number
  maxDepth: number
  /** An event time further than this past the ingest time is clamped to it (0: no limit; the file source never clamps). */
  maxClockSkewMs: number
  /** Sigma rule directories: when non-empty, every accepted record is matched against them. */
  ruleDirs: string[]
  /** Fold every accepted event into per-entity profile deltas. */
  profile: boolean
}

export function workerSettings(config: Pick<Config, 'ingest' | 'detect' | 'profile'>): WorkerSettings {
  return { maxRecordBytes: config.ingest.maxRecordBytes, maxDepth: config.ingest.maxDepth, maxClockSkewMs: config.ingest.maxClockSkewMs, ruleDirs: ruleDirs(config), profile: config.profile.enabled }
}

export interface TransformTask {
  framing: Framing
  text: string
  /** Which source delivered the records: http, kafka, file. */
  source: string
  /** ISO 8601 time the records were received. */
  ingested: string
  /** 1-based line number of the task's first line in the whole body (ndjson/text). */
  firstLine: number
  /** Lines in the task (line framings), used for admission control. */
  lines?: number
  /** With framing `records`: the records (text is unused). */
  records?: FramedRecord[]
  /** Leave out the storage rows (replay writes no rows: it saves the encoding and the memory). */
  skipRows?: boolean
  /** Return the loaded rule set's statistics (start-up warm-up). */
  reportRules?: boolean
  /**
   * Shared with the main thread (see workers/isolate.ts): [0] the record the worker is on (a line
   * number for line framings, an index for framed records, or one of the PROGRESS_ values), [1] set
   * to 1 once a worker took the task.
   */
  progress?: Int32Array
}

/** `progress[0]` before the worker reached a record. */
export const PROGRESS_NOT_STARTED = -1
/** `progress[0]` once every record is done (what fails now is the task, not a record). */
export const PROGRESS_DONE = -2
/** `progress[0]` for a body parsed as one document (JSON, CSV, Zeek): no record can be cut out of it. */
export const PROGRESS_WHOLE = -3

/** What a source hands over to be cut into tasks. */
export interface TaskInput {
  framing: Framing
  /** The body (line framings, json, csv). */
  text?: string
  /** Records already framed by the source (framing `records`). */
  records?: readonly FramedRecord[]
  source: string
  ingested: string
  skipRows?: boolean
}

/**
 * The one place tasks are made: line-framed bodies and framed records are cut into tasks of
 * `PIPELINE_BATCH_RECORDS` records (on line boundaries, cheap `indexOf` on the main thread); a
 * JSON or CSV body is one task (it must be parsed whole).
 */
export function makeTask(config: Pick<Config, 'pipeline'>): { split(input: TaskInput): TransformTask[]; probe(source: string, reportRules?: boolean): TransformTask } {
  const batch = config.pipeline.batchRecords
  return {
    split(input) {
      const base = { source: input.source, ingested: input.ingested, ...(input.skipRows ? { skipRows: true } : {}) }
      const text = input.text ?? ''
      if (input.framing === 'ndjson' || input.framing === 'text') return chunkLines(text, batch).map((c) => ({ ...base, framing: input.framing, text: c.text, firstLine: c.firstLine, lines: c.lines }))
      if (input.framing === 'records') {
        const records = input.records ?? []
        const tasks: TransformTask[] = []
        for (let i = 0; i < records.length; i += batch) {
          const chunk = records.slice(i, i + batch)
          tasks.push({ ...base, framing: 'records', text: '', records: chunk, firstLine: 1, lines: chunk.length })
        }
        return tasks
      }
      return [{ ...base, framing: input.framing, text, firstLine: 1 }]
    },
    /** An empty task: a round trip through a worker (health), or the rule set's statistics (warm-up). */
    probe(source, reportRules = false) {
      return { framing: 'ndjson', text: '', source, ingested: new Date().toISOString(), firstLine: 1, ...(reportRules ? { reportRules: true } : {}) }
    },
  }
}

/** A record the worker refused: its index within the task (the caller adds the task's offset), line, code, reason and raw text. */
export type TaskRecordError = RejectedRecord

export interface TransformResult {
  ok: true
  /** Records seen (accepted + rejected). */
  records: number
  /** JSONEachRow rows for the events table, in record order, UTF-8 encoded in the worker (cheap to clone, handed to the engine as bytes). */
  rows: Uint8Array
  /** Ids of the accepted events, in record order. */
  ids: string[]
  errors: TaskRecordError[]
  /** Accepted records per decoder and per decode status. */
  decoders: Record<string, number>
  statuses: Record<string, number>
  /** Detections (only when the task names rule directories), in record order. */
  alerts: TaskAlert[]
  /** Correlation inputs (only when the loaded rules include correlations), in record order. */
  signals: TaskSignal[]
  /** Per-entity profile deltas of the task's events (only when the task asks for profiling). */
  profiles: ProfileDelta[]
  ruleStats?: RuleStats
  /** On one task in several: thread time per worker stage (ms) over the task's records. */
  timing?: { records: number; ms: Record<string, number> }
}

/** A failure of the whole task (e.g. a JSON body that does not parse). */
export interface TransformFailure {
  ok: false
  code: ErrorCode
  reason: string
}
