/** The contract between the main thread and the transform workers (plain data only). */
import type { ErrorCode } from '../errors.js'
import type { ProfileDelta } from '../transforms/profile/delta.js'

/** How a task's text is framed into records; `records` means already framed (the file source). */
export type Framing = 'ndjson' | 'json' | 'csv' | 'text' | 'records'

/** One record framed by its source (replay files): its kind, raw text, CSV cells, and fixed event id. */
export interface FramedRecord {
  kind: 'json' | 'csv' | 'text'
  raw: string
  cells?: Record<string, string>
  id: string
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
  maxRecordBytes: number
  maxDepth: number
  /** Lines in the task (line framings), used for admission control. */
  lines?: number
  /** With framing `records`: the records (text is unused). */
  records?: FramedRecord[]
  /** Sigma rule directories: when set, every accepted record is matched against them. */
  sigmaRulesDirs?: string[]
  /** Leave out the storage rows (replay writes no rows: it saves the encoding and the memory). */
  skipRows?: boolean
  /** Fold every accepted event into per-entity profile deltas. */
  profile?: boolean
  /** Return the loaded rule set's statistics (start-up warm-up). */
  reportRules?: boolean
}

export interface RuleStats {
  rules: number
  compiled: number
  correlations: number
  errors: { file: string; reason: string }[]
}

/** A Sigma rule that fired on one record of the task. */
export interface TaskAlert {
  /** 0-based record index within the task (the same numbering as errors). */
  index: number
  eventId: string
  timestamp: string
  rule: { id: string; title: string; level: string }
  tags: string[]
  entities: { source_ip?: string; destination_ip?: string; user?: string; host?: string }
}

/** A match of a rule referenced by a correlation rule: input for the main thread's correlator. */
export interface TaskSignal {
  index: number
  eventId: string
  timestamp: string
  /** Correlation rule id. */
  corr: string
  steps: number[]
  key: string[]
  value?: string | number
  entities: TaskAlert['entities']
}

export interface TaskRecordError {
  /** 0-based record index within the task; the caller adds the task's offset. */
  index: number
  /** 1-based line in the whole body, when the framing is line based. */
  line?: number
  code: ErrorCode
  reason: string
  /** The record's raw text, kept in the dead-letter table. */
  raw: string
}

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
}

/** A failure of the whole task (e.g. a JSON body that does not parse). */
export interface TransformFailure {
  ok: false
  code: ErrorCode
  reason: string
}
