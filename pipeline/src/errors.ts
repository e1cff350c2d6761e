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
  INGEST_BAD_ENCODING: { canRetry: false, http: 400, message: 'body is not in its declared content encoding or character set' },
  INGEST_BODY_TOO_LARGE: { canRetry: false, http: 413, message: 'request body exceeds the configured limit' },
  RECORD_NOT_OBJECT: { canRetry: false, http: 400, message: 'record is not a JSON object' },
  RECORD_TOO_DEEP: { canRetry: false, http: 400, message: 'record nesting exceeds the limit' },
  RECORD_TOO_LARGE: { canRetry: false, http: 400, message: 'record exceeds the size limit' },
  RECORD_INVALID_FIELD: { canRetry: false, http: 400, message: 'record has a field of the wrong type or format' },
  RECORD_CSV_MISMATCH: { canRetry: false, http: 400, message: 'CSV row does not match the header' },
  RECORD_ZEEK_MISMATCH: { canRetry: false, http: 400, message: 'Zeek log row does not match its #fields header' },
  RECORD_UNPROCESSABLE: { canRetry: false, http: 422, message: 'the record stopped its worker (a crash or the task time limit); kept as a dead letter' },
  KAFKA_EMPTY_MESSAGE: { canRetry: false, http: 400, message: 'Kafka message has no records' },
  // requests (not retryable as sent)
  REQUEST_INVALID: { canRetry: false, http: 400, message: 'request is invalid' },
  AUTH_REQUIRED: { canRetry: false, http: 401, message: 'authentication required' },
  AUTH_FORBIDDEN: { canRetry: false, http: 403, message: 'not allowed for this role' },
  INCIDENT_NOT_FOUND: { canRetry: false, http: 404, message: 'no such incident' },
  PROFILE_NOT_FOUND: { canRetry: false, http: 404, message: 'no such profile' },
  TOKEN_NOT_FOUND: { canRetry: false, http: 404, message: 'no such token' },
  INCIDENT_CHANGE_REFUSED: { canRetry: false, http: 409, message: 'the change is not allowed in the incident\'s current state' },
  RATE_LIMITED: { canRetry: true, http: 429, message: 'too many requests' },
  // capacity (retryable: try again later)
  PIPELINE_SATURATED: { canRetry: true, http: 503, message: 'pipeline is saturated' },
  PIPELINE_STOPPING: { canRetry: true, http: 503, message: 'pipeline is shutting down' },
  KAFKA_UNAVAILABLE: { canRetry: true, http: 503, message: 'Kafka did not acknowledge the records' },
  BUFFER_WRITE_FAILED: { canRetry: true, http: 503, message: 'the local disk buffer could not be written (e.g. the disk is full)' },
  SINK_WRITE_FAILED: { canRetry: true, http: 503, message: 'storage write failed' },
  WORKER_FAILED: { canRetry: true, http: 503, message: 'worker task failed' },
  SEARCH_UNAVAILABLE: { canRetry: true, http: 503, message: 'similar-incident search is unavailable' },
  LLM_UNAVAILABLE: { canRetry: true, http: 503, message: 'LLM triage is not configured or unavailable' },
  // stored data
  CONTRACT_INVALID: { canRetry: false, http: 500, message: 'a stored document does not match its contract' },
  // configuration and the unexpected
  CONFIG_INVALID: { canRetry: false, http: 500, message: 'configuration is invalid' },
  INTERNAL: { canRetry: false, http: 500, message: 'internal error' },
} as const satisfies Record<string, { canRetry: boolean; http: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

/** Why a component dropped a record: always a catalogue code, in lower case (metrics labels). */
export type DropReason = Lowercase<ErrorCode>

export function dropReason(code: ErrorCode): DropReason {
  return code.toLowerCase() as DropReason
}

/** The body of every error answer: `{error: {code, message}}`. */
export function errorBody(code: ErrorCode, detail?: string): { error: { code: ErrorCode; message: string } } {
  const entry = ERRORS[code]
  return { error: { code, message: detail ?? entry.message } }
}

/** A record refused with its reason: answered to the sender and kept as a dead letter. */
export interface RejectedRecord {
  /** 0-based index of the record in its body or task. */
  index: number
  /** 1-based line, when the body is line framed. */
  line?: number
  code: ErrorCode
  reason: string
  /** The record's raw text. */
  raw: string
}

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
  /** For retryable errors: when to try again, in seconds (HTTP `Retry-After`). */
  readonly retryAfterSeconds: number | undefined
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    const entry = ERRORS[code]
    super(detail ? `${entry.message}: ${detail}` : entry.message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'WatchfloorError'
    this.code = code
    this.canRetry = entry.canRetry
    this.httpStatus = entry.http
    this.retryAfterSeconds = entry.canRetry ? (options?.retryAfterSeconds ?? (code === 'PIPELINE_STOPPING' ? 5 : 1)) : undefined
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
