/**
 * Windows event mapping shared by the three Windows shapes (evtx nested, NXLog flat, Winlogbeat):
 * channel classification, EventID -> ECS category/type/action, and the EventData fields
 * (Sysmon and Security auditing use the same names in all three shapes).
 */
import { toPid, toTransport } from '../normalize/numbers.js'
import { basename, splitDomainUser, str } from '../normalize/values.js'
import type { Draft } from './draft.js'

export type ChannelKind = 'security' | 'sysmon' | 'system' | 'powershell' | 'other'

interface ChannelInfo {
  kind: ChannelKind
  dataset: string
}

interface Classification {
  category?: readonly string[]
  type?: readonly string[]
  action: string
  outcome?: 'success' | 'failure'
}

const c = (action: string, category?: readonly string[], type?: readonly string[], outcome?: 'success' | 'failure'): Classification => {
  const out: Classification = { action }
  if (category !== undefined) out.category = category
  if (type !== undefined) out.type = type
  if (outcome !== undefined) out.outcome = outcome
  return out
}

const SYSMON: ReadonlyMap<number, Classification> = new Map([
  [1, c('process-created', ['process'], ['start'])],
  [2, c('file-creation-time-changed', ['file'], ['change'])],
  [3, c('network-connection', ['network'], ['connection', 'start'])],
  [4, c('sysmon-service-state-changed', ['configuration'], ['change'])],
  [5, c('process-terminated', ['process'], ['end'])],
  [6, c('driver-loaded', ['driver'], ['start'])],
  [7, c('image-loaded', ['process'], ['change'])],
  [8, c('create-remote-thread', ['process'], ['change'])],
  [9, c('raw-access-read', ['process'], ['access'])],
  [10, c('process-access', ['process'], ['access'])],
  [11, c('file-created', ['file'], ['creation'])],
  [12, c('registry-key-created-or-deleted', ['registry'], ['change'])],
  [13, c('registry-value-set', ['registry'], ['change'])],
  [14, c('registry-key-renamed', ['registry'], ['change'])],
  [15, c('file-stream-created', ['file'], ['creation'])],
  [16, c('sysmon-config-changed', ['configuration'], ['change'])],
  [17, c('pipe-created', ['file'], ['creation'])],
  [18, c('pipe-connected', ['file'], ['access'])],
  [19, c('wmi-filter-registered', ['process'], ['change'])],
  [20, c('wmi-consumer-registered', ['process'], ['change'])],
  [21, c('wmi-consumer-bound', ['process'], ['change'])],
  [22, c('dns-query', ['network'], ['protocol', 'info'])],
  [23, c('file-deleted', ['file'], ['deletion'])],
  [24, c('clipboard-changed', ['process'], ['change'])],
  [25, c('process-tampering', ['process'], ['change'])],
  [26, c('file-deleted-detected', ['file'], ['deletion'])],
  [27, c('file-executable-blocked', ['file'], ['denied'], 'failure')],
  [28, c('file-shredding-blocked', ['file'], ['denied'], 'failure')],
  [29, c('file-executable-detected', ['file'], ['creation'])],
])

const SECURITY: ReadonlyMap<number, Classification> = new Map([
  [1102, c('audit-log-cleared', ['configuration'], ['deletion'])],
  [4624, c('logged-in', ['authentication'], ['start'], 'success')],
  [4625, c('logon-failed', ['authentication'], ['start'], 'failure')],
  [4634, c('logged-out', ['authentication'], ['end'])],
  [4647, c('logged-out', ['authentication'], ['end'])],
  [4648, c('logged-in-explicit', ['authentication'], ['start'])],
  [4656, c('object-handle-requested')],
  [4657, c('registry-value-modified', ['registry'], ['change'])],
  [4658, c('object-handle-closed')],
  [4660, c('object-deleted')],
  [4661, c('object-handle-requested')],
  [4662, c('object-operation-performed')],
  [4663, c('object-access-attempted')],
  [4670, c('permissions-changed', ['iam'], ['change'])],
  [4672, c('logged-in-special', ['iam'], ['admin'])],
  [4673, c('privileged-service-called', ['iam'], ['admin'])],
  [4674, c('privileged-operation', ['iam'], ['admin'])],
  [4688, c('created-process', ['process'], ['start'])],
  [4689, c('exited-process', ['process'], ['end'])],
  [4690, c('handle-duplicated')],
  [4697, c('service-installed', ['iam', 'configuration'], ['admin', 'change'])],
  [4698, c('scheduled-task-created', ['iam', 'configuration'], ['creation', 'admin'])],
  [4699, c('scheduled-task-deleted', ['iam', 'configuration'], ['deletion', 'admin'])],
  [4700, c('scheduled-task-enabled', ['iam', 'configuration'], ['change', 'admin'])],
  [4701, c('scheduled-task-disabled', ['iam', 'configuration'], ['change', 'admin'])],
  [4702, c('scheduled-task-updated', ['iam', 'configuration'], ['change', 'admin'])],
  [4703, c('token-right-adjusted', ['iam'], ['change'])],
  [4719, c('audit-policy-changed', ['configuration'], ['change'])],
  [4720, c('added-user-account', ['iam'], ['user', 'creation'])],
  [4722, c('enabled-user-account', ['iam'], ['user', 'change'])],
  [4723, c('changed-password', ['iam'], ['user', 'change'])],
  [4724, c('reset-password', ['iam'], ['user', 'change'])],
  [4725, c('disabled-user-account', ['iam'], ['user', 'change'])],
  [4726, c('deleted-user-account', ['iam'], ['user', 'deletion'])],
  [4728, c('added-member-to-group', ['iam'], ['group', 'change'])],
  [4729, c('removed-member-from-group', ['iam'], ['group', 'change'])],
  [4732, c('added-member-to-group', ['iam'], ['group', 'change'])],
  [4733, c('removed-member-from-group', ['iam'], ['group', 'change'])],
  [4738, c('modified-user-account', ['iam'], ['user', 'change'])],
  [4740, c('locked-out-user-account', ['iam'], ['user', 'change'])],
  [4756, c('added-member-to-group', ['iam'], ['group', 'change'])],
  [4757, c('removed-member-from-group', ['iam'], ['group', 'change'])],
  [4768, c('kerberos-authentication-ticket-requested', ['authentication'], ['start'])],
  [4769, c('kerberos-service-ticket-requested', ['authentication'], ['start'])],
  [4770, c('kerberos-service-ticket-renewed', ['authentication'], ['start'])],
  [4771, c('kerberos-preauth-failed', ['authentication'], ['start'], 'failure')],
  [4776, c('credential-validated', ['authentication'], ['start'])],
  [4778, c('session-reconnected', ['authentication'], ['start'])],
  [4779, c('session-disconnected', ['authentication'], ['end'])],
  [4798, c('user-member-enumerated', ['iam'], ['user', 'info'])],
  [4799, c('group-membership-enumerated', ['iam'], ['group', 'info'])],
  [5140, c('network-share-object-accessed', ['network', 'file'], ['info', 'access'])],
  [5145, c('network-share-object-access-checked', ['network', 'file'], ['info', 'access'])],
  [5156, c('network-connection-allowed', ['network'], ['connection', 'allowed', 'start'])],
  [5157, c('network-connection-blocked', ['network'], ['connection', 'denied'], 'failure')],
  [5158, c('network-bind-allowed', ['network'], ['allowed', 'start'])],
])

const SYSTEM: ReadonlyMap<number, Classification> = new Map([
  [104, c('log-cleared', ['configuration'], ['deletion'])],
  [7036, c('service-state-changed', ['configuration'], ['change'])],
  [7040, c('service-start-type-changed', ['configuration'], ['change'])],
  [7045, c('service-installed', ['configuration'], ['creation'])],
])

const POWERSHELL: ReadonlyMap<number, Classification> = new Map([
  [400, c('engine-started', ['process'], ['start'])],
  [403, c('engine-stopped', ['process'], ['end'])],
  [600, c('provider-started', ['process'], ['info'])],
  [800, c('pipeline-execution-details', ['process'], ['info'])],
  [4103, c('module-logging', ['process'], ['info'])],
  [4104, c('script-block-logging', ['process'], ['info'])],
  [4105, c('script-block-invocation-started', ['process'], ['start'])],
  [4106, c('script-block-invocation-completed', ['process'], ['end'])],
])

/** Events where the account of interest is the *target* user (logons, Kerberos, NTLM). */
const TARGET_USER_EVENTS: ReadonlySet<number> = new Set([4624, 4625, 4634, 4647, 4768, 4769, 4770, 4771, 4776, 4778, 4779])

const channelCache = new Map<string, ChannelInfo>()
const DATASET_CHARS_RE = /[^a-z0-9]+/g

/** Kind and ECS dataset (`windows.security`, `windows.sysmon_operational`) of a channel; cached. */
export function channelInfo(channel: string | undefined, provider: string | undefined): ChannelInfo {
  const key = channel ?? ''
  let info = channelCache.get(key)
  if (info === undefined) {
    const lower = key.toLowerCase()
    const kind: ChannelKind =
      lower === 'security' ? 'security'
      : lower.startsWith('microsoft-windows-sysmon') ? 'sysmon'
      : lower === 'system' ? 'system'
      : lower === 'windows powershell' || lower.startsWith('microsoft-windows-powershell') ? 'powershell'
      : 'other'
    const suffix = lower.replace(/^microsoft-windows-/, '').replace(DATASET_CHARS_RE, '_').replace(/^_+|_+$/g, '')
    info = { kind, dataset: suffix.length > 0 ? `windows.${suffix}` : 'windows' }
    if (channelCache.size < 512) channelCache.set(key, info)
  }
  if (info.kind === 'other' && provider === 'Microsoft-Windows-Sysmon') return { kind: 'sysmon', dataset: info.dataset }
  return info
}

/** Sets event category/type/action/outcome from the EventID (only fields still unset). */
export function classify(d: Draft, kind: ChannelKind, eid: number | undefined): void {
  if (eid === undefined) return
  const table = kind === 'sysmon' ? SYSMON : kind === 'security' ? SECURITY : kind === 'system' ? SYSTEM : kind === 'powershell' ? POWERSHELL : undefined
  const cls = table?.get(eid)
  if (cls === undefined) return
  d.action ??= cls.action
  if (d.category === undefined && cls.category !== undefined) d.category = cls.category.slice()
  if (d.type === undefined && cls.type !== undefined) d.type = cls.type.slice()
  if (cls.outcome !== undefined) d.outcome ??= cls.outcome
}

/** EventID from a number, numeric string, or evtx `{ '#text': n }`. */
export function eventIdOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined
  if (typeof v === 'string') {
    const n = Number(v)
    return v.length > 0 && v.length <= 6 && Number.isInteger(n) && n >= 0 ? n : undefined
  }
  if (typeof v === 'object' && v !== null && '#text' in v) return eventIdOf((v as { '#text': unknown })['#text'])
  return undefined
}

const SRC_IP_KEYS = ['SourceIp', 'SourceAddress', 'IpAddress'] as const
const SRC_PORT_KEYS = ['SourcePort', 'IpPort'] as const
const DST_IP_KEYS = ['DestinationIp', 'DestAddress'] as const
const DST_PORT_KEYS = ['DestinationPort', 'DestPort'] as const

/** The first of `keys` present in `data` (not undefined / null), with its name for notes. */
function firstOf(data: Record<string, unknown>, keys: readonly string[]): [key: string, value: unknown] {
  for (const k of keys) {
    const v = data[k]
    if (v !== undefined && v !== null) return [k, v]
  }
  return ['', undefined]
}

/**
 * Maps EventData fields (Sysmon and Security auditing names) into the draft; fields already
 * set by the caller win. `data` may be the whole flat record (NXLog) or the EventData object.
 */
export function mapEventData(d: Draft, data: Record<string, unknown>, kind: ChannelKind, eid: number | undefined): void {
  // --- process
  if (kind === 'security' && eid === 4688) {
    d.executable ??= str(data.NewProcessName)
    d.pid ??= toPid(data.NewProcessId)
    d.parentExecutable ??= str(data.ParentProcessName)
    d.parentPid ??= toPid(data.ProcessId)
  } else {
    d.executable ??= str(data.Image) ?? str(data.ProcessName) ?? str(data.Application) ?? str(data.SourceImage)
    d.pid ??= toPid(data.ProcessId ?? data.ProcessID ?? data.SourceProcessId)
    d.parentExecutable ??= str(data.ParentImage)
    d.parentPid ??= toPid(data.ParentProcessId)
    d.parentCommandLine ??= str(data.ParentCommandLine)
  }
  d.commandLine ??= str(data.CommandLine)
  if (d.executable !== undefined) d.processName ??= basename(d.executable)
  if (d.parentExecutable !== undefined) d.parentName ??= basename(d.parentExecutable)

  // --- user
  if (d.userName === undefined) {
    if (eid !== undefined && kind === 'security' && TARGET_USER_EVENTS.has(eid)) {
      d.userName = str(data.TargetUserName)
      d.userDomain ??= str(data.TargetDomainName)
      d.userId ??= str(data.TargetUserSid)
    } else {
      const subject = str(data.SubjectUserName)
      if (subject !== undefined) {
        d.userName = subject
        d.userDomain ??= str(data.SubjectDomainName)
        d.userId ??= str(data.SubjectUserSid)
      } else {
        const user = str(data.User) ?? str(data.UserName)
        if (user !== undefined) {
          const [domain, name] = splitDomainUser(user)
          d.userName = name
          if (domain !== undefined) d.userDomain ??= domain
        } else {
          // NXLog's resolved System/Security UserID: AccountName, Domain and the SID itself
          const account = str(data.AccountName)
          if (account !== undefined) {
            d.userName = account
            d.userDomain ??= str(data.Domain)
            d.userId ??= str(data.UserID)
          }
        }
      }
      const target = str(data.TargetUserName)
      if (target !== undefined && target !== d.userName) d.targetUserName ??= target
    }
  }
  // a bare SID (System/Security UserID) is only used when no account name was found at all
  if (d.userName === undefined) d.userId ??= str(data.UserID)

  // --- network
  if (d.srcIp === undefined) {
    const [ipKey, ip] = firstOf(data, SRC_IP_KEYS)
    d.srcIp = d.ip(ip, ipKey)
    const [portKey, port] = firstOf(data, SRC_PORT_KEYS)
    d.srcPort ??= d.port(port, portKey)
  }
  if (d.dstIp === undefined) {
    const [ipKey, ip] = firstOf(data, DST_IP_KEYS)
    d.dstIp = d.ip(ip, ipKey)
    const [portKey, port] = firstOf(data, DST_PORT_KEYS)
    d.dstPort ??= d.port(port, portKey)
  }
  d.srcDomain ??= str(data.SourceHostname) ?? str(data.WorkstationName) ?? str(data.Workstation)
  d.dstDomain ??= str(data.DestinationHostname) ?? str(data.QueryName)
  d.dnsQuery ??= str(data.QueryName)
  if (data.Protocol !== undefined) d.transport ??= toTransport(data.Protocol)

  // --- file / registry
  const objectType = data.ObjectType
  d.filePath ??= str(data.TargetFilename) ?? str(data.ImageLoaded) ?? (objectType === 'File' ? str(data.ObjectName) : undefined)
  if (d.filePath !== undefined) d.fileName ??= basename(d.filePath)
  else d.fileName ??= str(data.PipeName)
  d.registryPath ??= str(data.TargetObject) ?? (objectType === 'Key' ? str(data.ObjectName) : undefined)
  if (d.registryPath !== undefined) d.registryValue ??= str(data.Details) ?? str(data.NewValue)

  // --- rule (Sysmon's RuleName is the name of the config rule that matched)
  d.ruleName ??= str(data.RuleName)
  if (eid === 4104) d.message ??= str(data.ScriptBlockText)
}
