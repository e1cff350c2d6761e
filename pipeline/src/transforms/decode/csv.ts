/**
 * CSV rows (header -> cell objects from the CSV framing). Which decoder a row goes to is decided
 * by the framing, not by shape detection: call `decodeCsvRow` directly. Common column names are
 * mapped case-insensitively. Columns whose name contains `label` (e.g. AIT's `time_label`,
 * `event_label`) are ground truth for evaluation and are never mapped to any field: they stay
 * only in the raw text.
 */
import { toPid, toTransport } from '../normalize/numbers.js'
import { severityFromAny } from '../normalize/severity.js'
import { isRecord } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { DecodeContext, DecodeResult, Decoder } from './types.js'

type Target =
  | 'time' | 'srcIp' | 'srcPort' | 'dstIp' | 'dstPort' | 'host' | 'user' | 'message' | 'msg' | 'name' | 'alert'
  | 'signature' | 'eventType' | 'severity' | 'transport' | 'ruleId' | 'category' | 'action' | 'url' | 'userAgent'
  | 'commandLine' | 'process' | 'pid'

const COLUMNS: ReadonlyMap<string, Target> = new Map<string, Target>([
  ['time', 'time'], ['timestamp', 'time'], ['@timestamp', 'time'], ['date', 'time'], ['datetime', 'time'], ['ts', 'time'],
  ['event_time', 'time'], ['eventtime', 'time'],
  ['ip', 'srcIp'], ['src_ip', 'srcIp'], ['source_ip', 'srcIp'], ['srcip', 'srcIp'], ['src', 'srcIp'], ['source_address', 'srcIp'],
  ['client_ip', 'srcIp'],
  ['src_port', 'srcPort'], ['source_port', 'srcPort'], ['srcport', 'srcPort'], ['sport', 'srcPort'],
  ['dst_ip', 'dstIp'], ['dest_ip', 'dstIp'], ['dstip', 'dstIp'], ['destination_ip', 'dstIp'], ['dst', 'dstIp'],
  ['dst_port', 'dstPort'], ['dest_port', 'dstPort'], ['dstport', 'dstPort'], ['destination_port', 'dstPort'], ['dport', 'dstPort'],
  ['host', 'host'], ['hostname', 'host'], ['host_name', 'host'], ['computer', 'host'],
  ['user', 'user'], ['username', 'user'], ['user_name', 'user'], ['account', 'user'],
  ['message', 'message'], ['msg', 'msg'], ['name', 'name'], ['alert', 'alert'], ['signature', 'signature'],
  ['event_type', 'eventType'], ['type', 'eventType'],
  ['severity', 'severity'], ['level', 'severity'], ['priority', 'severity'],
  ['proto', 'transport'], ['protocol', 'transport'], ['transport', 'transport'],
  ['rule_id', 'ruleId'], ['sid', 'ruleId'], ['signature_id', 'ruleId'],
  ['category', 'category'], ['action', 'action'], ['url', 'url'], ['user_agent', 'userAgent'],
  ['command_line', 'commandLine'], ['commandline', 'commandLine'], ['cmdline', 'commandLine'],
  ['process', 'process'], ['process_name', 'process'], ['image', 'process'], ['pid', 'pid'],
])

/** Column name -> target, memoized per distinct header name (headers repeat on every row). */
const memo = new Map<string, Target | null>()

function targetOf(column: string): Target | null {
  let t = memo.get(column)
  if (t === undefined) {
    const lower = column.trim().toLowerCase()
    t = lower.includes('label') ? null : COLUMNS.get(lower) ?? null
    if (memo.size < 4096) memo.set(column, t)
  }
  return t
}

/** Message priority: message > msg > name > alert > signature; rule name: signature > alert > name > message > msg. */
const MESSAGE_ORDER = ['message', 'msg', 'name', 'alert', 'signature'] as const
const RULE_ORDER = ['signature', 'alert', 'name', 'message', 'msg'] as const

/** Decodes one CSV row (header -> cell). Empty cells are absent. */
export function decodeCsvRow(row: Record<string, string>, ctx: DecodeContext): DecodeResult {
  const d = new Draft('csv')
  const texts: Partial<Record<(typeof MESSAGE_ORDER)[number], string>> = {}
  let mapped = 0
  for (const column in row) {
    const target = targetOf(column)
    if (target === null) continue
    const cell = row[column]
    if (typeof cell !== 'string' || cell.length === 0 || cell === '-') continue
    mapped++
    switch (target) {
      case 'time': d.timestamp ??= d.time(cell, column); break
      case 'srcIp': d.srcIp ??= d.ip(cell, column); break
      case 'srcPort': d.srcPort ??= d.port(cell, column); break
      case 'dstIp': d.dstIp ??= d.ip(cell, column); break
      case 'dstPort': d.dstPort ??= d.port(cell, column); break
      case 'host': d.hostName ??= cell; break
      case 'user': d.userName ??= cell; break
      case 'message': case 'msg': case 'name': case 'alert': case 'signature': texts[target] ??= cell; break
      case 'eventType':
        d.legacyEventType ??= cell
        d.action ??= cell
        break
      case 'severity': {
        const s = severityFromAny(cell)
        if (s === undefined) d.note(`${column}: expected a number 0-100 or a level name`)
        d.severity ??= s
        break
      }
      case 'transport': d.transport ??= toTransport(cell); break
      case 'ruleId': d.ruleId ??= cell; break
      case 'category': d.ruleCategory ??= cell; break
      case 'action': d.action ??= cell; break
      case 'url': d.url ??= cell; break
      case 'userAgent': d.userAgent ??= cell; break
      case 'commandLine': d.commandLine ??= cell; break
      case 'process': d.processName ??= cell; break
      case 'pid': d.pid ??= toPid(cell); break
    }
  }
  for (const k of MESSAGE_ORDER) {
    const t = texts[k]
    if (t !== undefined) {
      d.message = t
      break
    }
  }
  for (const k of RULE_ORDER) {
    const t = texts[k]
    if (t !== undefined) {
      d.ruleName = t
      break
    }
  }
  d.kind = 'event'
  if (mapped === 0) d.status = 'unknown'
  return d.result(ctx)
}

export const csvDecoder: Decoder = {
  name: 'csv',
  /** CSV rows are routed by the framing, never by shape. */
  detect() {
    return false
  },
  decode(v, ctx) {
    const row: Record<string, string> = {}
    if (isRecord(v)) for (const k in v) if (typeof v[k] === 'string') row[k] = v[k]
    return decodeCsvRow(row, ctx)
  },
}
