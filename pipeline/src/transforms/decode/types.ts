import type { CanonicalEvent, DecoderName } from '@watchfloor/contracts'
import type { Failure } from '../../errors.js'

/** What a decoder knows about the record besides its content. */
export interface DecodeContext {
  /** Event id assigned at ingest. */
  id: string
  /** ISO 8601 ingest time; used as `@timestamp` when the record carries no usable time. */
  ingested: string
  /** Which source delivered the record: http, kafka, file. */
  source: string
  /** An event time more than this past `ingested` is set to `ingested` and noted. */
  maxFutureMs?: number
}

export type DecodeResult = { ok: true; event: CanonicalEvent } | Failure

/**
 * A decoder recognises one log format from the record's own shape and maps it to the
 * canonical event. `detect` must be cheap (a few property checks): it runs for every record.
 */
export interface Decoder {
  name: DecoderName
  /** `value` is a parsed JSON object, a CSV row object, or a text line. */
  detect(value: unknown): boolean
  decode(value: unknown, ctx: DecodeContext): DecodeResult
}
