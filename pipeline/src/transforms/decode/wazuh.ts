/**
 * Wazuh alerts: `{ timestamp, rule{level, description, id, groups, mitre}, agent{id, name, ip},
 * manager{name}, full_log, decoder{name}, location, data{srcip, srcport, dstip, dstport,
 * srcuser, dstuser, ...} }`.
 */
import { severityFromWazuhLevel } from '../normalize/severity.js'
import { isRecord, str, strOnly, toStringArray } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

export const wazuhDecoder: Decoder = {
  name: 'wazuh',
  detect(v) {
    if (!isRecord(v)) return false
    const rule = v.rule
    return isRecord(rule) && 'level' in rule && (isRecord(v.agent) || 'manager' in v || 'decoder' in v || 'full_log' in v)
  },
  decode(v, ctx) {
    const r = v as Record<string, unknown>
    const rule = r.rule as Record<string, unknown>
    const d = new Draft('wazuh')
    d.timestamp = r.timestamp !== undefined ? d.time(r.timestamp, 'timestamp') : undefined
    d.timestamp ??= d.time(r['@timestamp'], '@timestamp')
    d.kind = 'alert'
    d.module = 'wazuh'
    d.dataset = 'wazuh.alerts'

    const level = rule.level
    d.severity = severityFromWazuhLevel(level)
    if (d.severity === undefined && level !== undefined) d.note('rule.level: expected an integer 0-15')
    d.ruleLevel = str(level)
    d.ruleId = str(rule.id)
    d.code = d.ruleId
    d.ruleName = strOnly(rule.description)
    const groups = toStringArray(rule.groups)
    if (groups !== undefined) {
      d.ruleCategory = groups.join(',')
      if (groups.includes('authentication_failed') || groups.includes('authentication_failures') || groups.includes('invalid_login')) {
        d.category = ['authentication']
        d.outcome = 'failure'
      } else if (groups.includes('authentication_success')) {
        d.category = ['authentication']
        d.outcome = 'success'
      }
    }
    const decoder = r.decoder
    if (isRecord(decoder)) d.provider = strOnly(decoder.name)

    const agent = isRecord(r.agent) ? r.agent : undefined
    const manager = isRecord(r.manager) ? r.manager : undefined
    d.hostName = strOnly(agent?.name) ?? strOnly(manager?.name)
    if (agent !== undefined && agent.ip !== undefined) {
      const ip = d.ip(agent.ip, 'agent.ip')
      if (ip !== undefined) d.hostIp = [ip]
    }

    const data = r.data
    if (isRecord(data)) {
      d.srcIp = d.ip(data.srcip, 'data.srcip')
      d.srcPort = d.port(data.srcport, 'data.srcport')
      d.dstIp = d.ip(data.dstip, 'data.dstip')
      d.dstPort = d.port(data.dstport, 'data.dstport')
      d.transport = strOnly(data.protocol)?.toLowerCase()
      const srcUser = strOnly(data.srcuser)
      const dstUser = strOnly(data.dstuser)
      if (srcUser !== undefined && dstUser !== undefined && srcUser !== dstUser) {
        d.userName = srcUser
        d.targetUserName = dstUser
      } else d.userName = dstUser ?? srcUser
      d.url = strOnly(data.url)
      d.action = strOnly(data.action)
    }
    d.message = strOnly(r.full_log) ?? d.ruleName
    return d.result(ctx)
  },
}
