/**
 * The seed API's flat record: `{ timestamp, event_type, source_ip, dest_ip, username, hostname,
 * raw_log, source_port?, dest_port?, severity? }`. Existing producers send exactly this, so it is
 * validated strictly: a field of the wrong type or format rejects the record with
 * RECORD_INVALID_FIELD (`<field>: <what was expected>`). `null` and `''` count as absent.
 */
import { failure } from '../../errors.js'
import { normalizeIp } from '../normalize/ip.js'
import { toPort } from '../normalize/numbers.js'
import { severityFromAny } from '../normalize/severity.js'
import { toIsoTimestamp } from '../normalize/time.js'
import { isRecord } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder, DecodeResult } from './types.js'

function missing(v: unknown): boolean {
  return v === undefined || v === null || v === ''
}

export const legacyDecoder: Decoder = {
  name: 'legacy',
  detect(v) {
    if (!isRecord(v)) return false
    if ('raw_log' in v) return true
    if (!('event_type' in v)) return false
    // Suricata EVE also has event_type (+ timestamp, dest_ip) but uses src_ip / flow_id
    if ('src_ip' in v || 'flow_id' in v || 'in_iface' in v || 'pcap_cnt' in v) return false
    return 'source_ip' in v || 'dest_ip' in v || 'username' in v || 'hostname' in v || 'timestamp' in v
  },
  decode(v, ctx): DecodeResult {
    const r = v as Record<string, unknown>
    const d = new Draft('legacy')

    const ts = r.timestamp
    if (!missing(ts)) {
      if (typeof ts !== 'string' && typeof ts !== 'number') {
        return failure('RECORD_INVALID_FIELD', 'timestamp: expected an ISO 8601 string or epoch seconds/milliseconds number')
      }
      const iso = toIsoTimestamp(ts)
      if (iso === undefined) {
        return failure('RECORD_INVALID_FIELD', 'timestamp: expected an ISO 8601 string or epoch seconds/milliseconds number between 1970 and 2100')
      }
      d.timestamp = iso
    }

    for (const field of ['event_type', 'username', 'hostname', 'raw_log'] as const) {
      const x = r[field]
      if (!missing(x) && typeof x !== 'string') return failure('RECORD_INVALID_FIELD', `${field}: expected a string`)
    }
    const eventType = r.event_type as string | null | undefined
    if (typeof eventType === 'string' && eventType.length > 0) {
      d.legacyEventType = eventType
      d.action = eventType
    }
    const username = r.username
    if (typeof username === 'string' && username.length > 0) d.userName = username
    const hostname = r.hostname
    if (typeof hostname === 'string' && hostname.length > 0) d.hostName = hostname
    const rawLog = r.raw_log
    if (typeof rawLog === 'string' && rawLog.length > 0) d.message = rawLog

    const sip = r.source_ip
    if (!missing(sip)) {
      const ip = normalizeIp(sip)
      if (ip === undefined) return failure('RECORD_INVALID_FIELD', 'source_ip: expected an IPv4 or IPv6 address string')
      d.srcIp = ip
    }
    const dip = r.dest_ip
    if (!missing(dip)) {
      const ip = normalizeIp(dip)
      if (ip === undefined) return failure('RECORD_INVALID_FIELD', 'dest_ip: expected an IPv4 or IPv6 address string')
      d.dstIp = ip
    }
    for (const field of ['source_port', 'dest_port'] as const) {
      const x = r[field]
      if (missing(x)) continue
      const port = typeof x === 'number' || typeof x === 'string' ? toPort(x) : undefined
      if (port === undefined) return failure('RECORD_INVALID_FIELD', `${field}: expected an integer port 0-65535`)
      if (field === 'source_port') d.srcPort = port
      else d.dstPort = port
    }
    const sev = r.severity
    if (!missing(sev)) {
      const s = severityFromAny(sev)
      if (s === undefined) return failure('RECORD_INVALID_FIELD', 'severity: expected a number 0-100 or low/medium/high/critical')
      d.severity = s
    }
    d.kind = 'event'
    return d.result(ctx)
  },
}
