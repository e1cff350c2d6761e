/**
 * Syslog lines, RFC 3164 (`<34>Oct 11 22:14:15 host app[123]: msg`) and RFC 5424
 * (`<165>1 2003-10-11T22:14:15.003Z host app 123 ID47 [sd] msg`), with or without `<PRI>`.
 * Common sshd and sudo messages are mapped to user / source / outcome fields.
 * Parsing is a few anchored, linear regexes on short tokens plus index scans: no backtracking
 * over the whole line.
 */
import { normalizeIp } from '../normalize/ip.js'
import { toPid, toPort } from '../normalize/numbers.js'
import { severityFromSyslog } from '../normalize/severity.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'
import { textDecoder } from './text.js'

const DETECT_RE = /^(?:<\d{1,3}>|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d |\d{1,2} (?:\d{4}-\d\d-\d\dT|- )|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* \S)/
const RFC5424_RE = /^(\d{1,2}) (-|\d{4}-\d\d-\d\dT\S+) (\S+) (\S+) (\S+) (\S+)(?: |$)/
const BSD_TS_RE = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,6})?(?= |$)/
const ISO_TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*(?= |$)/
const TAG_RE = /^([^\s[\]:]{1,64})(?:\[(\d{1,10})\])?:$/

const SSH_FAILED_RE = /^Failed (\S+) for (invalid user )?(\S+) from (\S+) port (\d{1,5})/
const SSH_ACCEPTED_RE = /^Accepted (\S+) for (\S+) from (\S+) port (\d{1,5})/
const SSH_INVALID_RE = /^Invalid user (\S*) from (\S+)(?: port (\d{1,5}))?/
const SUDO_RE = /^\s*(\S+) : (?:.*? ; )?USER=(\S+) ; COMMAND=(.*)$/

const BOM = '\uFEFF'

interface Parsed {
  pri: number | undefined
  timestamp: string | undefined
  host: string | undefined
  app: string | undefined
  pid: string | undefined
  msgid: string | undefined
  message: string
}

function nil(v: string | undefined): string | undefined {
  return v === undefined || v === '-' || v.length === 0 ? undefined : v
}

/** End index (exclusive) of the RFC 5424 structured data starting at `i` (`-` or `[..][..]`). */
function skipStructuredData(s: string, i: number): number {
  if (s.charCodeAt(i) === 45 /* - */) return i + 1
  while (s.charCodeAt(i) === 91 /* [ */) {
    let j = i + 1
    let inQuote = false
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j)
      if (c === 92 /* \ */) j++
      else if (c === 34 /* " */) inQuote = !inQuote
      else if (c === 93 /* ] */ && !inQuote) break
    }
    i = j + 1
  }
  return i
}

function nextToken(s: string, i: number): [token: string, next: number] {
  const sp = s.indexOf(' ', i)
  return sp < 0 ? [s.slice(i), s.length] : [s.slice(i, sp), sp + 1]
}

export function parseSyslog(line: string): Parsed | null {
  let i = 0
  let pri: number | undefined
  if (line.charCodeAt(0) === 60 /* < */) {
    const close = line.indexOf('>')
    if (close < 2 || close > 4) return null
    pri = Number(line.slice(1, close))
    if (!Number.isInteger(pri) || pri > 191) return null
    i = close + 1
  }
  const rest = i === 0 ? line : line.slice(i)

  const m5424 = RFC5424_RE.exec(rest)
  if (m5424 !== null) {
    const end = skipStructuredData(rest, m5424[0].length)
    let message = end < rest.length ? rest.slice(rest.charCodeAt(end) === 32 ? end + 1 : end) : ''
    if (message.startsWith(BOM)) message = message.slice(1)
    return {
      pri,
      timestamp: nil(m5424[2]),
      host: nil(m5424[3]),
      app: nil(m5424[4]),
      pid: nil(m5424[5]),
      msgid: nil(m5424[6]),
      message,
    }
  }

  const bsd = BSD_TS_RE.exec(rest)
  const ts = bsd ?? ISO_TS_RE.exec(rest)
  if (ts === null) {
    // `<PRI>` followed by free text is still a syslog message
    return pri === undefined ? null : { pri, timestamp: undefined, host: undefined, app: undefined, pid: undefined, msgid: undefined, message: rest }
  }
  let j = ts[0].length + 1
  const [tok1, after1] = nextToken(rest, j)
  let host: string | undefined
  let app: string | undefined
  let pid: string | undefined
  let tag = TAG_RE.exec(tok1)
  if (tag !== null) j = after1
  else {
    host = tok1
    const [tok2, after2] = nextToken(rest, after1)
    tag = TAG_RE.exec(tok2)
    j = tag !== null ? after2 : after1
  }
  if (tag !== null) {
    app = tag[1]
    pid = tag[2]
  } else if (pri === undefined && bsd === null) {
    // an ISO-timestamped line without PRI and without `tag:` is an application log, not syslog
    return null
  }
  return { pri, timestamp: ts[0], host: nil(host), app, pid, msgid: undefined, message: j < rest.length ? rest.slice(j) : '' }
}

/** An sshd message (`Failed password for ...`, `Accepted ...`, `Invalid user ...`): the logon, its outcome, user and source. */
export function mapAuthMessage(d: Draft, msg: string): void {
  const c = msg.charCodeAt(0)
  if (c === 70 /* F */) {
    const m = SSH_FAILED_RE.exec(msg)
    if (m === null) return
    setSsh(d, m[3], m[4], m[5], 'failure')
  } else if (c === 65 /* A */) {
    const m = SSH_ACCEPTED_RE.exec(msg)
    if (m === null) return
    setSsh(d, m[2], m[3], m[4], 'success')
  } else if (c === 73 /* I */) {
    const m = SSH_INVALID_RE.exec(msg)
    if (m === null) return
    setSsh(d, m[1], m[2], m[3], 'failure')
  }
}

function setSsh(d: Draft, user: string | undefined, from: string | undefined, port: string | undefined, outcome: 'success' | 'failure'): void {
  if (user !== undefined && user.length > 0) d.userName = user
  const ip = normalizeIp(from)
  if (ip !== undefined) d.srcIp = ip
  else if (from !== undefined) d.srcDomain = from
  d.srcPort = toPort(port)
  d.outcome = outcome
  d.category = ['authentication']
  d.type = ['start']
  d.action = 'ssh_login'
  d.protocol = 'ssh'
}

export const syslogDecoder: Decoder = {
  name: 'syslog',
  detect(v) {
    return typeof v === 'string' && DETECT_RE.test(v)
  },
  decode(v, ctx) {
    const line = v as string
    const p = parseSyslog(line)
    if (p === null) return textDecoder.decode(line, ctx)
    const d = new Draft('syslog')
    d.kind = 'event'
    d.module = 'syslog'
    d.dataset = 'syslog'
    if (p.timestamp !== undefined) d.timestamp = d.time(p.timestamp, 'timestamp')
    if (p.pri !== undefined) d.severity = severityFromSyslog(p.pri & 7)
    d.hostName = p.host
    d.processName = p.app
    d.pid = toPid(p.pid)
    d.code = p.msgid
    d.message = p.message.length > 0 ? p.message : undefined

    const msg = p.message
    if (p.app === 'sshd' || msg.startsWith('Failed ') || msg.startsWith('Accepted ') || msg.startsWith('Invalid user ')) mapAuthMessage(d, msg)
    else if (p.app === 'sudo') {
      const m = SUDO_RE.exec(msg)
      if (m !== null) {
        d.userName = m[1]
        d.targetUserName = m[2]
        d.commandLine = m[3]
        d.category = ['process']
        d.type = ['start']
        d.action = 'sudo'
      }
    }
    return d.result(ctx)
  },
}
