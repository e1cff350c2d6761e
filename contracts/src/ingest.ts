/** The seed systems' ingest shape: existing producers send exactly this and must keep working. */
export interface LegacyIngestRecord {
  timestamp?: string | number
  event_type?: string
  source_ip?: string
  dest_ip?: string
  username?: string
  hostname?: string
  raw_log?: string
  [extra: string]: unknown
}

/** Body of a 202 (all accepted) or 400 (some or all rejected) answer of `POST /api/ingest`. */
export interface IngestResponse {
  accepted: number
  rejected: number
  ids: string[]
  errors: { index: number; code: string; reason: string }[]
}
