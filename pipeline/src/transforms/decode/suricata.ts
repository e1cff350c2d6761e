/**
 * Suricata EVE JSON: `{ timestamp, flow_id, event_type, src_ip, src_port, dest_ip, dest_port,
 * proto, app_proto, alert{...}, http{...}, dns{...}, tls{...} }`.
 */
import { toInt, toNumber, toTransport } from '../normalize/numbers.js'
import { severityFromSuricata } from '../normalize/severity.js'
import { isRecord, str, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

const CATEGORY: ReadonlyMap<string, readonly string[]> = new Map([
  ['alert', ['network', 'intrusion_detection']],
  ['drop', ['network', 'intrusion_detection']],
  ['anomaly', ['network', 'intrusion_detection']],
  ['fileinfo', ['network', 'file']],
])

const TYPE: ReadonlyMap<string, readonly string[]> = new Map([
  ['flow', ['connection', 'end']],
  ['netflow', ['connection', 'end']],
  ['drop', ['denied']],
  ['dns', ['protocol', 'info']],
  ['http', ['protocol', 'info']],
  ['tls', ['protocol', 'info']],
  ['ssh', ['protocol', 'info']],
  ['smtp', ['protocol', 'info']],
])

export const suricataDecoder: Decoder = {
  name: 'suricata',
  detect(v) {
    if (!isRecord(v) || typeof v.event_type !== 'string' || !('timestamp' in v)) return false
    return 'src_ip' in v || 'flow_id' in v || 'in_iface' in v || 'pcap_cnt' in v || (v.event_type === 'stats' && isRecord(v.stats))
  },
  decode(v, ctx) {
    const r = v as Record<string, unknown>
    const d = new Draft('suricata')
    const type = r.event_type as string
    d.timestamp = d.time(r.timestamp, 'timestamp')
    d.module = 'suricata'
    d.dataset = 'suricata.eve'
    d.legacyEventType = type
    d.kind = type === 'alert' || type === 'drop' || type === 'anomaly' ? 'alert' : type === 'stats' ? 'metric' : 'event'
    d.category = CATEGORY.get(type)?.slice() ?? (type === 'stats' ? undefined : ['network'])
    d.type = TYPE.get(type)?.slice()
    d.action = type

    d.srcIp = d.ip(r.src_ip, 'src_ip')
    d.srcPort = d.port(r.src_port, 'src_port')
    d.dstIp = d.ip(r.dest_ip, 'dest_ip')
    d.dstPort = d.port(r.dest_port, 'dest_port')
    d.transport = toTransport(r.proto)
    d.protocol = strOnly(r.app_proto)
    d.hostName = strOnly(r.host)

    const alert = r.alert
    if (isRecord(alert)) {
      const sid = str(alert.signature_id)
      d.ruleId = sid
      d.code = sid
      d.ruleName = strOnly(alert.signature)
      d.ruleCategory = strOnly(alert.category)
      d.severity = severityFromSuricata(alert.severity)
      const action = strOnly(alert.action)
      if (action !== undefined) d.action = action
      d.message = d.ruleName
    }

    const http = r.http
    if (isRecord(http)) {
      d.url = strOnly(http.url)
      d.userAgent = strOnly(http.http_user_agent)
      d.dstDomain = strOnly(http.hostname)
      d.httpMethod = strOnly(http.http_method)
      d.httpStatus = toInt(http.status)
    }
    const flow = r.flow
    if (isRecord(flow)) {
      d.srcBytes = toNumber(flow.bytes_toserver)
      d.dstBytes = toNumber(flow.bytes_toclient)
    }
    const tls = r.tls
    if (isRecord(tls)) d.dstDomain ??= strOnly(tls.sni)
    const dns = r.dns
    if (isRecord(dns)) {
      // EVE v1/v2 put the name at the top of `dns`, v3 in `queries[]` (`query[]` in some versions)
      const list = Array.isArray(dns.queries) ? dns.queries : Array.isArray(dns.query) ? dns.query : undefined
      const query = list !== undefined && isRecord(list[0]) ? list[0] : undefined
      d.dnsQuery = strOnly(dns.rrname) ?? (query !== undefined ? strOnly(query.rrname) : undefined)
      d.dnsType = strOnly(dns.rrtype) ?? (query !== undefined ? strOnly(query.rrtype) : undefined)
      d.dstDomain ??= d.dnsQuery
      const rcode = strOnly(dns.rcode)
      if (rcode === 'NXDOMAIN') d.outcome = 'failure'
    }
    const fileinfo = r.fileinfo
    if (isRecord(fileinfo)) d.fileName = strOnly(fileinfo.filename)
    return d.result(ctx)
  },
}
