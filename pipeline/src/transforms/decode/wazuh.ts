/**
 * Wazuh alerts: `{ timestamp, rule{level, description, id, groups, mitre}, agent{id, name, ip},
 * manager{name}, full_log, decoder{name}, location, data{srcip, srcport, dstip, dstport,
 * srcuser, dstuser, ...} }`, recognised by that envelope (the rule may be partial: no level, no
 * description). An alert on a Windows event (`decoder.name: windows_eventchannel`, `data.win`)
 * is the Windows event itself as Sysmon and the event log spell it (`windowsRecordOf`): decoded
 * like any flattened Windows event and matched by the same Sigma rules, with Wazuh's rule kept.
 */
import { severityFromWazuhLevel } from '../normalize/severity.js'
import { isRecord, str, strOnly, toStringArray } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { DecodeContext, DecodeResult, Decoder } from './types.js'
import { accessLogDecoder } from './access_log.js'
import { auditdDecoder } from './auditd.js'
import { syslogDecoder } from './syslog.js'
import { windowsFlatDecoder } from './windows_flat.js'

/** `commandLine` -> `CommandLine`: Wazuh lower-cases the first letter of the event's own field names. */
const pascal = (k: string) => (k.length === 0 ? k : k[0]!.toUpperCase() + k.slice(1))

/** Event-log System fields as flattened Windows records name them. */
const SYSTEM: Readonly<Record<string, string>> = {
  eventID: 'EventID',
  channel: 'Channel',
  providerName: 'SourceName',
  computer: 'Hostname',
  level: 'Level',
  task: 'Task',
  opcode: 'Opcode',
  keywords: 'Keywords',
  eventRecordID: 'RecordNumber',
  processID: 'ExecutionProcessID',
  threadID: 'ExecutionThreadID',
  message: 'Message',
  severityValue: 'Severity',
}

/**
 * The Windows event inside a Wazuh alert, flattened as NXLog and the OTRF datasets do (System and
 * EventData fields side by side, spelled as Windows spells them), or undefined for other alerts.
 * `systemTime` is UTC (ISO 8601 with Z), so it becomes `@timestamp`.
 */
export function windowsRecordOf(v: unknown): Record<string, unknown> | undefined {
  if (!isRecord(v) || !isRecord(v.data) || !isRecord(v.data.win)) return undefined
  const win = v.data.win
  const system = isRecord(win.system) ? win.system : {}
  const eventdata = isRecord(win.eventdata) ? win.eventdata : {}
  const out: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(eventdata)) out[pascal(k)] = val
  for (const [k, val] of Object.entries(system)) {
    const name = SYSTEM[k]
    if (name !== undefined && out[name] === undefined) out[name] = val
  }
  if (typeof system.message === 'string') out.Message = system.message.replace(/^"|"$/g, '')
  if (typeof system.systemTime === 'string') out['@timestamp'] = system.systemTime
  if (out.EventID === undefined || (out.Channel === undefined && out.SourceName === undefined)) return undefined
  return out
}

/** Wazuh's own judgement, kept on the event: its rule, level, groups (and the alert kind). */
function withWazuhRule(res: DecodeResult, rule: Record<string, unknown>, r: Record<string, unknown>): DecodeResult {
  if (!res.ok) return res
  const ev = res.event
  ev.event.kind = 'alert'
  ev.watchfloor.decoder = 'wazuh'
  const name = strOnly(rule.description)
  const groups = toStringArray(rule.groups)
  ev.rule = { ...(ev.rule ?? {}), ...(str(rule.id) !== undefined ? { id: str(rule.id)! } : {}), ...(name !== undefined ? { name } : {}), ...(groups !== undefined ? { category: groups.join(',') } : {}), ...(str(rule.level) !== undefined ? { level: str(rule.level)! } : {}) }
  const agent = isRecord(r.agent) ? r.agent : undefined
  if (ev.host === undefined && strOnly(agent?.name) !== undefined) ev.host = { name: strOnly(agent?.name)! }
  return res
}

/** Text decoders a Wazuh `full_log` may be decoded with (most specific first). */
const TEXT: readonly Decoder[] = [auditdDecoder, accessLogDecoder, syslogDecoder]

/**
 * The logged line itself (`full_log`), when it is one Watchfloor reads (sshd/syslog, auditd, web
 * access logs), fills what the alert's own fields do not say: what happened (category, outcome,
 * action), who and from where, the process and the URL. Wazuh's fields and its time win.
 */
function borrowFromLine(d: Draft, fullLog: string | undefined, ctx: DecodeContext): void {
  if (fullLog === undefined) return
  const text = TEXT.find((t) => t.detect(fullLog))
  if (text === undefined) return
  const res = text.decode(fullLog, ctx)
  if (!res.ok) return
  const line = res.event
  if (d.category === undefined && line.event.category !== undefined) {
    d.category = [...line.event.category]
    if (line.event.type !== undefined) d.type = [...line.event.type]
    d.outcome ??= line.event.outcome
  }
  d.action ??= line.event.action
  d.protocol ??= line.network?.protocol
  d.userName ??= line.user?.name
  d.srcIp ??= line.source?.ip
  d.processName ??= line.process?.name
  d.commandLine ??= line.process?.command_line
  d.url ??= line.url?.original
}

export const wazuhDecoder: Decoder = {
  name: 'wazuh',
  detect(v) {
    if (!isRecord(v)) return false
    const rule = v.rule
    return isRecord(rule) && ('id' in rule || 'level' in rule) && (isRecord(v.agent) || 'manager' in v || 'decoder' in v || 'full_log' in v || 'location' in v)
  },
  decode(v, ctx) {
    const r = v as Record<string, unknown>
    const rule = r.rule as Record<string, unknown>
    const windows = windowsRecordOf(r)
    if (windows !== undefined) return withWazuhRule(windowsFlatDecoder.decode(windows, ctx), rule, r)

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
    // file integrity monitoring (syscheck): the file and what happened to it
    const fim = isRecord(r.syscheck) ? r.syscheck : undefined
    if (fim !== undefined) {
      d.filePath = strOnly(fim.path)
      d.category = ['file']
      d.action = strOnly(fim.event)
      d.userName ??= strOnly(fim.uname_after)
    }
    borrowFromLine(d, strOnly(r.full_log), ctx)
    d.message = strOnly(r.full_log) ?? d.ruleName
    return d.result(ctx)
  },
}
