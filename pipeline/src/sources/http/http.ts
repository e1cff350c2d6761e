/**
 * The HTTP source: POST /api/ingest hands it a body with its content type, and it answers with
 * the records' ids or a catalogued refusal. It picks a framing from the content type (JSON,
 * NDJSON, CSV, text) and writes to its output: the pipeline, or the Kafka producer when Kafka is
 * the transport. Bodies are framed and parsed in the workers, never here.
 */
import { WatchfloorError, dropReason, type ErrorCode } from '../../errors.js'
import type { ComponentCounters } from '../../telemetry/counters.js'
import type { Framing } from '../../transforms/frame/types.js'
import { isZeekTsv } from '../../transforms/frame/zeek_tsv.js'
import type { IngestResponse } from '@watchfloor/contracts'
import type { Source, SourceOutput } from '../types.js'

const JSON_TYPES = new Set(['application/json', 'text/json'])
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonlines', 'application/x-jsonlines', 'application/json-lines', 'application/jsonl'])
const CSV_TYPES = new Set(['text/csv', 'application/csv'])
const TEXT_TYPES = new Set(['text/plain'])

/** The content types ingest accepts, as named in refusals and in the API's documentation. */
export const INGEST_CONTENT_TYPES = ['application/json', 'application/x-ndjson', 'text/csv', 'text/plain'] as const

export function framingFor(contentType: string | undefined, body: string): Framing | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  // no content type: refused (415) with the accepted ones, never guessed
  if (type === '') return undefined
  // a Zeek ASCII log (conn.log, dns.log... as Zeek writes them) is text with its own header
  if (TEXT_TYPES.has(type) && isZeekTsv(body)) return 'zeek'
  if (JSON_TYPES.has(type) || type.endsWith('+json')) return 'json'
  if (NDJSON_TYPES.has(type)) return 'ndjson'
  if (CSV_TYPES.has(type)) return 'csv'
  if (TEXT_TYPES.has(type)) return 'text'
  return undefined
}

/** What ingest answers: 202 when every record is stored, 400 with the refused ones (the others are stored). */
export interface IngestAnswer {
  status: 202 | 400
  body: IngestResponse
}

/** The service the API's ingest route uses. */
export interface Ingest {
  /** One request body. Throws a catalogued WatchfloorError for a refusal of the whole request (415, 503). */
  accept(req: { body: string; contentType: string | undefined; requestId: string }): Promise<IngestAnswer>
}

export class HttpSource implements Source, Ingest {
  readonly name = 'http'
  private out: SourceOutput | undefined
  private stopped = false

  constructor(private readonly counters: ComponentCounters) {}

  async start(out: SourceOutput): Promise<void> {
    this.out = out
    this.stopped = false
  }

  async stop(): Promise<void> {
    this.stopped = true
  }

  async accept(req: { body: string; contentType: string | undefined; requestId: string }): Promise<IngestAnswer> {
    const out = this.out
    if (out === undefined || this.stopped || out.stopping) throw new WatchfloorError('PIPELINE_STOPPING')
    const { body, contentType } = req
    if (body.trim().length === 0) {
      this.counters.drop(dropReason('INGEST_EMPTY_BODY'))
      return refusal('INGEST_EMPTY_BODY', 'request body is empty: send a JSON object, a JSON array, NDJSON, CSV or text lines')
    }
    const framing = framingFor(contentType, body)
    if (framing === undefined) {
      this.counters.drop(dropReason('INGEST_UNSUPPORTED_MEDIA_TYPE'))
      throw new WatchfloorError('INGEST_UNSUPPORTED_MEDIA_TYPE', `${contentType === undefined || contentType.trim() === '' ? 'no content type' : contentType}; use ${INGEST_CONTENT_TYPES.join(', ')}`)
    }
    const outcome = await out.ingest({ body, framing, source: this.name, requestId: req.requestId, contentType: contentType ?? '' })
    const answer: IngestAnswer = { status: outcome.failure || outcome.rejected > 0 ? 400 : 202, body: { accepted: outcome.accepted, rejected: outcome.rejected, ids: outcome.ids, errors: outcome.errors } }
    if (outcome.failure) answer.body.error = { code: outcome.failure.code, message: outcome.failure.reason }
    return answer
  }
}

function refusal(code: ErrorCode, message: string): IngestAnswer {
  return { status: 400, body: { accepted: 0, rejected: 0, ids: [], errors: [], error: { code, message } } }
}
