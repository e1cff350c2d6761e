/**
 * The HTTP source: POST /api/ingest hands it a body with its content type, and it answers with
 * the records' ids or a catalogued refusal. It picks a framing from the content type (JSON,
 * NDJSON, CSV, text) and writes to its output: the pipeline, or the Kafka producer when Kafka is
 * the transport. Bodies are framed and parsed in the workers, never here.
 */
import { isUtf8 } from 'node:buffer'
import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
import { WatchfloorError, dropReason, type ErrorCode } from '../../errors.js'
import { firstInvalidUtf8, linesWithBytes } from '../../transforms/frame/bytes.js'
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
  accept(req: IngestHttpRequest): Promise<IngestAnswer>
}

/** A request body as it arrived: bytes (or text), with its content type and content encoding. */
export interface IngestHttpRequest {
  body: Buffer | string
  contentType: string | undefined
  contentEncoding?: string | undefined
  requestId: string
}

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)

/** The charset a content type names (`text/csv; charset=windows-1252`), lower case, or undefined. */
export function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase()
}

export class HttpSource implements Source, Ingest {
  readonly name = 'http'
  private out: SourceOutput | undefined
  private stopped = false

  constructor(
    private readonly counters: ComponentCounters,
    private readonly limits: { maxBodyBytes: number; maxInflateRatio: number } = { maxBodyBytes: 64 * 1024 * 1024, maxInflateRatio: 200 },
  ) {}

  async start(out: SourceOutput): Promise<void> {
    this.out = out
    this.stopped = false
  }

  async stop(): Promise<void> {
    this.stopped = true
  }

  async accept(req: IngestHttpRequest): Promise<IngestAnswer> {
    const out = this.out
    if (out === undefined || this.stopped || out.stopping) throw new WatchfloorError('PIPELINE_STOPPING')
    const { contentType } = req
    const decoded = await this.text(req)
    if ('refused' in decoded) return decoded.refused
    const { body, framing } = decoded
    if (body.trim().length === 0) {
      this.counters.drop(dropReason('INGEST_EMPTY_BODY'))
      return refusal('INGEST_EMPTY_BODY', 'request body is empty: send a JSON object, a JSON array, NDJSON, CSV or text lines')
    }
    const outcome = await out.ingest({ body, framing, source: this.name, requestId: req.requestId, contentType: contentType ?? '' })
    const answer: IngestAnswer = { status: outcome.failure || outcome.rejected > 0 ? 400 : 202, body: { accepted: outcome.accepted, rejected: outcome.rejected, ids: outcome.ids, errors: outcome.errors } }
    if (outcome.failure) answer.body.error = { code: outcome.failure.code, message: outcome.failure.reason }
    return answer
  }

  /**
   * The body as text and its framing: inflated (gzip, deflate) within the size and ratio limits,
   * decoded from its declared charset, or as UTF-8 where each line that is not valid UTF-8 keeps
   * its exact bytes (frame/bytes.ts). A JSON, CSV or Zeek body that is not valid UTF-8 is refused
   * with the offset of the first bad byte: it is parsed whole, so no line can be set apart.
   */
  private async text(req: IngestHttpRequest): Promise<{ body: string; framing: Framing } | { refused: IngestAnswer }> {
    const refuse = (code: ErrorCode, message: string) => {
      this.counters.drop(dropReason(code))
      return { refused: refusal(code, message) }
    }
    const unsupported = (what: string): never => {
      this.counters.drop(dropReason('INGEST_UNSUPPORTED_MEDIA_TYPE'))
      throw new WatchfloorError('INGEST_UNSUPPORTED_MEDIA_TYPE', what)
    }
    const contentType = req.contentType ?? ''
    if (contentType.split(';')[0]!.trim() === '') unsupported(`no content type; use ${INGEST_CONTENT_TYPES.join(', ')}`)
    let bytes = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body
    const encoding = (req.contentEncoding ?? '').trim().toLowerCase()
    if (encoding !== '' && encoding !== 'identity') {
      if (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'deflate') unsupported(`content encoding ${encoding}; use gzip, deflate or none`)
      const limit = Math.min(this.limits.maxBodyBytes, Math.max(1024, bytes.length * this.limits.maxInflateRatio))
      try {
        bytes = await (encoding === 'deflate' ? inflateAsync : gunzipAsync)(bytes, { maxOutputLength: limit })
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          this.counters.drop(dropReason('INGEST_BODY_TOO_LARGE'))
          const which = limit === this.limits.maxBodyBytes ? `INGEST_MAX_BODY_BYTES (${limit} bytes)` : `${this.limits.maxInflateRatio} times its ${bytes.length} bytes (INGEST_MAX_INFLATE_RATIO)`
          throw new WatchfloorError('INGEST_BODY_TOO_LARGE', `the ${encoding} body inflates past ${which}`)
        }
        return refuse('INGEST_BAD_ENCODING', `the body is not valid ${encoding}: ${(err as Error).message}`)
      }
    }
    const charset = charsetOf(contentType)
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      let decoder: InstanceType<typeof TextDecoder>
      try {
        decoder = new TextDecoder(charset, { fatal: true })
      } catch {
        return unsupported(`charset ${charset} is unknown; send UTF-8 or name a charset of the WHATWG Encoding Standard (e.g. windows-1252, iso-8859-1, shift_jis)`)
      }
      let text: string
      try {
        text = decoder.decode(bytes)
      } catch {
        return refuse('INGEST_BAD_ENCODING', `the body is not valid ${charset}`)
      }
      return this.framed(contentType, text)
    }
    if (isUtf8(bytes)) return this.framed(contentType, bytes.toString('utf8'))
    const lossy = this.framed(contentType, bytes.toString('utf8'))
    if (lossy.framing === 'ndjson' || lossy.framing === 'text') {
      const { text, invalid } = linesWithBytes(bytes, lossy.framing)
      this.counters.invalidUtf8 += invalid
      return { body: text, framing: lossy.framing }
    }
    return refuse('INGEST_BAD_ENCODING', `the body is not valid UTF-8 (first invalid byte at offset ${firstInvalidUtf8(bytes)}); send UTF-8 or name its charset, e.g. ${contentType.split(';')[0]!.trim()}; charset=windows-1252`)
  }

  private framed(contentType: string, body: string): { body: string; framing: Framing } {
    const framing = framingFor(contentType, body)
    if (framing === undefined) {
      this.counters.drop(dropReason('INGEST_UNSUPPORTED_MEDIA_TYPE'))
      throw new WatchfloorError('INGEST_UNSUPPORTED_MEDIA_TYPE', `${contentType}; use ${INGEST_CONTENT_TYPES.join(', ')}`)
    }
    return { body, framing }
  }
}

function refusal(code: ErrorCode, message: string): IngestAnswer {
  return { status: 400, body: { accepted: 0, rejected: 0, ids: [], errors: [], error: { code, message } } }
}
