/**
 * HTTP ingest with Kafka configured: the body is split into one Kafka message per record, each
 * checked on the way in (JSON that parses, size, nesting, CSV rows that fit the header) so a bad
 * record is refused with its index and reason instead of travelling to the consumer. CSV rows
 * travel as `{"__watchfloor_csv": {column: cell}}` so the consumer decodes them as CSV; Zeek ASCII
 * log rows travel as Zeek JSON.
 */
import type { ErrorCode, RejectedRecord } from '../../errors.js'
import { expandRecords } from '../decode/index.js'
import { stableId } from '../detect/alerts.js'
import type { Framing, FramedRecord } from './types.js'
import { parseCsv } from './csv.js'
import { parseZeekTsv } from './zeek_tsv.js'
import { isNdjsonBody, jsonErrorPosition, oversize, valueExceedsDepth } from './json.js'

export interface FramedForKafka {
  records: OutgoingRecord[]
  /** Index of each record in the body's numbering (accepted and rejected share it). */
  indexOf: number[]
  rejected: RejectedRecord[]
  /** The whole body is unusable. */
  failure?: { code: ErrorCode; reason: string }
}

export function frameForKafka(body: string, framing: Framing, limits: { maxRecordBytes: number; maxDepth: number }): FramedForKafka {
  const out: FramedForKafka = { records: [], indexOf: [], rejected: [] }
  let index = 0
  const accept = (raw: string, value: unknown) => {
    const tooLarge = oversize(raw, limits.maxRecordBytes)
    if (tooLarge !== undefined) out.rejected.push({ index, code: 'RECORD_TOO_LARGE', reason: tooLarge, raw: raw.slice(0, 65536) })
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
        if (isNdjsonBody(body)) {
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
    case 'zeek':
      // each row travels as the Zeek JSON entry it stands for (the header is not in a message)
      for (const e of parseZeekTsv(body)) {
        if ('reason' in e) out.rejected.push({ index: index++, line: e.line, code: 'RECORD_ZEEK_MISMATCH', reason: e.reason, raw: e.raw })
        else accept(JSON.stringify(e.value), e.value)
      }
      break
    case 'records':
      break
  }
  return out
}

/** How a CSV row travels through Kafka: `{"__watchfloor_csv":{"column":"cell",...}}`. */
export const CSV_KEY = '__watchfloor_csv'
const CSV_PREFIX = `{"${CSV_KEY}":`

/** Records of one message: a line each; JSON when it starts like JSON, else a text line. */
export function frameMessage(value: string, topic: string, partition: number, offset: string): FramedRecord[] {
  const out: FramedRecord[] = []
  let line = 0
  for (const raw of value.split('\n')) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (text.trim() === '') continue
    const id = stableId(`kafka/${topic}/${partition}/${offset}/${line++}`)
    const c = text.trimStart()[0]
    if (text.startsWith(CSV_PREFIX)) {
      // a CSV row produced by Watchfloor's HTTP ingest: its cells under the header's names
      try {
        const cells = (JSON.parse(text) as { [CSV_KEY]: Record<string, string> })[CSV_KEY]
        if (typeof cells === 'object' && cells !== null) {
          out.push({ kind: 'csv', raw: text, cells, id })
          continue
        }
      } catch {
        // not ours after all: decoded as JSON below
      }
    }
    out.push({ kind: c === '{' || c === '[' ? 'json' : 'text', raw: text, id })
  }
  return out
}

/** Keys of records: the source IP, else the host, so an entity's events stay in one partition. */
export function recordKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const r = value as Record<string, unknown>
  const pick = (...vs: unknown[]) => {
    for (const v of vs) if (typeof v === 'string' && v !== '') return v
    return undefined
  }
  const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)
  return pick(
    r.source_ip, r.src_ip, r.srcip, r['id.orig_h'], obj(r.id)?.orig_h, obj(r.source)?.ip, r.sourceIPAddress, r.IpAddress,
    obj(r.data)?.srcip,
    r.hostname, obj(r.host)?.name, typeof r.host === 'string' ? r.host : undefined, r.Hostname, r.Computer, obj(r.agent)?.name,
  )
}

/** A record HTTP ingest hands to Kafka: its text (one message) and its key. */
export interface OutgoingRecord {
  raw: string
  key: string | undefined
}
