/**
 * The canonical event: one normalized log record, field names aligned with ECS.
 * Every decoder produces this shape; every later stage (detect, profile, correlate)
 * reads only this shape plus the decoded original record.
 *
 * Each contract is a TypeBox schema and its type is derived from it (`Static`), so the same
 * definition types the code and checks data where it enters (see validate.ts).
 */
import { Type, type Static } from '@sinclair/typebox'
import { literalUnion } from './literals.js'

/** How far a decoder got with a record. */
export const DecodeStatusSchema = literalUnion([
  /** a decoder recognised the format and mapped its fields */
  'ok',
  /** the format was recognised but some fields had unusable values (listed in `watchfloor.decode_notes`) */
  'partial',
  /** no decoder recognised the shape: only the raw text and generic fields are kept */
  'unknown',
])
export type DecodeStatus = Static<typeof DecodeStatusSchema>

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
export const DecoderNameSchema = literalUnion(DECODER_NAMES)
export type DecoderName = Static<typeof DecoderNameSchema>

export const EcsEventSchema = Type.Object({
  /** Stable id assigned at ingest (UUID). */
  id: Type.String(),
  kind: Type.Optional(Type.String()),
  category: Type.Optional(Type.Array(Type.String())),
  type: Type.Optional(Type.Array(Type.String())),
  action: Type.Optional(Type.String()),
  /** Numeric or string code of the source (Windows EventID, Suricata signature id, CloudTrail eventName...). */
  code: Type.Optional(Type.String()),
  outcome: Type.Optional(literalUnion(['success', 'failure', 'unknown'])),
  dataset: Type.Optional(Type.String()),
  module: Type.Optional(Type.String()),
  provider: Type.Optional(Type.String()),
  /** 0-100 normalized severity when the source carries one. */
  severity: Type.Optional(Type.Number()),
  /** When Watchfloor received the record (ISO 8601). */
  ingested: Type.Optional(Type.String()),
})
export type EcsEvent = Static<typeof EcsEventSchema>

export const EndpointSchema = Type.Object({
  ip: Type.Optional(Type.String()),
  port: Type.Optional(Type.Number()),
  domain: Type.Optional(Type.String()),
  /** Bytes sent by this side of the connection (ECS `source.bytes` / `destination.bytes`). */
  bytes: Type.Optional(Type.Number()),
})
export type Endpoint = Static<typeof EndpointSchema>

export const ProcessInfoSchema = Type.Object({
  pid: Type.Optional(Type.Number()),
  name: Type.Optional(Type.String()),
  executable: Type.Optional(Type.String()),
  command_line: Type.Optional(Type.String()),
  parent: Type.Optional(
    Type.Object({
      pid: Type.Optional(Type.Number()),
      name: Type.Optional(Type.String()),
      executable: Type.Optional(Type.String()),
      command_line: Type.Optional(Type.String()),
    }),
  ),
})
export type ProcessInfo = Static<typeof ProcessInfoSchema>

export const CanonicalEventSchema = Type.Object({
  /** ISO 8601 UTC with milliseconds. The record's own time, else the ingest time. */
  '@timestamp': Type.String(),
  event: EcsEventSchema,
  source: Type.Optional(EndpointSchema),
  destination: Type.Optional(EndpointSchema),
  network: Type.Optional(Type.Object({ protocol: Type.Optional(Type.String()), transport: Type.Optional(Type.String()) })),
  user: Type.Optional(
    Type.Object({
      name: Type.Optional(Type.String()),
      domain: Type.Optional(Type.String()),
      id: Type.Optional(Type.String()),
      target: Type.Optional(Type.Object({ name: Type.Optional(Type.String()) })),
    }),
  ),
  host: Type.Optional(Type.Object({ name: Type.Optional(Type.String()), ip: Type.Optional(Type.Array(Type.String())) })),
  process: Type.Optional(ProcessInfoSchema),
  rule: Type.Optional(
    Type.Object({
      id: Type.Optional(Type.String()),
      name: Type.Optional(Type.String()),
      category: Type.Optional(Type.String()),
      level: Type.Optional(Type.String()),
    }),
  ),
  url: Type.Optional(Type.Object({ original: Type.Optional(Type.String()) })),
  http: Type.Optional(
    Type.Object({
      request: Type.Optional(Type.Object({ method: Type.Optional(Type.String()) })),
      response: Type.Optional(Type.Object({ status_code: Type.Optional(Type.Number()) })),
    }),
  ),
  file: Type.Optional(Type.Object({ path: Type.Optional(Type.String()), name: Type.Optional(Type.String()) })),
  registry: Type.Optional(Type.Object({ path: Type.Optional(Type.String()), value: Type.Optional(Type.String()) })),
  cloud: Type.Optional(
    Type.Object({
      provider: Type.Optional(Type.String()),
      region: Type.Optional(Type.String()),
      account: Type.Optional(Type.Object({ id: Type.Optional(Type.String()) })),
    }),
  ),
  user_agent: Type.Optional(Type.Object({ original: Type.Optional(Type.String()) })),
  /** A DNS query (ECS `dns.question`): the name asked, split at its registered domain, and the record type. */
  dns: Type.Optional(
    Type.Object({
      question: Type.Object({
        name: Type.String(),
        registered_domain: Type.Optional(Type.String()),
        subdomain: Type.Optional(Type.String()),
        type: Type.Optional(Type.String()),
      }),
    }),
  ),
  message: Type.Optional(Type.String()),
  /** Provenance added by Watchfloor. */
  watchfloor: Type.Object({
    decoder: DecoderNameSchema,
    decode_status: DecodeStatusSchema,
    decode_notes: Type.Optional(Type.Array(Type.String())),
    /** `base64`: the record was not valid UTF-8; its exact bytes are stored base64 as `original` (its fields were decoded with U+FFFD in place of the invalid sequences). */
    original_encoding: Type.Optional(Type.Literal('base64')),
    /** Which source delivered the record: http, kafka, file. */
    source: Type.String(),
    /** Legacy `event_type` or an equivalent short type used by dashboards and profiles. */
    event_type: Type.Optional(Type.String()),
  }),
})
export type CanonicalEvent = Static<typeof CanonicalEventSchema>

/** Per-record rejection, reported to the producer and kept in the dead-letter table. */
export const RecordErrorSchema = Type.Object({
  index: Type.Integer({ description: '0-based record index in the body' }),
  line: Type.Optional(Type.Integer({ description: '1-based line (line-framed bodies)' })),
  code: Type.String({ description: 'error code from the catalogue' }),
  reason: Type.String(),
})
export type RecordError = Static<typeof RecordErrorSchema>
