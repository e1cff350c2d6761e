/**
 * The canonical event: one normalized log record, field names aligned with ECS.
 * Every decoder produces this shape; every later stage (detect, profile, correlate)
 * reads only this shape plus the decoded original record.
 */

/** How far a decoder got with a record. */
export type DecodeStatus =
  /** a decoder recognised the format and mapped its fields */
  | 'ok'
  /** the format was recognised but some fields had unusable values (listed in `watchfloor.decode_notes`) */
  | 'partial'
  /** no decoder recognised the shape: only the raw text and generic fields are kept */
  | 'unknown'

/** Names of the built-in decoders, in detection order. */
export const DECODER_NAMES = [
  'legacy',
  'windows_nested',
  'windows_flat',
  'winlogbeat',
  'cloudtrail',
  'suricata',
  'zeek',
  'wazuh',
  'ecs',
  'csv',
  'auditd',
  'syslog',
  'access_log',
  'text',
  'unknown',
] as const
export type DecoderName = (typeof DECODER_NAMES)[number]

export interface EcsEvent {
  /** Stable id assigned at ingest (UUID). */
  id: string
  kind?: string
  category?: string[]
  type?: string[]
  action?: string
  /** Numeric or string code of the source (Windows EventID, Suricata signature id, CloudTrail eventName...). */
  code?: string
  outcome?: 'success' | 'failure' | 'unknown'
  dataset?: string
  module?: string
  provider?: string
  /** 0-100 normalized severity when the source carries one. */
  severity?: number
  /** When Watchfloor received the record (ISO 8601). */
  ingested?: string
}

export interface Endpoint {
  ip?: string
  port?: number
  domain?: string
  /** Bytes sent by this side of the connection (ECS `source.bytes` / `destination.bytes`). */
  bytes?: number
}

export interface ProcessInfo {
  pid?: number
  name?: string
  executable?: string
  command_line?: string
  parent?: { pid?: number; name?: string; executable?: string; command_line?: string }
}

export interface CanonicalEvent {
  /** ISO 8601 UTC with milliseconds. The record's own time, else the ingest time. */
  '@timestamp': string
  event: EcsEvent
  source?: Endpoint
  destination?: Endpoint
  network?: { protocol?: string; transport?: string }
  user?: { name?: string; domain?: string; id?: string; target?: { name?: string } }
  host?: { name?: string; ip?: string[] }
  process?: ProcessInfo
  rule?: { id?: string; name?: string; category?: string; level?: string }
  url?: { original?: string }
  http?: { request?: { method?: string }; response?: { status_code?: number } }
  file?: { path?: string; name?: string }
  registry?: { path?: string; value?: string }
  cloud?: { provider?: string; region?: string; account?: { id?: string } }
  user_agent?: { original?: string }
  message?: string
  /** Provenance added by Watchfloor. */
  watchfloor: {
    decoder: DecoderName
    decode_status: DecodeStatus
    decode_notes?: string[]
    /** Which source delivered the record: http, kafka, file. */
    source: string
    /** Legacy `event_type` or an equivalent short type used by dashboards and profiles. */
    event_type?: string
  }
}

/** A record after framing, before decoding: the parsed value and its exact raw text. */
export interface RawRecord {
  /** Parsed JSON value, a CSV row as an object of header -> cell, or a text line (string). */
  value: unknown
  /** The record's raw text as received (JSON text, CSV line, or text line). */
  raw: string
}

/** Per-record rejection, reported to the producer and kept in the dead-letter table. */
export interface RecordError {
  /** 0-based index of the record in the request (or the file). */
  index: number
  code: string
  reason: string
}
