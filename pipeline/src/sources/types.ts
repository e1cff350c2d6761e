/**
 * The one shape of a source: `start(out)` and `stop()`. A source gets an output to write to and
 * nothing else of the topology: the pipeline (workers, then the sinks) or, for HTTP ingest with
 * Kafka as the transport, the Kafka producer.
 */
import type { ErrorCode, RejectedRecord } from '../errors.js'
import type { Framing, FramedRecord } from '../transforms/frame/types.js'

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

/** Where a source writes. */
export interface SourceOutput {
  /**
   * Runs the records through; resolves once every accepted record and every dead letter is
   * stored (or acknowledged by the broker). Throws a retryable WatchfloorError when saturated or
   * stopping: nothing of the request was kept then.
   */
  ingest(req: IngestRequest): Promise<IngestOutcome>
  /** Keeps records a source refused before the pipeline (e.g. framing) as dead letters. */
  deadLetters(origin: Pick<IngestRequest, 'source' | 'requestId' | 'contentType'>, rejected: readonly RejectedRecord[]): Promise<void>
  /** True once the output refuses new work (graceful stop). */
  readonly stopping: boolean
}

export interface Source {
  readonly name: string
  /** Starts delivering to `out`; resolves once the source is running. */
  start(out: SourceOutput): Promise<void>
  /** Stops taking input; work in progress is finished (and, for Kafka, committed). */
  stop(): Promise<void>
}
