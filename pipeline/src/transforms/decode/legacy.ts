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
import { mapAuthMessage } from './syslog.js'
import type { Decoder, DecodeResult } from './types.js'

/**
 * The seed systems' vocabulary: their `event_type` identifiers and the free text their generator
 * and examples send ("Failed Login", "Port Scan"), normalized to lower case with `_` between words.
 * Activity (a logon, a connection) becomes ECS category/outcome/action, so the stateful rules (brute
 * force, spraying, scans) count it like any other source's; a finding the source already made (a
 * scan, malware, privilege escalation, exfiltration) becomes an alert record (`event.kind: alert`)
 * whose `rule.name` states it, which the "reported by the source" rules carry with ATT&CK.
 */
type Activity = { category: string[]; type: string[]; outcome?: 'success' | 'failure'; action: string }
const LOGIN_FAILED: Activity = { category: ['authentication'], type: ['start'], outcome: 'failure', action: 'login' }
const LOGIN_OK: Activity = { category: ['authentication'], type: ['start'], outcome: 'success', action: 'login' }
const ACTIVITY: Readonly<Record<string, Activity>> = {
  ssh_failed_login: { ...LOGIN_FAILED, action: 'ssh_login' },
  ssh_login_failed: { ...LOGIN_FAILED, action: 'ssh_login' },
  ssh_failure: { ...LOGIN_FAILED, action: 'ssh_login' },
  ssh_login: { ...LOGIN_OK, action: 'ssh_login' },
  ssh_successful_login: { ...LOGIN_OK, action: 'ssh_login' },
  ssh_success: { ...LOGIN_OK, action: 'ssh_login' },
  failed_login: LOGIN_FAILED,
  login_failed: LOGIN_FAILED,
  login_failure: LOGIN_FAILED,
  failed_logon: LOGIN_FAILED,
  logon_failure: LOGIN_FAILED,
  authentication_failure: LOGIN_FAILED,
  auth_failure: LOGIN_FAILED,
  failed_authentication: LOGIN_FAILED,
  invalid_user: LOGIN_FAILED,
  successful_login: LOGIN_OK,
  login_success: LOGIN_OK,
  login: LOGIN_OK,
  logon: LOGIN_OK,
  successful_logon: LOGIN_OK,
  authentication_success: LOGIN_OK,
  connection: { category: ['network'], type: ['connection'], action: 'connection' },
  network_connection: { category: ['network'], type: ['connection'], action: 'connection' },
  firewall_block: { category: ['network'], type: ['denied'], outcome: 'failure', action: 'firewall_block' },
  process_start: { category: ['process'], type: ['start'], action: 'process_start' },
  process_execution: { category: ['process'], type: ['start'], action: 'process_start' },
}
/** Findings the source already made: the name the reported-by-the-source rules read. */
const FINDINGS: Readonly<Record<string, { name: string; category: string[] }>> = {
  port_scan: { name: 'Port Scan', category: ['network', 'intrusion_detection'] },
  network_scan: { name: 'Port Scan', category: ['network', 'intrusion_detection'] },
  host_scan: { name: 'Port Scan (host sweep)', category: ['network', 'intrusion_detection'] },
  brute_force: { name: 'Brute Force', category: ['authentication', 'intrusion_detection'] },
  password_spray: { name: 'Brute Force (password spraying)', category: ['authentication', 'intrusion_detection'] },
  password_spraying: { name: 'Brute Force (password spraying)', category: ['authentication', 'intrusion_detection'] },
  malware_detected: { name: 'Malware Detected', category: ['malware', 'intrusion_detection'] },
  malware: { name: 'Malware Detected', category: ['malware', 'intrusion_detection'] },
  malware_execution: { name: 'Malware Detected (execution)', category: ['malware', 'intrusion_detection'] },
  privilege_escalation: { name: 'Privilege Escalation', category: ['intrusion_detection'] },
  data_exfiltration: { name: 'Data Exfiltration', category: ['network', 'intrusion_detection'] },
  exfiltration: { name: 'Data Exfiltration', category: ['network', 'intrusion_detection'] },
  dns_exfiltration: { name: 'Data Exfiltration (DNS tunnelling)', category: ['network', 'intrusion_detection'] },
  lateral_movement: { name: 'Lateral Movement', category: ['intrusion_detection'] },
  credential_dumping: { name: 'Credential Dumping', category: ['intrusion_detection'] },
  credential_access: { name: 'Credential Dumping', category: ['intrusion_detection'] },
  command_and_control: { name: 'Command and Control', category: ['network', 'intrusion_detection'] },
  c2_beacon: { name: 'Command and Control (beacon)', category: ['network', 'intrusion_detection'] },
  sql_injection: { name: 'Web Attack (SQL injection)', category: ['web', 'intrusion_detection'] },
  web_attack: { name: 'Web Attack', category: ['web', 'intrusion_detection'] },
  persistence: { name: 'Persistence Mechanism Created', category: ['intrusion_detection'] },
}

/** `"Failed Login"`, `failed-login`, `FAILED_LOGIN` -> `failed_login`. */
export function seedType(v: string): string {
  return v
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
}

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
    const kind = typeof eventType === 'string' ? seedType(eventType) : ''
    const activity = ACTIVITY[kind]
    const finding = FINDINGS[kind]
    if (activity !== undefined) {
      d.category = [...activity.category]
      d.type = [...activity.type]
      if (activity.outcome !== undefined) d.outcome = activity.outcome
      d.action = activity.action
    } else if (finding !== undefined) {
      d.ruleName = finding.name
      d.ruleCategory = finding.name
      d.category = [...finding.category]
    }
    // what raw_log says, when it is an sshd message: the logon, its outcome and who (fields given explicitly win)
    if (typeof rawLog === 'string' && d.category === undefined) {
      const seen = new Draft('legacy')
      mapAuthMessage(seen, rawLog)
      if (seen.category !== undefined) {
        d.category = seen.category
        d.type = seen.type
        d.outcome = seen.outcome
        d.action = seen.action
        d.protocol = seen.protocol
        d.userName ??= seen.userName
        d.srcIp ??= seen.srcIp
      }
    }
    if (d.action === 'login' && (/\bssh[d2]?\b/i.test(typeof rawLog === 'string' ? rawLog : '') || kind.startsWith('ssh'))) d.action = 'ssh_login'

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
    d.kind = finding !== undefined ? 'alert' : 'event'
    return d.result(ctx)
  },
}
