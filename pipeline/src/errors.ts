/**
 * The error catalogue: every failure Watchfloor reports carries a stable code and whether
 * retrying the same input can succeed. Workers return these as plain data (structured clone
 * drops Error subclasses), sources turn them into HTTP answers or dead-letter records.
 */
export const ERRORS = {
  // input records (not retryable: the same bytes fail the same way)
  INGEST_EMPTY_BODY: { canRetry: false, http: 400, message: 'request body is empty' },
  INGEST_MALFORMED_JSON: { canRetry: false, http: 400, message: 'malformed JSON' },
  INGEST_UNSUPPORTED_MEDIA_TYPE: { canRetry: false, http: 415, message: 'unsupported content type' },
  INGEST_BODY_TOO_LARGE: { canRetry: false, http: 413, message: 'request body exceeds the configured limit' },
  RECORD_NOT_OBJECT: { canRetry: false, http: 400, message: 'record is not a JSON object' },
  RECORD_TOO_DEEP: { canRetry: false, http: 400, message: 'record nesting exceeds the limit' },
  RECORD_TOO_LARGE: { canRetry: false, http: 400, message: 'record exceeds the size limit' },
  RECORD_INVALID_FIELD: { canRetry: false, http: 400, message: 'record has a field of the wrong type or format' },
  RECORD_CSV_MISMATCH: { canRetry: false, http: 400, message: 'CSV row does not match the header' },
  // capacity (retryable: try again later)
  PIPELINE_SATURATED: { canRetry: true, http: 503, message: 'pipeline is saturated' },
  PIPELINE_STOPPING: { canRetry: true, http: 503, message: 'pipeline is shutting down' },
  KAFKA_UNAVAILABLE: { canRetry: true, http: 503, message: 'Kafka did not acknowledge the records' },
  SINK_WRITE_FAILED: { canRetry: true, http: 503, message: 'storage write failed' },
  WORKER_FAILED: { canRetry: true, http: 503, message: 'worker task failed' },
  // configuration
  CONFIG_INVALID: { canRetry: false, http: 500, message: 'configuration is invalid' },
} as const

export type ErrorCode = keyof typeof ERRORS

/** A failure as data: what workers return and sinks report instead of throwing. */
export interface Failure {
  ok: false
  code: ErrorCode
  reason: string
}

export class WatchfloorError extends Error {
  readonly code: ErrorCode
  readonly canRetry: boolean
  readonly httpStatus: number
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const entry = ERRORS[code]
    super(detail ? `${entry.message}: ${detail}` : entry.message, options)
    this.name = 'WatchfloorError'
    this.code = code
    this.canRetry = entry.canRetry
    this.httpStatus = entry.http
  }
}

export function failure(code: ErrorCode, reason?: string): Failure {
  return { ok: false, code, reason: reason ?? ERRORS[code].message }
}

/** Converts anything thrown into a typed error at a boundary. */
export function toWatchfloorError(err: unknown, fallback: ErrorCode): WatchfloorError {
  if (err instanceof WatchfloorError) return err
  const detail = err instanceof Error ? err.message : String(err)
  return new WatchfloorError(fallback, detail, { cause: err })
}
