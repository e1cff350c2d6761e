/**
 * Generic ECS JSON as Logstash, Filebeat / Beats and Vector emit it. The ECS fields the record
 * already carries are copied after validation: an unusable value (an IP that is not an IP, a
 * port outside 0-65535, a string field holding an object...) is dropped with a decode note and
 * the event is `partial`.
 */
import { toInt, toNumber, toPid } from '../normalize/numbers.js'
import { severityFromAny, severityFromName } from '../normalize/severity.js'
import { basename, describe, isRecord, toStringArray } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

type Obj = Record<string, unknown>

function obj(v: unknown): Obj | undefined {
  return isRecord(v) ? v : undefined
}

function strings(d: Draft, v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined
  const out = toStringArray(v)
  if (out === undefined && !(Array.isArray(v) && v.length === 0)) d.note(`${field}: expected a string or an array of strings, got ${describe(v)}`)
  return out
}

function pid(d: Draft, v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined
  const p = toPid(v)
  if (p === undefined) d.note(`${field}: expected an integer process id, got ${describe(v)}`)
  return p
}

function endpoint(d: Draft, e: Obj | undefined, name: string): [string | undefined, number | undefined, string | undefined] {
  if (e === undefined) return [undefined, undefined, undefined]
  const ip = d.ip(e.ip ?? e.address, `${name}.ip`)
  const port = d.port(e.port, `${name}.port`)
  const domain = d.text(e.domain, `${name}.domain`)
  return [ip, port, domain]
}

/**
 * Copies the ECS fields of `r` into the draft (fields already set in the draft win).
 * Shared with the Winlogbeat decoder.
 */
export function mapEcs(d: Draft, r: Obj): void {
  const ts = r['@timestamp']
  if (ts !== undefined) d.timestamp ??= d.time(ts, '@timestamp')
  else if (r.timestamp !== undefined) d.timestamp ??= d.time(r.timestamp, 'timestamp')

  if (r.message !== undefined) d.message ??= d.text(r.message, 'message')

  const e = obj(r.event)
  if (e !== undefined) {
    d.kind ??= d.text(e.kind, 'event.kind')
    d.category ??= strings(d, e.category, 'event.category')
    d.type ??= strings(d, e.type, 'event.type')
    d.action ??= d.text(e.action, 'event.action')
    d.code ??= d.text(e.code, 'event.code')
    const outcome = e.outcome
    if (outcome === 'success' || outcome === 'failure' || outcome === 'unknown') d.outcome ??= outcome
    else if (outcome !== undefined && outcome !== null) d.note(`event.outcome: expected success, failure or unknown, got ${describe(outcome)}`)
    d.dataset ??= d.text(e.dataset, 'event.dataset')
    d.module ??= d.text(e.module, 'event.module')
    d.provider ??= d.text(e.provider, 'event.provider')
    if (e.severity !== undefined && e.severity !== null) {
      const sev = severityFromAny(e.severity)
      if (sev === undefined) d.note(`event.severity: expected a number 0-100, got ${describe(e.severity)}`)
      d.severity ??= sev
    }
  }
  const log = obj(r.log)
  if (log !== undefined && d.severity === undefined) d.severity = severityFromName(log.level)

  const host = r.host
  if (typeof host === 'string') d.hostName ??= host.length > 0 ? host : undefined
  else if (isRecord(host)) {
    d.hostName ??= d.text(host.name, 'host.name') ?? d.text(host.hostname, 'host.hostname')
    const ips = host.ip
    if (ips !== undefined && ips !== null && d.hostIp === undefined) {
      const list = Array.isArray(ips) ? ips : [ips]
      const out: string[] = []
      for (const x of list) {
        const ip = d.ip(x, 'host.ip')
        if (ip !== undefined) out.push(ip)
      }
      if (out.length > 0) d.hostIp = out
    }
  }
  if (d.hostName === undefined) {
    const agent = obj(r.agent)
    if (agent !== undefined) d.hostName = d.text(agent.hostname, 'agent.hostname') ?? d.text(agent.name, 'agent.name')
  }

  if (d.srcIp === undefined && d.srcPort === undefined) {
    const [ip, port, domain] = endpoint(d, obj(r.source) ?? obj(r.client), 'source')
    d.srcIp = ip
    d.srcPort = port
    d.srcDomain ??= domain
  }
  if (d.dstIp === undefined && d.dstPort === undefined) {
    const [ip, port, domain] = endpoint(d, obj(r.destination) ?? obj(r.server), 'destination')
    d.dstIp = ip
    d.dstPort = port
    d.dstDomain ??= domain
  }
  d.srcBytes ??= toNumber(obj(r.source)?.bytes)
  d.dstBytes ??= toNumber(obj(r.destination)?.bytes)
  const http = obj(r.http)
  if (http !== undefined) {
    d.httpMethod ??= d.text(obj(http.request)?.method, 'http.request.method')
    d.httpStatus ??= toInt(obj(http.response)?.status_code)
  }
  const net = obj(r.network)
  if (net !== undefined) {
    d.transport ??= d.text(net.transport, 'network.transport')
    d.protocol ??= d.text(net.protocol, 'network.protocol')
  }

  const user = obj(r.user)
  if (user !== undefined) {
    d.userName ??= d.text(user.name, 'user.name')
    d.userDomain ??= d.text(user.domain, 'user.domain')
    d.userId ??= d.text(user.id, 'user.id')
    const target = obj(user.target)
    if (target !== undefined) d.targetUserName ??= d.text(target.name, 'user.target.name')
  }

  const p = obj(r.process)
  if (p !== undefined) {
    d.pid ??= pid(d, p.pid, 'process.pid')
    d.executable ??= d.text(p.executable, 'process.executable')
    d.processName ??= d.text(p.name, 'process.name') ?? basename(d.executable)
    d.commandLine ??= d.text(p.command_line, 'process.command_line')
    const pp = obj(p.parent)
    if (pp !== undefined) {
      d.parentPid ??= pid(d, pp.pid, 'process.parent.pid')
      d.parentExecutable ??= d.text(pp.executable, 'process.parent.executable')
      d.parentName ??= d.text(pp.name, 'process.parent.name') ?? basename(d.parentExecutable)
      d.parentCommandLine ??= d.text(pp.command_line, 'process.parent.command_line')
    }
  }

  const rule = obj(r.rule)
  if (rule !== undefined) {
    d.ruleId ??= d.text(rule.id, 'rule.id')
    d.ruleName ??= d.text(rule.name, 'rule.name')
    d.ruleCategory ??= d.text(rule.category, 'rule.category')
  }
  const url = obj(r.url)
  if (url !== undefined) d.url ??= d.text(url.original, 'url.original') ?? d.text(url.full, 'url.full')
  const file = obj(r.file)
  if (file !== undefined) {
    d.filePath ??= d.text(file.path, 'file.path')
    d.fileName ??= d.text(file.name, 'file.name') ?? basename(d.filePath)
  }
  const reg = obj(r.registry)
  if (reg !== undefined) {
    d.registryPath ??= d.text(reg.path, 'registry.path')
    d.registryValue ??= d.text(reg.value, 'registry.value')
  }
  const cloud = obj(r.cloud)
  if (cloud !== undefined) {
    d.cloudProvider ??= d.text(cloud.provider, 'cloud.provider')
    d.cloudRegion ??= d.text(cloud.region, 'cloud.region')
    const account = obj(cloud.account)
    if (account !== undefined) d.cloudAccountId ??= d.text(account.id, 'cloud.account.id')
  }
  const ua = obj(r.user_agent)
  if (ua !== undefined) d.userAgent ??= d.text(ua.original, 'user_agent.original')
  const dns = obj(r.dns)
  const question = dns !== undefined ? obj(dns.question) : undefined
  if (question !== undefined) {
    d.dnsQuery ??= d.text(question.name, 'dns.question.name')
    d.dnsType ??= d.text(question.type, 'dns.question.type')
    d.dstDomain ??= d.dnsQuery
    if (dns?.response_code === 'NXDOMAIN') d.outcome ??= 'failure'
  }
}

export const ecsDecoder: Decoder = {
  name: 'ecs',
  detect(v) {
    if (!isRecord(v)) return false
    if ('@timestamp' in v || isRecord(v.ecs)) return true
    // Vector: `timestamp` plus its `source_type` or the log `message`
    return 'timestamp' in v && ('source_type' in v || 'message' in v)
  },
  decode(v, ctx) {
    const d = new Draft('ecs')
    mapEcs(d, v as Obj)
    return d.result(ctx)
  },
}
