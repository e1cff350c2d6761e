/**
 * Flat field view of a Windows record for Sigma matching.
 *
 * Supported input shapes:
 * - evtx_dump nested: `{Event: {System: {...}, EventData: {...} | null, UserData?: {...}}}`
 * - flat OTRF / NXLog records: keys used as they are, plus `Computer` (from `Hostname`) and
 *   `Provider_Name` (from `SourceName` / `ProviderName`) when absent.
 * - Winlogbeat ECS (nested objects or dotted keys): `winlog.event_data.*` -> their names,
 *   `winlog.event_id` -> EventID, `winlog.channel` -> Channel, `winlog.provider_name` ->
 *   Provider_Name, `winlog.computer_name` -> Computer.
 * - AWS CloudTrail and Zeek JSON records: keys as they are, plus dotted paths (`userIdentity.type`,
 *   `requestParameters.attribute`) to the leaves of nested objects.
 * - Linux auditd text lines (`type=SYSCALL msg=audit(...): k=v ...`): their key=value pairs, unquoted,
 *   with hex-encoded values (proctitle, EXECVE args, exe/comm/name/cwd) decoded and `SYSCALL` set to
 *   the syscall name.
 * Anything else that is a plain object is used as it is.
 */
export type FieldView = Record<string, unknown>

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Unwrap evtx_dump `{'#text': x, '#attributes': ...}` wrappers. */
function text(v: unknown): unknown {
  if (isRecord(v) && '#text' in v) return v['#text']
  return v
}

function attr(v: unknown, name: string): unknown {
  if (!isRecord(v)) return undefined
  const a = v['#attributes']
  return isRecord(a) ? a[name] : undefined
}

function copyData(out: FieldView, data: Record<string, unknown>): void {
  for (const k in data) {
    if (k === '#attributes') continue
    const v = text(data[k])
    out[k] = v
    // Sigma refers to data names with spaces ("Source Name", Defender) without the spaces
    if (k.includes(' ')) {
      const alias = k.replace(/ /g, '')
      if (!(alias in data)) out[alias] = v
    }
  }
}

function fromNested(ev: Record<string, unknown>): FieldView {
  const out: FieldView = {}
  const sys = ev.System
  if (isRecord(sys)) {
    for (const k in sys) {
      const v = sys[k]
      if (k === 'Provider') {
        const name = attr(v, 'Name')
        if (name !== undefined) out.Provider_Name = name
        const guid = attr(v, 'Guid')
        if (guid !== undefined) out.Provider_Guid = guid
      } else if (k === 'Security') {
        const uid = attr(v, 'UserID')
        if (uid !== undefined) out.Security_UserID = uid
      } else if (k === 'TimeCreated') {
        const t = attr(v, 'SystemTime')
        if (t !== undefined) out.TimeCreated = t
      } else if (k === 'Execution') {
        const pid = attr(v, 'ProcessID')
        if (pid !== undefined) out.ExecutionProcessID = pid
        const tid = attr(v, 'ThreadID')
        if (tid !== undefined) out.ExecutionThreadID = tid
      } else {
        out[k] = text(v)
      }
    }
    const eid = out.EventID
    if (typeof eid === 'string' && /^\d+$/.test(eid)) out.EventID = Number(eid)
  }
  const data = ev.EventData
  if (isRecord(data)) copyData(out, data)
  const user = ev.UserData
  if (isRecord(user)) {
    for (const k in user) {
      if (k === '#attributes') continue
      const inner = user[k]
      if (isRecord(inner)) copyData(out, inner)
    }
  }
  return out
}

function fromFlat(r: Record<string, unknown>): FieldView {
  const out: FieldView = { ...r }
  if (out.Computer === undefined && r.Hostname !== undefined) out.Computer = r.Hostname
  if (out.Provider_Name === undefined) {
    const p = r.SourceName ?? r.ProviderName
    if (p !== undefined) out.Provider_Name = p
  }
  const eid = out.EventID
  if (typeof eid === 'string' && /^\d+$/.test(eid)) out.EventID = Number(eid)
  return out
}

function dotted(r: Record<string, unknown>, path: string): unknown {
  if (path in r) return r[path]
  let cur: unknown = r
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined
    cur = cur[part]
  }
  return cur
}

function fromEcs(r: Record<string, unknown>): FieldView {
  const out: FieldView = {}
  const data = dotted(r, 'winlog.event_data')
  if (isRecord(data)) copyData(out, data)
  for (const k in r) {
    if (k.startsWith('winlog.event_data.')) out[k.slice('winlog.event_data.'.length)] = r[k]
  }
  const map: Array<[string, string]> = [
    ['winlog.event_id', 'EventID'],
    ['winlog.channel', 'Channel'],
    ['winlog.provider_name', 'Provider_Name'],
    ['winlog.computer_name', 'Computer'],
    ['winlog.user.identifier', 'Security_UserID'],
  ]
  for (const [from, to] of map) {
    const v = dotted(r, from)
    if (v !== undefined && out[to] === undefined) out[to] = v
  }
  const eid = out.EventID
  if (typeof eid === 'string' && /^\d+$/.test(eid)) out.EventID = Number(eid)
  return out
}

function isEcsWinlog(r: Record<string, unknown>): boolean {
  if (isRecord(r.winlog)) return true
  for (const k in r) if (k.startsWith('winlog.')) return true
  return false
}

/** Nesting depth up to which nested objects are made reachable by dotted paths. */
const DOTTED_DEPTH = 8

/**
 * Collect `a.b.c` paths to the values of nested objects (CloudTrail, Zeek via Filebeat). Arrays are
 * walked through: `a.b` of `{a: [{b: 1}, {b: 2}]}` is the list `[1, 2]`.
 */
function collectDotted(
  v: Record<string, unknown>,
  prefix: string,
  depth: number,
  viaArray: boolean,
  acc: Map<string, { vals: unknown[]; list: boolean }>,
): void {
  if (depth <= 0) return
  for (const k in v) {
    const path = prefix === '' ? k : `${prefix}.${k}`
    const x = v[k]
    if (prefix !== '') {
      let e = acc.get(path)
      if (e === undefined) acc.set(path, (e = { vals: [], list: viaArray }))
      if (Array.isArray(x)) {
        e.list = true
        for (const y of x) if (!isRecord(y) && !Array.isArray(y)) e.vals.push(y)
      } else e.vals.push(x)
    }
    if (isRecord(x)) collectDotted(x, path, depth - 1, viaArray, acc)
    else if (Array.isArray(x)) for (const y of x) if (isRecord(y)) collectDotted(y, path, depth - 1, true, acc)
  }
}

/** Flat view with nested objects also reachable by dotted paths. */
export function withDotted(r: Record<string, unknown>): FieldView {
  const out: FieldView = { ...r }
  const acc = new Map<string, { vals: unknown[]; list: boolean }>()
  collectDotted(r, '', DOTTED_DEPTH, false, acc)
  for (const [path, e] of acc) {
    if (path in out) continue // flat dotted keys (Zeek's `id.orig_h`) win
    out[path] = e.list || e.vals.length !== 1 ? e.vals : e.vals[0]
  }
  return out
}

/** AWS CloudTrail record (as delivered by CloudTrail, its S3 files' `Records[]`, or Logstash). */
export function isCloudTrail(r: Record<string, unknown>): boolean {
  return (
    typeof r.eventSource === 'string' &&
    typeof r.eventName === 'string' &&
    (r.eventVersion !== undefined || r.userIdentity !== undefined || r.awsRegion !== undefined)
  )
}

/** Zeek JSON log record (`_path`, or `uid` with the connection 4-tuple). */
export function isZeek(r: Record<string, unknown>): boolean {
  if (typeof r._path === 'string') return true
  if (typeof r.uid !== 'string') return false
  return r['id.orig_h'] !== undefined || (isRecord(r.id) && r.id.orig_h !== undefined)
}

// ---------------------------------------------------------------------------------------------
// Linux auditd text lines

const AUDIT_RE = /^(?:node=\S+\s+)?type=([A-Z0-9_]+)\s+msg=audit\(([\d.]+):(\d+)\):\s?/

/** Does this text line look like an auditd record? */
export function isAuditdLine(s: string): boolean {
  return AUDIT_RE.test(s.trimStart())
}

/** x86_64 (arch c000003e) syscall numbers used by SigmaHQ auditd rules and common ones. */
const SYSCALLS_X64: Record<number, string> = {
  0: 'read', 1: 'write', 2: 'open', 3: 'close', 4: 'stat', 9: 'mmap', 10: 'mprotect', 16: 'ioctl',
  21: 'access', 41: 'socket', 42: 'connect', 43: 'accept', 44: 'sendto', 45: 'recvfrom', 49: 'bind',
  50: 'listen', 56: 'clone', 57: 'fork', 58: 'vfork', 59: 'execve', 62: 'kill', 76: 'truncate',
  77: 'ftruncate', 82: 'rename', 83: 'mkdir', 84: 'rmdir', 85: 'creat', 86: 'link', 87: 'unlink',
  88: 'symlink', 90: 'chmod', 91: 'fchmod', 92: 'chown', 93: 'fchown', 94: 'lchown', 99: 'sysinfo',
  101: 'ptrace', 103: 'syslog', 105: 'setuid', 106: 'setgid', 113: 'setreuid', 114: 'setregid',
  117: 'setresuid', 119: 'setresgid', 133: 'mknod', 135: 'personality', 156: '_sysctl',
  157: 'prctl', 165: 'mount', 166: 'umount2', 169: 'reboot', 175: 'init_module',
  176: 'delete_module', 188: 'setxattr', 257: 'openat', 259: 'mknodat', 260: 'fchownat',
  263: 'unlinkat', 264: 'renameat', 268: 'fchmodat', 288: 'accept4', 313: 'finit_module',
  316: 'renameat2', 319: 'memfd_create', 321: 'bpf', 322: 'execveat',
}

/** i386 (arch 40000003) syscall numbers. */
const SYSCALLS_X86: Record<number, string> = {
  1: 'exit', 2: 'fork', 3: 'read', 4: 'write', 5: 'open', 6: 'close', 8: 'creat', 9: 'link',
  10: 'unlink', 11: 'execve', 14: 'mknod', 15: 'chmod', 26: 'ptrace', 37: 'kill', 38: 'rename',
  39: 'mkdir', 40: 'rmdir', 102: 'socketcall', 103: 'syslog', 116: 'sysinfo', 120: 'clone',
  128: 'init_module', 129: 'delete_module', 136: 'personality', 149: '_sysctl', 190: 'vfork',
  295: 'openat', 297: 'mknodat', 356: 'memfd_create', 358: 'execveat',
}

/** aarch64 (arch c00000b7) syscall numbers. */
const SYSCALLS_ARM64: Record<number, string> = {
  33: 'mknodat', 35: 'unlinkat', 56: 'openat', 92: 'personality', 105: 'init_module',
  106: 'delete_module', 116: 'syslog', 179: 'sysinfo', 220: 'clone', 221: 'execve',
  279: 'memfd_create', 281: 'execveat',
}

function syscallName(arch: unknown, nr: unknown): string | undefined {
  if (typeof nr !== 'string' || !/^\d+$/.test(nr)) return undefined
  const n = Number(nr)
  const a = typeof arch === 'string' ? arch.toLowerCase() : 'c000003e'
  const table = a === '40000003' ? SYSCALLS_X86 : a === 'c00000b7' ? SYSCALLS_ARM64 : a === 'c000003e' ? SYSCALLS_X64 : undefined
  return table?.[n]
}

/** Fields auditd logs quoted, or hex-encoded when they hold spaces or special characters. */
const UNTRUSTED = new Set(['proctitle', 'comm', 'exe', 'name', 'cwd', 'path', 'cmd', 'old', 'new', 'acct', 'data', 'ocomm', 'watch', 'dir', 'file'])

const HEX_RE = /^(?:[0-9A-Fa-f]{2})+$/

function hexDecode(s: string): string {
  const bytes = new Uint8Array(s.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16)
  return new TextDecoder('utf-8').decode(bytes)
}

/** Tokenise `k=v k="v w" k='a=b c=d'`; returns [key, value, quoted]. */
function* pairs(s: string): Generator<[string, string, boolean]> {
  const re = /([A-Za-z0-9_\-[\]]+)=(?:"([^"]*)"|'([^']*)'|(\S*))/g
  let m: RegExpExecArray | null
  while ((m = re.exec(s)) !== null) {
    const k = m[1] as string
    if (m[2] !== undefined) yield [k, m[2], true]
    else if (m[3] !== undefined) yield [k, m[3], true]
    else yield [k, m[4] ?? '', false]
  }
}

/** Parse one auditd text line into Sigma auditd fields; undefined when it is not auditd. */
export function parseAuditd(text: string): FieldView | undefined {
  const line = text.trim()
  const m = AUDIT_RE.exec(line)
  if (m === null) return undefined
  const type = m[1] as string
  const out: FieldView = { type, msg: `audit(${m[2] as string}:${m[3] as string})`, timestamp: m[2], serial: m[3] }
  let body = line.slice(m[0].length)
  // Enriched format: raw fields, then GS (0x1d), then interpreted UPPER-case fields (SYSCALL=execve ...)
  let enriched = ''
  const gs = body.indexOf('\u001d')
  if (gs >= 0) {
    enriched = body.slice(gs + 1)
    body = body.slice(0, gs)
  }
  const isExecve = type === 'EXECVE'
  const parts = new Map<string, Array<[number, string]>>()
  const put = (k: string, raw: string, quoted: boolean): void => {
    let v = raw
    if (!quoted && v !== '(null)' && v !== '(none)' && HEX_RE.test(v)) {
      if (k === 'proctitle') v = hexDecode(v).replace(/\u0000+$/, '').replace(/\u0000/g, ' ')
      else if (UNTRUSTED.has(k) || (isExecve && /^a\d+(?:\[\d+\])?$/.test(k))) v = hexDecode(v)
    }
    // EXECVE long arguments: a1_len=N a1[0]=... a1[1]=...
    const chunk = /^(a\d+)\[(\d+)\]$/.exec(k)
    if (isExecve && chunk !== null) {
      const name = chunk[1] as string
      let list = parts.get(name)
      if (list === undefined) parts.set(name, (list = []))
      list.push([Number(chunk[2]), v])
      return
    }
    if (out[k] === undefined) out[k] = v
  }
  for (const [k, v, q] of pairs(body)) {
    if (k === 'msg' && q) {
      // USER_* records nest their fields in msg='op=... acct="x" exe="/usr/bin/sudo" ...'
      out.msg = v
      for (const [k2, v2, q2] of pairs(v)) put(k2, v2, q2)
      continue
    }
    put(k, v, q)
  }
  for (const [name, list] of parts) {
    if (out[name] === undefined) out[name] = list.sort((a, b) => a[0] - b[0]).map((x) => x[1]).join('')
  }
  for (const [k, v] of pairs(enriched)) if (out[k] === undefined) out[k] = v
  if (out.syscall !== undefined && out.SYSCALL === undefined) {
    const name = syscallName(out.arch, out.syscall)
    if (name !== undefined) out.SYSCALL = name
  }
  return out
}

/** Build the flat field view of a decoded original record. Returns undefined for other values. */
export function fieldView(record: unknown): FieldView | undefined {
  if (typeof record === 'string') return parseAuditd(record)
  if (!isRecord(record)) return undefined
  const ev = record.Event
  if (isRecord(ev) && isRecord(ev.System)) return fromNested(ev)
  if (isEcsWinlog(record)) return fromEcs(record)
  const windows = record.Channel !== undefined && record.EventID !== undefined
  if (!windows && (isCloudTrail(record) || isZeek(record))) return withDotted(record)
  return fromFlat(record)
}
