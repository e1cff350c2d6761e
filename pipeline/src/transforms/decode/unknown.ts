/**
 * Any JSON object no decoder recognised: status `unknown`, plus what is generically findable at
 * the top level (a time-like key, an IP-looking source / destination, message, host, user).
 * Unusable values are skipped silently: nothing was promised about this shape.
 */
import { normalizeIp } from '../normalize/ip.js'
import { toPort } from '../normalize/numbers.js'
import { toIsoTimestamp } from '../normalize/time.js'
import { isRecord, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

const TIME_KEYS = ['@timestamp', 'timestamp', 'time', 'ts', 'datetime', 'date', 'eventTime', 'event_time', 'EventTime', 'TimeCreated', 'created_at', 'createdAt', 'received_at'] as const
const SRC_KEYS = ['src', 'source_ip', 'ip', 'src_ip', 'srcip', 'client_ip', 'remote_addr', 'sourceIPAddress'] as const
const DST_KEYS = ['dst', 'dest_ip', 'dst_ip', 'dstip', 'destination_ip'] as const
const MESSAGE_KEYS = ['message', 'msg', 'Message', 'log', 'raw_log'] as const
const HOST_KEYS = ['host', 'hostname', 'Hostname', 'host_name', 'computer', 'Computer'] as const
const USER_KEYS = ['user', 'username', 'user_name', 'userName'] as const

function first<T>(r: Record<string, unknown>, keys: readonly string[], f: (v: unknown) => T | undefined): T | undefined {
  for (const k of keys) {
    const v = r[k]
    if (v === undefined) continue
    const out = f(v)
    if (out !== undefined) return out
  }
  return undefined
}

export const unknownDecoder: Decoder = {
  name: 'unknown',
  detect(v) {
    return isRecord(v)
  },
  decode(v, ctx) {
    const d = new Draft('unknown', 'unknown')
    if (!isRecord(v)) return d.result(ctx)
    // small numbers under a time-like key are usually durations, not epochs
    d.timestamp = first(v, TIME_KEYS, (x) => (typeof x === 'number' && x < 1e8 ? undefined : toIsoTimestamp(x)))
    d.srcIp = first(v, SRC_KEYS, normalizeIp)
    d.dstIp = first(v, DST_KEYS, normalizeIp)
    d.srcPort = first(v, ['src_port', 'source_port', 'srcport', 'sport'], toPort)
    d.dstPort = first(v, ['dst_port', 'dest_port', 'dstport', 'dport'], toPort)
    d.message = first(v, MESSAGE_KEYS, strOnly)
    const host = v.host
    d.hostName = isRecord(host) ? strOnly(host.name) ?? strOnly(host.hostname) : first(v, HOST_KEYS, strOnly)
    d.userName = first(v, USER_KEYS, strOnly)
    return d.result(ctx)
  },
}
