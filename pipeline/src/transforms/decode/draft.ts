import type { CanonicalEvent, DecodeStatus, DecoderName, EcsEvent, Endpoint } from '@watchfloor/contracts'
import { normalizeIp } from '../normalize/ip.js'
import { toPort } from '../normalize/numbers.js'
import { toIsoTimestamp } from '../normalize/time.js'
import { describe } from '../normalize/values.js'
import type { DecodeContext, DecodeResult } from './types.js'

/** At most this many notes per record: a record with hundreds of bad values must stay small. */
const MAX_NOTES = 16

/** True for values that mean "no value" in logs: undefined, null, '', '-'. */
export function absent(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '-'
}

/**
 * The mutable, flat working copy of one event while a decoder fills it. Every field starts
 * `undefined` (one hidden class for all records); `finish` builds the nested canonical event
 * with only the fields that were set, which keeps `exactOptionalPropertyTypes` happy in one place.
 * Decoders assign with `??=` when an earlier (more authoritative) source may already have set it.
 */
export class Draft {
  timestamp: string | undefined = undefined
  kind: string | undefined = undefined
  category: string[] | undefined = undefined
  type: string[] | undefined = undefined
  action: string | undefined = undefined
  code: string | undefined = undefined
  outcome: 'success' | 'failure' | 'unknown' | undefined = undefined
  dataset: string | undefined = undefined
  module: string | undefined = undefined
  provider: string | undefined = undefined
  severity: number | undefined = undefined

  srcIp: string | undefined = undefined
  srcPort: number | undefined = undefined
  srcDomain: string | undefined = undefined
  srcBytes: number | undefined = undefined
  dstBytes: number | undefined = undefined
  httpMethod: string | undefined = undefined
  httpStatus: number | undefined = undefined
  dstIp: string | undefined = undefined
  dstPort: number | undefined = undefined
  dstDomain: string | undefined = undefined
  transport: string | undefined = undefined
  protocol: string | undefined = undefined

  userName: string | undefined = undefined
  userDomain: string | undefined = undefined
  userId: string | undefined = undefined
  targetUserName: string | undefined = undefined

  hostName: string | undefined = undefined
  hostIp: string[] | undefined = undefined

  pid: number | undefined = undefined
  processName: string | undefined = undefined
  executable: string | undefined = undefined
  commandLine: string | undefined = undefined
  parentPid: number | undefined = undefined
  parentName: string | undefined = undefined
  parentExecutable: string | undefined = undefined
  parentCommandLine: string | undefined = undefined

  ruleId: string | undefined = undefined
  ruleName: string | undefined = undefined
  ruleCategory: string | undefined = undefined
  ruleLevel: string | undefined = undefined

  url: string | undefined = undefined
  filePath: string | undefined = undefined
  fileName: string | undefined = undefined
  registryPath: string | undefined = undefined
  registryValue: string | undefined = undefined

  cloudProvider: string | undefined = undefined
  cloudRegion: string | undefined = undefined
  cloudAccountId: string | undefined = undefined
  userAgent: string | undefined = undefined
  dnsQuery: string | undefined = undefined
  dnsType: string | undefined = undefined

  message: string | undefined = undefined
  legacyEventType: string | undefined = undefined

  notes: string[] | undefined = undefined
  status: DecodeStatus

  constructor(
    readonly decoder: DecoderName,
    status: DecodeStatus = 'ok',
  ) {
    this.status = status
  }

  /** Records an unusable value: the record is kept, its status becomes `partial`. */
  note(text: string): void {
    const notes = (this.notes ??= [])
    if (notes.length < MAX_NOTES) notes.push(text)
    if (this.status === 'ok') this.status = 'partial'
  }

  /** Records how a value was interpreted (a corrected clock): a note, the status unchanged. */
  remark(text: string): void {
    const notes = (this.notes ??= [])
    if (notes.length < MAX_NOTES) notes.push(text)
  }

  /** Normalized IP, or undefined; a present but unusable value adds a note. */
  ip(v: unknown, field: string): string | undefined {
    if (absent(v)) return undefined
    const ip = normalizeIp(v)
    if (ip === undefined) this.note(`${field}: expected an IP address, got ${describe(v)}`)
    return ip
  }

  /** Port 0-65535, or undefined; a present but unusable value adds a note. */
  port(v: unknown, field: string): number | undefined {
    if (absent(v)) return undefined
    const p = toPort(v)
    if (p === undefined) this.note(`${field}: expected an integer port 0-65535, got ${describe(v)}`)
    return p
  }

  /** ISO timestamp, or undefined; a present but unusable value adds a note. */
  time(v: unknown, field: string): string | undefined {
    if (absent(v)) return undefined
    const t = toIsoTimestamp(v)
    if (t === undefined) this.note(`${field}: expected a timestamp, got ${describe(v)}`)
    return t
  }

  /** A string field, or undefined; numbers are accepted as text, other types add a note. */
  text(v: unknown, field: string): string | undefined {
    if (typeof v === 'string') return v.length === 0 ? undefined : v
    if (v === undefined || v === null) return undefined
    if (typeof v === 'number' && Number.isFinite(v)) return String(v)
    this.note(`${field}: expected a string, got ${describe(v)}`)
    return undefined
  }

  /** Builds the canonical event. `@timestamp` falls back to the ingest time. */
  finish(ctx: DecodeContext): CanonicalEvent {
    // a time far past the ingest time is a wrong clock (or a hostile record): it must not move time-based state
    if (this.timestamp !== undefined && ctx.maxFutureMs !== undefined && Date.parse(this.timestamp) > Date.parse(ctx.ingested) + ctx.maxFutureMs) {
      this.note(`@timestamp: ${this.timestamp} is more than ${Math.round(ctx.maxFutureMs / 1000)} s after the ingest time; set to the ingest time`)
      this.timestamp = ctx.ingested
    }
    const ev: EcsEvent = { id: ctx.id, ingested: ctx.ingested }
    if (this.kind !== undefined) ev.kind = this.kind
    if (this.category !== undefined && this.category.length > 0) ev.category = this.category
    if (this.type !== undefined && this.type.length > 0) ev.type = this.type
    if (this.action !== undefined) ev.action = this.action
    if (this.code !== undefined) ev.code = this.code
    if (this.outcome !== undefined) ev.outcome = this.outcome
    if (this.dataset !== undefined) ev.dataset = this.dataset
    if (this.module !== undefined) ev.module = this.module
    if (this.provider !== undefined) ev.provider = this.provider
    if (this.severity !== undefined) ev.severity = this.severity

    const out: CanonicalEvent = {
      '@timestamp': this.timestamp ?? ctx.ingested,
      event: ev,
      watchfloor: { decoder: this.decoder, decode_status: this.status, source: ctx.source },
    }
    if (this.notes !== undefined) out.watchfloor.decode_notes = this.notes
    if (this.legacyEventType !== undefined) out.watchfloor.event_type = this.legacyEventType

    const src = endpoint(this.srcIp, this.srcPort, this.srcDomain, this.srcBytes)
    if (src !== undefined) out.source = src
    const dst = endpoint(this.dstIp, this.dstPort, this.dstDomain, this.dstBytes)
    if (dst !== undefined) out.destination = dst
    if (this.transport !== undefined || this.protocol !== undefined) {
      const n: NonNullable<CanonicalEvent['network']> = {}
      if (this.transport !== undefined) n.transport = this.transport
      if (this.protocol !== undefined) n.protocol = this.protocol
      out.network = n
    }
    if (this.userName !== undefined || this.userDomain !== undefined || this.userId !== undefined || this.targetUserName !== undefined) {
      const u: NonNullable<CanonicalEvent['user']> = {}
      if (this.userName !== undefined) u.name = this.userName
      if (this.userDomain !== undefined) u.domain = this.userDomain
      if (this.userId !== undefined) u.id = this.userId
      if (this.targetUserName !== undefined) u.target = { name: this.targetUserName }
      out.user = u
    }
    if (this.hostName !== undefined || this.hostIp !== undefined) {
      const h: NonNullable<CanonicalEvent['host']> = {}
      if (this.hostName !== undefined) h.name = this.hostName
      if (this.hostIp !== undefined && this.hostIp.length > 0) h.ip = this.hostIp
      out.host = h
    }
    if (
      this.pid !== undefined || this.processName !== undefined || this.executable !== undefined || this.commandLine !== undefined ||
      this.parentPid !== undefined || this.parentName !== undefined || this.parentExecutable !== undefined || this.parentCommandLine !== undefined
    ) {
      const p: NonNullable<CanonicalEvent['process']> = {}
      if (this.pid !== undefined) p.pid = this.pid
      if (this.processName !== undefined) p.name = this.processName
      if (this.executable !== undefined) p.executable = this.executable
      if (this.commandLine !== undefined) p.command_line = this.commandLine
      if (this.parentPid !== undefined || this.parentName !== undefined || this.parentExecutable !== undefined || this.parentCommandLine !== undefined) {
        const pp: NonNullable<NonNullable<CanonicalEvent['process']>['parent']> = {}
        if (this.parentPid !== undefined) pp.pid = this.parentPid
        if (this.parentName !== undefined) pp.name = this.parentName
        if (this.parentExecutable !== undefined) pp.executable = this.parentExecutable
        if (this.parentCommandLine !== undefined) pp.command_line = this.parentCommandLine
        p.parent = pp
      }
      out.process = p
    }
    if (this.ruleId !== undefined || this.ruleName !== undefined || this.ruleCategory !== undefined || this.ruleLevel !== undefined) {
      const r: NonNullable<CanonicalEvent['rule']> = {}
      if (this.ruleId !== undefined) r.id = this.ruleId
      if (this.ruleName !== undefined) r.name = this.ruleName
      if (this.ruleCategory !== undefined) r.category = this.ruleCategory
      if (this.ruleLevel !== undefined) r.level = this.ruleLevel
      out.rule = r
    }
    if (this.url !== undefined) out.url = { original: this.url }
    if (this.httpMethod !== undefined || this.httpStatus !== undefined) {
      const h: NonNullable<CanonicalEvent['http']> = {}
      if (this.httpMethod !== undefined) h.request = { method: this.httpMethod }
      if (this.httpStatus !== undefined) h.response = { status_code: this.httpStatus }
      out.http = h
    }
    if (this.filePath !== undefined || this.fileName !== undefined) {
      const f: NonNullable<CanonicalEvent['file']> = {}
      if (this.filePath !== undefined) f.path = this.filePath
      if (this.fileName !== undefined) f.name = this.fileName
      out.file = f
    }
    if (this.registryPath !== undefined || this.registryValue !== undefined) {
      const r: NonNullable<CanonicalEvent['registry']> = {}
      if (this.registryPath !== undefined) r.path = this.registryPath
      if (this.registryValue !== undefined) r.value = this.registryValue
      out.registry = r
    }
    if (this.cloudProvider !== undefined || this.cloudRegion !== undefined || this.cloudAccountId !== undefined) {
      const c: NonNullable<CanonicalEvent['cloud']> = {}
      if (this.cloudProvider !== undefined) c.provider = this.cloudProvider
      if (this.cloudRegion !== undefined) c.region = this.cloudRegion
      if (this.cloudAccountId !== undefined) c.account = { id: this.cloudAccountId }
      out.cloud = c
    }
    if (this.userAgent !== undefined) out.user_agent = { original: this.userAgent }
    if (this.dnsQuery !== undefined) {
      const q: NonNullable<CanonicalEvent['dns']>['question'] = { name: this.dnsQuery, ...splitDomain(this.dnsQuery) }
      if (this.dnsType !== undefined) q.type = this.dnsType
      out.dns = { question: q }
    }
    if (this.message !== undefined) out.message = this.message
    return out
  }

  /** `finish` wrapped as a successful decode result. */
  result(ctx: DecodeContext): DecodeResult {
    return { ok: true, event: this.finish(ctx) }
  }
}

/**
 * Second-level labels under which names are registered (co.uk, com.au...): the registered domain
 * of `a.b.example.co.uk` is `example.co.uk`. A short list of the common ones; anything else takes
 * the last two labels, which is what DNS tunnelling detection needs (many names under one domain).
 */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'mil', 'nic'])

/** `x1.y2.example.com.` -> registered domain `example.com`, subdomain `x1.y2`. */
export function splitDomain(name: string): { registered_domain?: string; subdomain?: string } {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.')
  if (labels.length < 2 || labels.some((l) => l === '') || /^[\d.]+$/.test(name) || name.endsWith('.arpa')) return {}
  const tld = labels[labels.length - 1]!
  const keep = labels.length >= 3 && tld.length === 2 && SECOND_LEVEL.has(labels[labels.length - 2]!) ? 3 : 2
  const out: { registered_domain?: string; subdomain?: string } = { registered_domain: labels.slice(-keep).join('.') }
  if (labels.length > keep) out.subdomain = labels.slice(0, -keep).join('.')
  return out
}

function endpoint(ip: string | undefined, port: number | undefined, domain: string | undefined, bytes: number | undefined): Endpoint | undefined {
  if (ip === undefined && port === undefined && domain === undefined && bytes === undefined) return undefined
  const e: Endpoint = {}
  if (ip !== undefined) e.ip = ip
  if (port !== undefined) e.port = port
  if (domain !== undefined) e.domain = domain
  if (bytes !== undefined) e.bytes = bytes
  return e
}
