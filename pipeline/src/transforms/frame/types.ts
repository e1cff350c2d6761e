/** What framing produces: how a body is cut into records, and one record framed by its source. */

/** How a task's text is framed into records (`zeek`: a Zeek ASCII log with its header); `records` means already framed by the source (Kafka, files). */
export type Framing = 'ndjson' | 'json' | 'csv' | 'text' | 'zeek' | 'records'

/** One record framed by its source (Kafka, replay files): its kind, raw text, CSV cells, and fixed event id. */
export interface FramedRecord {
  kind: 'json' | 'csv' | 'text'
  raw: string
  cells?: Record<string, string>
  id: string
}
