import type { CanonicalEvent } from '@watchfloor/contracts'
import { toClickHouseDateTime } from '../../transforms/normalize/time.js'
import { rowJson } from './values.js'

/** The flat ClickHouse row of the events table, one key per column, values in the column's type. */
export type EventRow = {
  event_id: string
  timestamp: string
  ingested_at: string
  source: string
  decoder: string
  decode_status: string
  decode_notes: string[]
  event_kind: string
  event_category: string[]
  event_type: string[]
  event_action: string
  event_code: string
  event_outcome: string
  event_dataset: string
  event_module: string
  event_provider: string
  event_severity: number
  legacy_event_type: string
  source_ip: string
  source_port: number
  destination_ip: string
  destination_port: number
  network_transport: string
  network_protocol: string
  user_name: string
  user_domain: string
  user_id: string
  user_target_name: string
  host_name: string
  host_ip: string[]
  process_pid: number
  process_name: string
  process_executable: string
  process_command_line: string
  process_parent_name: string
  process_parent_executable: string
  process_parent_command_line: string
  rule_id: string
  rule_name: string
  rule_category: string
  url_original: string
  file_path: string
  registry_path: string
  cloud_provider: string
  cloud_region: string
  cloud_account_id: string
  user_agent: string
  message: string
  original: string
}

const EPOCH_TEXT = '1970-01-01 00:00:00.000'

function s(v: string | undefined): string {
  return typeof v === 'string' ? v : ''
}

function uint(v: number | undefined, max: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : 0
}

function strings(v: readonly string[] | undefined): string[] {
  if (!Array.isArray(v) || v.length === 0) return []
  for (const x of v) if (typeof x !== 'string') return v.filter((y): y is string => typeof y === 'string')
  return v as string[]
}

/**
 * The ClickHouse row for one event (JSONEachRow: `JSON.stringify(row)` is one line).
 * Absent strings are `''`, absent numbers `0`, absent arrays `[]`; times are
 * `YYYY-MM-DD hh:mm:ss.fff` UTC for DateTime64(3, 'UTC').
 */
export function eventToRow(event: CanonicalEvent, raw: string): EventRow {
  const e = event.event
  const wf = event.watchfloor
  const src = event.source
  const dst = event.destination
  const user = event.user
  const proc = event.process
  const parent = proc?.parent
  const ingestedAt = toClickHouseDateTime(e.ingested) ?? EPOCH_TEXT
  return {
    event_id: e.id,
    timestamp: toClickHouseDateTime(event['@timestamp']) ?? ingestedAt,
    ingested_at: ingestedAt,
    source: s(wf.source),
    decoder: wf.decoder,
    decode_status: wf.decode_status,
    decode_notes: strings(wf.decode_notes),
    event_kind: s(e.kind),
    event_category: strings(e.category),
    event_type: strings(e.type),
    event_action: s(e.action),
    event_code: s(e.code),
    event_outcome: s(e.outcome),
    event_dataset: s(e.dataset),
    event_module: s(e.module),
    event_provider: s(e.provider),
    event_severity: uint(e.severity, 255),
    legacy_event_type: s(wf.event_type),
    source_ip: s(src?.ip),
    source_port: uint(src?.port, 65535),
    destination_ip: s(dst?.ip),
    destination_port: uint(dst?.port, 65535),
    network_transport: s(event.network?.transport),
    network_protocol: s(event.network?.protocol),
    user_name: s(user?.name),
    user_domain: s(user?.domain),
    user_id: s(user?.id),
    user_target_name: s(user?.target?.name),
    host_name: s(event.host?.name),
    host_ip: strings(event.host?.ip),
    process_pid: uint(proc?.pid, 0xffffffff),
    process_name: s(proc?.name),
    process_executable: s(proc?.executable),
    process_command_line: s(proc?.command_line),
    process_parent_name: s(parent?.name),
    process_parent_executable: s(parent?.executable),
    process_parent_command_line: s(parent?.command_line),
    rule_id: s(event.rule?.id),
    rule_name: s(event.rule?.name),
    rule_category: s(event.rule?.category),
    url_original: s(event.url?.original),
    file_path: s(event.file?.path),
    registry_path: s(event.registry?.path),
    cloud_provider: s(event.cloud?.provider),
    cloud_region: s(event.cloud?.region),
    cloud_account_id: s(event.cloud?.account?.id),
    user_agent: s(event.user_agent?.original),
    message: s(event.message),
    original: typeof raw === 'string' ? raw : '',
  }
}

/**
 * The row as JSONEachRow with empty strings, zeros and empty arrays left out: the columns'
 * defaults are the same values, and a typical record fills a fraction of the ~50 columns, so this
 * halves the bytes the engine parses.
 */
export function eventRowJson(ev: CanonicalEvent, original: string): string {
  const row = eventToRow(ev, original) as Record<string, unknown>
  let out = '{'
  for (const key in row) {
    const v = row[key]
    if (v === '' || v === 0 || v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue
    out += (out.length > 1 ? ',"' : '"') + key + '":' + JSON.stringify(v)
  }
  out += '}'
  // a lone surrogate in log text would make ClickHouse refuse the whole insert (see rowJson)
  return out.includes('\\ud') || out.includes('\\uD') ? rowJson(JSON.parse(out)) : out
}
