/**
 * Zeek JSON logs: `ts` (epoch seconds or ISO), `uid`, the connection tuple as literal dotted keys
 * (`id.orig_h`, `id.orig_p`, `id.resp_h`, `id.resp_p`) or nested (`id: { orig_h, ... }`),
 * `proto`, `service`, optional `_path` (conn, dns, http, ssl, ssh, notice...).
 */
import { toInt, toNumber, toTransport } from '../normalize/numbers.js'
import { isRecord, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

export const zeekDecoder: Decoder = {
  name: 'zeek',
  detect(v) {
    if (!isRecord(v) || !('ts' in v)) return false
    if ('id.orig_h' in v || 'uid' in v) return true
    const id = v.id
    return isRecord(id) && 'orig_h' in id
  },
  decode(v, ctx) {
    const r = v as Record<string, unknown>
    const d = new Draft('zeek')
    d.timestamp = d.time(r.ts, 'ts')
    const path = strOnly(r._path)
    d.kind = path === 'notice' ? 'alert' : 'event'
    d.module = 'zeek'
    d.dataset = path !== undefined ? `zeek.${path}` : 'zeek'
    d.category = ['network']

    const id = isRecord(r.id) ? r.id : undefined
    if (id !== undefined) {
      d.srcIp = d.ip(id.orig_h, 'id.orig_h')
      d.srcPort = d.port(id.orig_p, 'id.orig_p')
      d.dstIp = d.ip(id.resp_h, 'id.resp_h')
      d.dstPort = d.port(id.resp_p, 'id.resp_p')
    } else {
      d.srcIp = d.ip(r['id.orig_h'], 'id.orig_h')
      d.srcPort = d.port(r['id.orig_p'], 'id.orig_p')
      d.dstIp = d.ip(r['id.resp_h'], 'id.resp_h')
      d.dstPort = d.port(r['id.resp_p'], 'id.resp_p')
    }
    d.transport = toTransport(r.proto)
    d.protocol = strOnly(r.service)

    switch (path) {
      case 'conn':
        d.type = ['connection']
        d.action = strOnly(r.conn_state)
        d.srcBytes = toNumber(r.orig_bytes)
        d.dstBytes = toNumber(r.resp_bytes)
        break
      case 'dns':
        d.type = ['protocol', 'info']
        d.dstDomain = strOnly(r.query)
        break
      case 'http':
        d.type = ['protocol', 'info']
        d.url = strOnly(r.uri)
        d.dstDomain = strOnly(r.host)
        d.userAgent = strOnly(r.user_agent)
        d.userName = strOnly(r.username)
        d.httpMethod = strOnly(r.method)
        d.httpStatus = toInt(r.status_code)
        if (d.httpStatus !== undefined) d.outcome = d.httpStatus >= 400 ? 'failure' : 'success'
        break
      case 'ssl':
        d.type = ['protocol', 'info']
        d.dstDomain = strOnly(r.server_name)
        break
      case 'ssh':
        d.category = ['network', 'authentication']
        d.type = ['protocol', 'info']
        if (r.auth_success === true) d.outcome = 'success'
        else if (r.auth_success === false) d.outcome = 'failure'
        break
      case 'notice':
        d.ruleName = strOnly(r.note)
        d.message = strOnly(r.msg)
        break
      default:
        break
    }
    d.message ??= strOnly(r.msg)
    return d.result(ctx)
  },
}
