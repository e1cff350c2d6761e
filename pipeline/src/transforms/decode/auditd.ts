/**
 * Linux audit log lines: `[node=host ]type=SYSCALL msg=audit(1604994496.155:92733): key=value ...`.
 * Values are `"quoted"` text, bare tokens, or (for EXECVE arguments and PROCTITLE) hex-encoded
 * bytes; `msg='...'` in user-space records holds a nested key=value list; enriched fields
 * (`UID="root"`) follow a 0x1D separator.
 */
import { Buffer } from 'node:buffer'
import { normalizeIp } from '../normalize/ip.js'
import { toPid } from '../normalize/numbers.js'
import { toIsoTimestamp } from '../normalize/time.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'
import { textDecoder } from './text.js'

const HEAD_RE = /^(?:node=(\S+) )?type=([A-Z0-9_]+) msg=audit\((\d{1,12}(?:\.\d{1,9})?):(\d+)\):\s*/
const HEX_RE = /^(?:[0-9A-Fa-f]{2})+$/
const ARG_RE = /^a(\d{1,4})(?:\[(\d{1,5})\])?$/
const UNSET_ID = '4294967295'
const TRAILING_NUL_RE = /\0+$/
const NUL_RE = /\0/g
const SPACE_RE = /\s/

/** Raw value tokens by key: quoted values keep their quotes so callers can tell hex from text. */
type Fields = Map<string, string>

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 0x1d
}

function parseFields(s: string, start: number, end: number, out: Fields): void {
  let i = start
  while (i < end) {
    while (i < end && isSpace(s.charCodeAt(i))) i++
    const keyStart = i
    while (i < end && s.charCodeAt(i) !== 61 /* = */ && !isSpace(s.charCodeAt(i))) i++
    if (i >= end || s.charCodeAt(i) !== 61) continue
    const key = s.slice(keyStart, i)
    i++ // '='
    const q = s.charCodeAt(i)
    let value: string
    if (q === 34 /* " */) {
      const close = s.indexOf('"', i + 1)
      const j = close < 0 || close >= end ? end : close + 1
      value = s.slice(i, j)
      i = j
    } else if (q === 39 /* ' */) {
      const close = s.indexOf("'", i + 1)
      const j = close < 0 || close >= end ? end : close
      parseFields(s, i + 1, j, out)
      i = j + 1
      continue
    } else {
      const valueStart = i
      while (i < end && !isSpace(s.charCodeAt(i))) i++
      value = s.slice(valueStart, i)
    }
    if (key.length > 0 && !out.has(key)) out.set(key, value)
  }
}

/** Text of a value token: quotes stripped; `?`, `(null)` and `(none)` are absent. */
function text(v: string | undefined): string | undefined {
  if (v === undefined || v.length === 0) return undefined
  if (v.charCodeAt(0) === 34) return v.length >= 2 ? v.slice(1, v.charCodeAt(v.length - 1) === 34 ? -1 : undefined) : undefined
  return v === '?' || v === '(null)' || v === '(none)' ? undefined : v
}

/** EXECVE / PROCTITLE value: quoted = literal, bare = hex-encoded bytes (NUL separates argv). */
function decodeArg(v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  if (v.charCodeAt(0) === 34) return text(v)
  if (HEX_RE.test(v)) return Buffer.from(v, 'hex').toString('utf8').replace(TRAILING_NUL_RE, '').replace(NUL_RE, ' ')
  return text(v)
}

function quoteArg(a: string): string {
  return a.length === 0 || SPACE_RE.test(a) ? `"${a}"` : a
}

function execveCommandLine(f: Fields): string | undefined {
  const parts: string[] = []
  const chunks = new Map<number, string[]>()
  for (const [k, raw] of f) {
    const m = ARG_RE.exec(k)
    if (m === null) continue
    const idx = Number(m[1])
    const value = decodeArg(raw) ?? ''
    if (m[2] === undefined) parts[idx] = value
    else {
      let list = chunks.get(idx)
      if (list === undefined) chunks.set(idx, (list = []))
      list[Number(m[2])] = value
    }
  }
  for (const [idx, list] of chunks) parts[idx] = list.join('')
  const args: string[] = []
  for (const p of parts) if (p !== undefined) args.push(quoteArg(p))
  return args.length > 0 ? args.join(' ') : undefined
}

const AUTH_TYPES: ReadonlySet<string> = new Set(['USER_AUTH', 'USER_LOGIN', 'USER_ACCT', 'USER_ERR', 'USER_START', 'USER_END', 'CRED_ACQ', 'CRED_DISP', 'CRED_REFR', 'USER_LOGOUT'])
const IAM_TYPES: ReadonlySet<string> = new Set(['ADD_USER', 'DEL_USER', 'ADD_GROUP', 'DEL_GROUP', 'USER_MGMT', 'GRP_MGMT', 'USER_CHAUTHTOK', 'ROLE_ASSIGN', 'ROLE_REMOVE'])

export const auditdDecoder: Decoder = {
  name: 'auditd',
  detect(v) {
    if (typeof v !== 'string') return false
    return (v.startsWith('type=') || v.startsWith('node=')) && v.includes(' msg=audit(')
  },
  decode(v, ctx) {
    const line = v as string
    const head = HEAD_RE.exec(line)
    if (head === null) return textDecoder.decode(line, ctx)
    const d = new Draft('auditd')
    const type = head[2] ?? ''
    const f: Fields = new Map()
    parseFields(line, head[0].length, line.length, f)

    d.timestamp = toIsoTimestamp(head[3])
    if (d.timestamp === undefined) d.note('msg: audit timestamp out of range')
    d.kind = 'event'
    d.module = 'auditd'
    d.dataset = 'auditd.log'
    d.action = type
    d.hostName = head[1]
    d.message = line

    // untrusted strings are either "quoted" or hex-encoded
    d.executable = decodeArg(f.get('exe'))
    d.processName = decodeArg(f.get('comm'))
    d.pid = toPid(f.get('pid'))
    d.parentPid = toPid(f.get('ppid'))
    const uid = text(f.get('uid'))
    const auid = text(f.get('auid'))
    d.userId = uid ?? (auid !== UNSET_ID ? auid : undefined)
    d.userName = text(f.get('UID')) ?? text(f.get('acct')) ?? text(f.get('AUID'))
    d.ruleName = text(f.get('key'))

    if (type === 'EXECVE') {
      d.commandLine = execveCommandLine(f)
      d.category = ['process']
      d.type = ['start']
    } else if (type === 'PROCTITLE') {
      d.commandLine = decodeArg(f.get('proctitle'))
      d.category = ['process']
    } else if (type === 'SYSCALL') {
      d.category = ['process']
      d.code = text(f.get('syscall'))
    } else if (type === 'PATH') {
      d.filePath = decodeArg(f.get('name'))
      d.category = ['file']
    } else if (AUTH_TYPES.has(type)) d.category = ['authentication']
    else if (IAM_TYPES.has(type)) d.category = ['iam']

    const success = f.get('success') ?? f.get('res')
    if (success === 'yes' || success === 'success') d.outcome = 'success'
    else if (success === 'no' || success === 'failed') d.outcome = 'failure'

    const addr = text(f.get('addr'))
    if (addr !== undefined) d.srcIp = normalizeIp(addr)
    return d.result(ctx)
  },
}
