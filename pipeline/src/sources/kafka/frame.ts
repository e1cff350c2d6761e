/**
 * HTTP ingest with Kafka configured: the body is split into one Kafka message per record, each
 * checked on the way in (JSON that parses, size, nesting, CSV rows that fit the header) so a bad
 * record is refused with its index and reason instead of travelling to the consumer. CSV rows
 * travel as `{"__watchfloor_csv": {column: cell}}` so the consumer decodes them as CSV.
 */
import type { ErrorCode } from '../../errors.js'
import { expandRecords } from '../../transforms/decode/index.js'
import type { Framing } from '../../workers/task.js'
import { parseCsv } from '../framing/csv.js'
import { jsonErrorPosition, valueExceedsDepth } from '../framing/json.js'
import { CSV_KEY, recordKey, type OutgoingRecord } from './kafka.js'

export interface FramedForKafka {
  records: OutgoingRecord[]
  /** Index of each record in the body's numbering (accepted and rejected share it). */
  indexOf: number[]
  rejected: Array<{ index: number; line?: number; code: ErrorCode; reason: string; raw: string }>
  /** The whole body is unusable. */
  failure?: { code: ErrorCode; reason: string }
}

export function frameForKafka(body: string, framing: Framing, limits: { maxRecordBytes: number; maxDepth: number }): FramedForKafka {
  const out: FramedForKafka = { records: [], indexOf: [], rejected: [] }
  let index = 0
  const accept = (raw: string, value: unknown) => {
    if (Buffer.byteLength(raw) > limits.maxRecordBytes) out.rejected.push({ index, code: 'RECORD_TOO_LARGE', reason: `record is ${Buffer.byteLength(raw)} bytes, limit ${limits.maxRecordBytes}`, raw: raw.slice(0, 65536) })
    else if (value !== undefined && valueExceedsDepth(value, limits.maxDepth)) out.rejected.push({ index, code: 'RECORD_TOO_DEEP', reason: `nesting deeper than ${limits.maxDepth} levels`, raw })
    else if (value !== undefined && (typeof value !== 'object' || value === null)) out.rejected.push({ index, code: 'RECORD_NOT_OBJECT', reason: 'record is not a JSON object', raw })
    else {
      out.records.push({ raw, key: recordKey(value) })
      out.indexOf.push(index)
    }
    index++
  }
  const lines = (text: string, json: boolean) => {
    let line = 0
    for (const raw0 of text.split('\n')) {
      line++
      const raw = raw0.endsWith('\r') ? raw0.slice(0, -1) : raw0
      if (raw.trim() === '') continue
      if (!json) {
        accept(raw, undefined)
        continue
      }
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch (err) {
        out.rejected.push({ index: index++, line, code: 'INGEST_MALFORMED_JSON', reason: `malformed JSON${jsonErrorPosition(err)}`, raw })
        continue
      }
      accept(raw, value)
    }
  }
  switch (framing) {
    case 'ndjson':
      lines(body, true)
      break
    case 'text':
      lines(body, false)
      break
    case 'json': {
      let value: unknown
      try {
        value = JSON.parse(body)
      } catch (err) {
        if (body.trim().includes('\n')) {
          lines(body, true)
          break
        }
        out.failure = { code: 'INGEST_MALFORMED_JSON', reason: `malformed JSON${jsonErrorPosition(err)}` }
        break
      }
      const items = Array.isArray(value) ? value : expandRecords(value)
      if (items) for (const item of items) accept(JSON.stringify(item) ?? 'null', item)
      else accept(body, value)
      break
    }
    case 'csv': {
      const parsed = parseCsv(body)
      if (!parsed.ok) {
        out.failure = { code: 'RECORD_CSV_MISMATCH', reason: parsed.reason }
        break
      }
      for (const row of parsed.rows) {
        if (row.error) {
          out.rejected.push({ index: index++, line: row.line, code: 'RECORD_CSV_MISMATCH', reason: row.error, raw: row.raw })
          continue
        }
        const raw = JSON.stringify({ [CSV_KEY]: row.cells })
        out.records.push({ raw, key: row.cells.source_ip || row.cells.src_ip || row.cells.ip || row.cells.host || row.cells.hostname || undefined })
        out.indexOf.push(index++)
      }
      break
    }
    case 'records':
      break
  }
  return out
}
