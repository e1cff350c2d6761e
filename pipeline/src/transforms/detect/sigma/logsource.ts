/**
 * Logsource routing: derive the Sigma (product, categories, services) of an event view and
 * index rules by logsource so that each event is tested only against rules that can apply.
 *
 * Categories that imply an EventID filter (process_creation = Sysmon 1 / Security 4688, ...)
 * are decided here; rules never need to test EventID themselves for them.
 */
import type { FieldView } from './fields.js'

export interface RuleLogsource {
  product?: string | undefined
  category?: string | undefined
  service?: string | undefined
}

export interface EventLogsource {
  product: string | undefined
  categories: string[]
  services: string[]
}

const SYSMON_CHANNEL = 'microsoft-windows-sysmon/operational'

/** Sysmon EventID -> Sigma categories. 12 is refined by EventType below. */
const SYSMON: Record<number, string[]> = {
  1: ['process_creation'],
  2: ['file_change'],
  3: ['network_connection'],
  4: ['sysmon_status'],
  5: ['process_termination'],
  6: ['driver_load'],
  7: ['image_load'],
  8: ['create_remote_thread'],
  9: ['raw_access_thread'],
  10: ['process_access'],
  11: ['file_event'],
  12: ['registry_add', 'registry_delete', 'registry_event'],
  13: ['registry_set', 'registry_event'],
  14: ['registry_rename', 'registry_event'],
  15: ['create_stream_hash'],
  16: ['sysmon_status'],
  17: ['pipe_created'],
  18: ['pipe_created'],
  19: ['wmi_event'],
  20: ['wmi_event'],
  21: ['wmi_event'],
  22: ['dns_query'],
  23: ['file_delete'],
  24: ['clipboard_change'],
  25: ['process_tampering'],
  26: ['file_delete'],
  27: ['file_block_executable'],
  28: ['file_block_shredding'],
  29: ['file_executable_detected'],
  255: ['sysmon_error'],
}

/** Lower-cased channel -> Sigma windows service. */
const CHANNEL_SERVICE: Record<string, string> = {
  security: 'security',
  system: 'system',
  application: 'application',
  [SYSMON_CHANNEL]: 'sysmon',
  'microsoft-windows-powershell/operational': 'powershell',
  'powershellcore/operational': 'powershell',
  'windows powershell': 'powershell-classic',
  'microsoft-windows-taskscheduler/operational': 'taskscheduler',
  'microsoft-windows-windows defender/operational': 'windefend',
  'microsoft-windows-wmi-activity/operational': 'wmi',
  'microsoft-windows-dns-client/operational': 'dns-client',
  'dns server': 'dns-server',
  'microsoft-windows-windows firewall with advanced security/firewall': 'firewall-as',
  'microsoft-windows-bits-client/operational': 'bits-client',
  'microsoft-windows-codeintegrity/operational': 'codeintegrity-operational',
  'microsoft-windows-appxdeploymentserver/operational': 'appxdeployment-server',
  'msexchange management': 'msexchange-management',
  'microsoft-windows-terminalservices-localsessionmanager/operational': 'terminalservices-localsessionmanager',
  'microsoft-windows-ntlm/operational': 'ntlm',
  'microsoft-windows-smbclient/security': 'smbclient-security',
  'microsoft-windows-smbclient/connectivity': 'smbclient-connectivity',
  'microsoft-windows-smbserver/connectivity': 'smbserver-connectivity',
  'microsoft-windows-security-mitigations/kernel mode': 'security-mitigations',
  'microsoft-windows-security-mitigations/user mode': 'security-mitigations',
  'microsoft-windows-printservice/admin': 'printservice-admin',
  'microsoft-windows-printservice/operational': 'printservice-operational',
  'microsoft-windows-shell-core/operational': 'shell-core',
  'microsoft-windows-lsa/operational': 'lsa-server',
  'microsoft-windows-iis-configuration/operational': 'iis-configuration',
  'microsoft-windows-driverframeworks-usermode/operational': 'driver-framework',
  'microsoft-windows-applocker/exe and dll': 'applocker',
  'microsoft-windows-applocker/msi and script': 'applocker',
  'microsoft-windows-applocker/packaged app-deployment': 'applocker',
  'microsoft-windows-applocker/packaged app-execution': 'applocker',
  'microsoft-windows-openssh/operational': 'openssh',
  'microsoft-servicebus-client': 'microsoft-servicebus-client',
  'microsoft-windows-ldap-client/debug': 'ldap',
  'microsoft-windows-diagnosis-scripted/operational': 'diagnosis-scripted',
  'microsoft-windows-capi2/operational': 'capi2',
  'microsoft-windows-certificateservicesclient-lifecycle-system/operational': 'certificateservicesclient-lifecycle-system',
  'microsoft-windows-dns-server/analytical': 'dns-server-analytic',
  'microsoft-windows-appmodel-runtime/admin': 'appmodel-runtime',
  'microsoft-windows-appxpackaging/operational': 'appxpackaging-om',
  'microsoft-windows-vhdmp/operational': 'vhdmp',
  'microsoft-windows-hyper-v-worker-admin': 'hyper-v-worker',
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v)
  return undefined
}

function looksWindows(f: FieldView): boolean {
  return f.Channel !== undefined && f.EventID !== undefined
}

function looksCloudTrail(f: FieldView): boolean {
  return (
    typeof f.eventSource === 'string' &&
    typeof f.eventName === 'string' &&
    (f.eventVersion !== undefined || f.userIdentity !== undefined || f.awsRegion !== undefined)
  )
}

/** auditd views carry `type` and the `msg=audit(time:serial)` record id (or the USER_* message). */
function looksAuditd(f: FieldView): boolean {
  return typeof f.type === 'string' && /^[A-Z0-9_]+$/.test(f.type) && typeof f.serial === 'string' && typeof f.timestamp === 'string'
}

/** Zeek log name (conn, dns, http, ...) from `_path`, else guessed from the fields of the log. */
function zeekService(f: FieldView): string | undefined {
  if (typeof f._path === 'string') return f._path.toLowerCase()
  if (typeof f.uid !== 'string' || (f['id.orig_h'] === undefined && f['id.resp_h'] === undefined)) return undefined
  if (f.qtype_name !== undefined || (f.query !== undefined && f.trans_id !== undefined)) return 'dns'
  if (f.method !== undefined && f.uri !== undefined) return 'http'
  if (f.endpoint !== undefined && f.operation !== undefined) return 'dce_rpc'
  if (typeof f.action === 'string' && f.action.startsWith('SMB::FILE')) return 'smb_files'
  if (f.request_type !== undefined && f.client !== undefined) return 'kerberos'
  if (f.cookie !== undefined && f.security_protocol !== undefined) return 'rdp'
  if (f.conn_state !== undefined) return 'conn'
  return ''
}

/** Derive the logsource of an event view: Windows, AWS CloudTrail, Linux auditd or Zeek. */
export function eventLogsource(f: FieldView): EventLogsource {
  if (!looksWindows(f)) {
    if (looksCloudTrail(f)) return { product: 'aws', categories: [], services: ['cloudtrail'] }
    if (looksAuditd(f)) return { product: 'linux', categories: [], services: ['auditd'] }
    const zs = zeekService(f)
    if (zs !== undefined) return { product: 'zeek', categories: [], services: zs === '' ? [] : [zs] }
    return { product: undefined, categories: [], services: [] }
  }
  const channel = typeof f.Channel === 'string' ? f.Channel.toLowerCase() : ''
  const eid = num(f.EventID)
  const categories: string[] = []
  const services: string[] = []
  const svc = CHANNEL_SERVICE[channel]
  if (svc !== undefined) services.push(svc)
  if (channel === SYSMON_CHANNEL && eid !== undefined) {
    let cats = SYSMON[eid]
    if (eid === 12 && typeof f.EventType === 'string') {
      const t = f.EventType.toLowerCase()
      if (t === 'createkey') cats = ['registry_add', 'registry_event']
      else if (t.startsWith('delete')) cats = ['registry_delete', 'registry_event']
    }
    if (cats !== undefined) categories.push(...cats)
  } else if (channel === 'security') {
    if (eid === 4688) categories.push('process_creation')
  } else if (
    channel === 'microsoft-windows-powershell/operational' ||
    channel === 'powershellcore/operational'
  ) {
    if (eid === 4104) categories.push('ps_script')
    else if (eid === 4103) categories.push('ps_module')
  } else if (channel === 'windows powershell') {
    if (eid === 400) categories.push('ps_classic_start')
    else if (eid === 600) categories.push('ps_classic_provider_start')
    else if (eid === 800) categories.push('ps_classic_script')
  } else if (channel === 'microsoft-windows-dns-client/operational') {
    if (eid === 3008) categories.push('dns_query')
  }
  return { product: 'windows', categories, services }
}

/**
 * Security 4688 uses different field names than Sysmon 1; SigmaHQ process_creation rules are
 * written against Sysmon names, so add the Sysmon names when absent.
 */
export function aliasFields(f: FieldView, ls: EventLogsource): void {
  if (ls.categories.includes('process_creation') && f.Image === undefined && f.NewProcessName !== undefined) {
    f.Image = f.NewProcessName
    if (f.ParentImage === undefined && f.ParentProcessName !== undefined) f.ParentImage = f.ParentProcessName
    if (f.ProcessId === undefined && f.NewProcessId !== undefined) f.ProcessId = f.NewProcessId
    if (f.User === undefined && f.SubjectUserName !== undefined) f.User = f.SubjectUserName
  }
}

const key = (p: string, c: string, s: string): string => `${p}\u0000${c}\u0000${s}`

/** Rules indexed by (product, category, service); a missing part is stored as ''. */
export class LogsourceIndex<T> {
  private readonly map = new Map<string, T[]>()

  add(ls: RuleLogsource, item: T): void {
    const k = key(ls.product?.toLowerCase() ?? '', ls.category?.toLowerCase() ?? '', ls.service?.toLowerCase() ?? '')
    let list = this.map.get(k)
    if (list === undefined) this.map.set(k, (list = []))
    list.push(item)
  }

  /** Every item whose logsource parts are each absent or equal to the event's. */
  candidates(ev: EventLogsource, out: T[] = []): T[] {
    const ps = ev.product === undefined ? [''] : [ev.product, '']
    const cs = [...ev.categories, '']
    const ss = [...ev.services, '']
    for (const p of ps)
      for (const c of cs)
        for (const s of ss) {
          if (p === '' && c === '' && s === '') continue // rules without any logsource never route
          const list = this.map.get(key(p, c, s))
          if (list !== undefined) for (const it of list) out.push(it)
        }
    return out
  }
}
