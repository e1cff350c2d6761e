import { Type, type Static } from '@sinclair/typebox'
import { RecordErrorSchema } from './event.js'

/**
 * The seed systems' ingest shape: existing producers send exactly this and must keep working.
 * Any other field is allowed and kept (the intersection with a record of unknowns gives the
 * type its index signature).
 */
export const LegacyIngestRecordSchema = Type.Intersect([
  Type.Object({
    timestamp: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    event_type: Type.Optional(Type.String()),
    source_ip: Type.Optional(Type.String()),
    dest_ip: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    hostname: Type.Optional(Type.String()),
    raw_log: Type.Optional(Type.String()),
  }),
  Type.Record(Type.String(), Type.Unknown()),
])
export type LegacyIngestRecord = Static<typeof LegacyIngestRecordSchema>

/**
 * Body of a 202 (all accepted) or 400 (some or all rejected) answer of `POST /api/ingest`; `error`
 * when the body as a whole is unusable (empty, malformed JSON).
 */
export const IngestResponseSchema = Type.Object({
  accepted: Type.Integer({ description: 'Records stored' }),
  rejected: Type.Integer({ description: 'Records refused (kept in the dead-letter table)' }),
  ids: Type.Array(Type.String(), { description: 'Event ids of the stored records, in input order' }),
  errors: Type.Array(RecordErrorSchema),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
})
export type IngestResponse = Static<typeof IngestResponseSchema>
