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
  original_encoding: string
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
    original_encoding: s(event.watchfloor.original_encoding),
  }
}

/** `,"key":"value"` when the value is a non-empty string, else nothing. */
function str(key: string, v: string | undefined): string {
  return typeof v === 'string' && v !== '' ? key + JSON.stringify(v) : ''
}

/** `,"key":n` when the value is a non-zero integer in [0, max], else nothing. */
function num(key: string, v: number | undefined, max: number): string {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max ? key + v : ''
}

/** `,"key":[...]` with the array's strings when there is at least one, else nothing. */
function list(key: string, v: readonly string[] | undefined): string {
  if (!Array.isArray(v) || v.length === 0) return ''
  const xs = strings(v)
  return xs.length === 0 ? '' : key + JSON.stringify(xs)
}

/**
 * The row as JSONEachRow with empty strings, zeros and empty arrays left out: the columns'
 * defaults are the same values, and a typical record fills a fraction of the ~50 columns, so this
 * halves the bytes the engine parses. Written straight from the event, in `eventToRow`'s column
 * order (the same text as serialising that row without its empty values; a test holds them equal).
 *
 * `originalIsObject`: the original is the text of one JSON object, as received. It is then
 * written as that object, not as an escaped string: ClickHouse reads a JSON object given for a
 * String column as its text, verbatim (`input_format_json_read_objects_as_strings`, set on every
 * insert), so the stored `original` is the same string without escaping every quote here and
 * unescaping it in the engine.
 */
export function eventRowJson(event: CanonicalEvent, original: string, originalIsObject = false): string {
  const e = event.event
  const wf = event.watchfloor
  const src = event.source
  const dst = event.destination
  const user = event.user
  const proc = event.process
  const parent = proc?.parent
  const ingestedAt = toClickHouseDateTime(e.ingested) ?? EPOCH_TEXT
  const out =
    str(',"event_id":', e.id) +
    str(',"timestamp":', toClickHouseDateTime(event['@timestamp']) ?? ingestedAt) +
    str(',"ingested_at":', ingestedAt) +
    str(',"source":', wf.source) +
    str(',"decoder":', wf.decoder) +
    str(',"decode_status":', wf.decode_status) +
    list(',"decode_notes":', wf.decode_notes) +
    str(',"event_kind":', e.kind) +
    list(',"event_category":', e.category) +
    list(',"event_type":', e.type) +
    str(',"event_action":', e.action) +
    str(',"event_code":', e.code) +
    str(',"event_outcome":', e.outcome) +
    str(',"event_dataset":', e.dataset) +
    str(',"event_module":', e.module) +
    str(',"event_provider":', e.provider) +
    num(',"event_severity":', e.severity, 255) +
    str(',"legacy_event_type":', wf.event_type) +
    str(',"source_ip":', src?.ip) +
    num(',"source_port":', src?.port, 65535) +
    str(',"destination_ip":', dst?.ip) +
    num(',"destination_port":', dst?.port, 65535) +
    str(',"network_transport":', event.network?.transport) +
    str(',"network_protocol":', event.network?.protocol) +
    str(',"user_name":', user?.name) +
    str(',"user_domain":', user?.domain) +
    str(',"user_id":', user?.id) +
    str(',"user_target_name":', user?.target?.name) +
    str(',"host_name":', event.host?.name) +
    list(',"host_ip":', event.host?.ip) +
    num(',"process_pid":', proc?.pid, 0xffffffff) +
    str(',"process_name":', proc?.name) +
    str(',"process_executable":', proc?.executable) +
    str(',"process_command_line":', proc?.command_line) +
    str(',"process_parent_name":', parent?.name) +
    str(',"process_parent_executable":', parent?.executable) +
    str(',"process_parent_command_line":', parent?.command_line) +
    str(',"rule_id":', event.rule?.id) +
    str(',"rule_name":', event.rule?.name) +
    str(',"rule_category":', event.rule?.category) +
    str(',"url_original":', event.url?.original) +
    str(',"file_path":', event.file?.path) +
    str(',"registry_path":', event.registry?.path) +
    str(',"cloud_provider":', event.cloud?.provider) +
    str(',"cloud_region":', event.cloud?.region) +
    str(',"cloud_account_id":', event.cloud?.account?.id) +
    str(',"user_agent":', event.user_agent?.original) +
    str(',"message":', event.message)
  // a lone surrogate in log text would make ClickHouse refuse the whole insert (see rowJson)
  let fields = out.includes('\\ud') || out.includes('\\uD') ? ',' + rowJson(JSON.parse('{' + out.slice(1) + '}')).slice(1, -1) : out
  // a raw object's own text is not scanned: escapes in it are its text, and a lone surrogate
  // character in it is written to UTF-8 as U+FFFD, as rowJson makes it
  if (original !== '') fields += ',"original":' + (originalIsObject ? original : rowJson(original))
  if (wf.original_encoding !== undefined) fields += ',"original_encoding":"' + wf.original_encoding + '"'
  return fields === '' ? '{}' : '{' + fields.slice(1) + '}'
}

/** True when `raw` is exactly the text of a JSON object (what `JSON.parse(raw)` gave `value`): no whitespace around it. */
export function isObjectText(raw: string, value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && raw.charCodeAt(0) === 0x7b && raw.charCodeAt(raw.length - 1) === 0x7d
}
