/**
 * Zeek JSON logs (and Zeek ASCII logs, which the framing turns into the same JSON): `ts` (epoch
 * seconds or ISO), `uid`, the connection tuple as literal dotted keys (`id.orig_h`, `id.orig_p`,
 * `id.resp_h`, `id.resp_p`) or nested (`id: { orig_h, ... }`), `proto`, `service`, optional `_path`
 * (conn, dns, http, ssl, ssh, kerberos, ntlm, rdp, dce_rpc, smb_files, smb_mapping, notice...).
 * Authentication logs (kerberos, ntlm, rdp, ssh) become ECS authentication events with the
 * account and the outcome, so the brute force and spraying rules apply to network telemetry.
 */
import { toInt, toNumber, toTransport } from '../normalize/numbers.js'
import { isRecord, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

/** A Zeek authentication log entry: an ECS authentication event over `protocol`, its outcome from `success` (T/F). */
function authentication(d: Draft, protocol: string, success: unknown): void {
  d.category = ['network', 'authentication']
  d.type = ['protocol', 'start']
  d.protocol = protocol
  if (success === true) d.outcome = 'success'
  else if (success === false) d.outcome = 'failure'
}

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
        d.dnsQuery = strOnly(r.query)
        d.dnsType = strOnly(r.qtype_name)
        d.action = strOnly(r.rcode_name)
        // a name that does not exist is a failed lookup (subdomain brute force, zone walking)
        if (d.action === 'NXDOMAIN') d.outcome = 'failure'
        else if (d.action === 'NOERROR') d.outcome = 'success'
        break
      case 'kerberos': {
        authentication(d, 'kerberos', r.success)
        d.action = strOnly(r.request_type)
        // client is `user/REALM`; the account is the user part
        const client = strOnly(r.client)
        if (client !== undefined) {
          const [user, realm] = client.split('/')
          d.userName = user || undefined
          d.userDomain = realm || undefined
        }
        d.message = strOnly(r.error_msg)
        break
      }
      case 'ntlm':
        authentication(d, 'ntlm', r.success)
        d.userName = strOnly(r.username)
        d.userDomain = strOnly(r.domainname)
        d.srcDomain = strOnly(r.hostname)
        break
      case 'rdp': {
        authentication(d, 'rdp', undefined)
        // the mstshash cookie carries the account name the client offered
        d.userName = strOnly(r.cookie)
        d.srcDomain = strOnly(r.client_name)
        const result = strOnly(r.result)
        d.action = result
        if (result !== undefined) d.outcome = result === 'Success' ? 'success' : 'failure'
        break
      }
      case 'dce_rpc':
        d.type = ['protocol', 'info']
        d.protocol = 'dce_rpc'
        d.action = [strOnly(r.endpoint), strOnly(r.operation)].filter((x) => x !== undefined).join('::') || undefined
        break
      case 'smb_files':
      case 'smb_mapping': {
        d.category = ['network', 'file']
        d.type = ['protocol', 'access']
        d.protocol = 'smb'
        d.action = strOnly(r.action) ?? strOnly(r.share_type)
        const share = strOnly(r.path)
        const name = strOnly(r.name)
        d.fileName = name
        d.filePath = share !== undefined && name !== undefined ? `${share.replace(/\\+$/, '')}\\${name}` : (share ?? name)
        break
      }
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
