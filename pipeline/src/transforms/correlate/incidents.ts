/**
 * Alerts -> incidents, on the main thread (one builder per process, fed in stream order).
 *
 * An alert joins the open incident that shares one of its entities (source IP, user, host,
 * destination IP, in that order of preference) and whose last alert is at most `windowMs` older
 * (event time); the link records which entity, which rule and the time gap. An alert whose
 * fingerprint (rule + main entity) is already in the incident raises that fingerprint's counter
 * and moves last seen, instead of adding a link. Otherwise the alert opens a new incident. After
 * every change the incident gets a new version (latest version wins in ClickHouse) and what the
 * triager needs is kept with it; the triage stage then gives it its verdict (`triage`).
 */
import type { EntityKind, GroupingLink, Incident } from '@watchfloor/contracts'
import { isGenericAccount } from '../../lib/accounts.js'
import { SEVERITY_RANK, stableId, type Severity } from '../detect/alerts.js'
import { RISK_WEIGHT, type ProfileStore } from '../profile/store.js'
import type { ThreatIntel } from '../triage/intel.js'
import type { TriageAlert, TriageInput, Triager } from '../triage/triager.js'

export interface IncidentAlert {
  id: string
  timestamp: string
  rule: { id: string; title: string; level: string }
  severity: string
  techniques: readonly string[]
  tactics: readonly string[]
  namedTactics: readonly string[]
  entities: { source_ip?: string; destination_ip?: string; user?: string; host?: string }
  eventIds: readonly string[]
  correlation: boolean
  /** The values of the fields the rule matched in the event. */
  matched?: Readonly<Record<string, string>>
}

export interface IncidentOptions {
  windowMs: number
  /** Processing time (ISO 8601) for `created_at`: when the incident was opened here, not when its events happened (those are first_seen/last_seen). */
  clock?: () => string
  /** Open incidents kept in memory (the oldest are closed for grouping first). */
  maxOpen?: number
}

const ORDER: readonly EntityKind[] = ['source_ip', 'user', 'host', 'destination_ip']
const CAP_ALERTS = 200
const CAP_LINKS = 100
const CAP_ENTITIES = 200
/** Repeat counters kept per incident: one per (rule, main entity), so a scan from thousands of addresses would otherwise grow every version of its incident without bound. */
const CAP_FINGERPRINTS = 200

interface Open {
  inc: Incident
  lastMs: number
  /** Keys in `inc.fingerprints`. */
  fingerprints: number
  alerts: Map<string, TriageAlert>
  ips: Map<string, number>
  /** What the triager sees, as of the last change (set until the verdict is given). */
  pending?: TriageInput
  /** Rule id -> field -> value -> how many alerts had it. */
  evidence: Map<string, Map<string, Map<string, number>>>
}

/** Evidence kept per incident: fields per rule, values per field (the most frequent), distinct values counted per field. */
const EVIDENCE_FIELDS = 8
const EVIDENCE_VALUES = 5
const EVIDENCE_DISTINCT = 50

function addEvidence(into: Open['evidence'], rule: string, matched: Readonly<Record<string, string>> | undefined, n = 1): void {
  if (matched === undefined) return
  let fields = into.get(rule)
  if (fields === undefined) into.set(rule, (fields = new Map()))
  for (const [field, value] of Object.entries(matched)) {
    let values = fields.get(field)
    if (values === undefined) {
      if (fields.size >= EVIDENCE_FIELDS) continue
      fields.set(field, (values = new Map()))
    }
    if (values.has(value) || values.size < EVIDENCE_DISTINCT) values.set(value, (values.get(value) ?? 0) + n)
  }
}

/** The most frequent values per field and rule, as the incident document carries them. */
function evidenceSummary(evidence: Open['evidence']): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {}
  for (const [rule, fields] of evidence) {
    const f: Record<string, string[]> = {}
    for (const [field, values] of fields) f[field] = [...values].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, EVIDENCE_VALUES).map(([v]) => v)
    out[rule] = f
  }
  return out
}

function evidenceOf(inc: Incident): Open['evidence'] {
  const m: Open['evidence'] = new Map()
  for (const [rule, fields] of Object.entries(inc.evidence ?? {})) for (const [field, values] of Object.entries(fields)) for (const v of values) addEvidence(m, rule, { [field]: v })
  return m
}

function entityKeys(e: IncidentAlert['entities']): string[] {
  const out: string[] = []
  for (const k of ORDER) {
    const v = e[k]
    if (v !== undefined && v !== '') out.push(`${k}=${v}`)
  }
  return out
}

const IP_LIKE = /^[\d.]+$|:/

/**
 * The key an entity links incidents by: hosts and accounts as different sources spell the same
 * one (`WKS-7.corp.example` in Windows logs, `wks-7` from Beats; `CORP\\alice`, `alice@corp.example`
 * and `alice`) link as one. Incidents still show each entity as its source wrote it.
 */
export function linkKey(k: string): string {
  const i = k.indexOf('=')
  const kind = k.slice(0, i)
  const v = k.slice(i + 1)
  if (kind === 'host' && !IP_LIKE.test(v)) return `host=${v.toLowerCase().split('.')[0]}`
  if (kind === 'user') return `user=${v.toLowerCase().replace(/^[^\\]*\\/, '').replace(/@.*$/, '')}`
  return k
}

/**
 * The `k` largest counts, largest first, equal counts in insertion order: what a stable sort of
 * every entry then `slice(0, k)` gives, without sorting thousands of addresses at each version.
 */
export function topCounts(counts: ReadonlyMap<string, number>, k: number): Array<[string, number]> {
  if (counts.size <= k) return [...counts].sort((x, y) => y[1] - x[1])
  // the k-th largest count: entries above it all go in, entries equal to it in insertion order
  const values = [...counts.values()].sort((x, y) => y - x)
  const cut = values[k - 1]!
  const above: Array<[string, number]> = []
  const at: Array<[string, number]> = []
  for (const e of counts) {
    if (e[1] > cut) above.push(e)
    else if (e[1] === cut && at.length < k) at.push(e)
  }
  return above.sort((x, y) => y[1] - x[1]).concat(at).slice(0, k)
}

export class IncidentBuilder {
  private readonly open = new Map<string, Open>()
  /** Entity key -> ids of open incidents holding it. */
  private readonly byEntity = new Map<string, Set<string>>()
  private readonly maxOpen: number
  /** Incidents changed since their last verdict. */
  private readonly untriaged = new Map<string, Open>()

  constructor(
    readonly opts: IncidentOptions,
    private readonly profiles?: ProfileStore,
    private readonly intel?: ThreatIntel,
  ) {
    this.maxOpen = opts.maxOpen ?? 20_000
    this.clock = opts.clock ?? (() => new Date().toISOString())
  }

  private readonly clock: () => string

  get openCount(): number {
    return this.open.size
  }

  /**
   * Group alerts (in stream order); returns the incidents that changed (each once, at its new
   * version) and each alert's incident. The incidents returned are the live objects: serialize them
   * before the next call if a snapshot is needed.
   */
  add(alerts: readonly IncidentAlert[]): { incidents: Incident[]; incidentOf: Map<string, string> } {
    const changed = new Map<string, Open>()
    const incidentOf = new Map<string, string>()
    for (const a of alerts) {
      const o = this.place(a)
      changed.set(o.inc.id, o)
      incidentOf.set(a.id, o.inc.id)
    }
    const incidents: Incident[] = []
    for (const o of changed.values()) {
      this.describe(o)
      incidents.push(o.inc)
    }
    return { incidents, incidentOf }
  }

  /**
   * Gives the changed incidents their verdict (the triage stage): from what they held at their
   * last change. Incidents no longer open, or already triaged since, are left as they are.
   */
  triage(incidents: readonly Incident[], triager: Triager): void {
    for (const inc of incidents) {
      // by reference, not through `open`: a later alert of the same batch may have closed it
      const o = this.untriaged.get(inc.id)
      this.untriaged.delete(inc.id)
      const input = o?.pending
      if (o === undefined || input === undefined) continue
      const verdict = triager.triage(input)
      o.inc.verdict = verdict
      o.inc.severity = verdict.severity
      o.inc.confidence = verdict.confidence
      delete o.pending
    }
  }

  /** Incident `id` holds entity key `k`: later alerts with that entity can find it. */
  private index(k: string, id: string): void {
    const key = linkKey(k)
    let s = this.byEntity.get(key)
    if (s === undefined) this.byEntity.set(key, (s = new Set()))
    s.add(id)
  }

  private addEntity(inc: Incident, k: string): void {
    if (inc.entities.includes(k) || inc.entities.length >= CAP_ENTITIES) return
    inc.entities.push(k)
    // a generic account (SYSTEM, NETWORK SERVICE, NAME$, root) is shown but links nothing
    if (!k.startsWith('user=') || !isGenericAccount(k.slice(5))) this.index(k, inc.id)
  }

  private close(id: string): void {
    const o = this.open.get(id)
    if (o === undefined) return
    this.open.delete(id)
    for (const k of o.inc.entities) {
      const key = linkKey(k)
      const s = this.byEntity.get(key)
      if (s === undefined) continue
      s.delete(id)
      if (s.size === 0) this.byEntity.delete(key)
    }
  }

  private place(a: IncidentAlert): Open {
    const t = Date.parse(a.timestamp)
    const ms = Number.isFinite(t) ? t : 0
    const all = entityKeys(a.entities)
    // the keys an alert may join an incident by: a generic account alone joins nothing
    const keys = all.filter((k) => !k.startsWith('user=') || !isGenericAccount(k.slice(5)))
    // the open incident sharing an entity, most recently active first; stale ones are closed here
    let best: { o: Open; key: string } | undefined
    for (const k of keys) {
      for (const id of [...(this.byEntity.get(linkKey(k)) ?? [])]) {
        const o = this.open.get(id)
        if (o === undefined) continue
        if (ms - o.lastMs > this.opts.windowMs) {
          this.close(id)
          continue
        }
        if (o.lastMs - ms > this.opts.windowMs) continue // far older alert arriving late: not this window
        if (best === undefined || o.lastMs > best.o.lastMs) best = { o, key: k }
      }
      if (best !== undefined) break // prefer the strongest entity kind that links
    }
    const fp = `${a.rule.id}|${keys[0] ?? ''}`
    if (best === undefined) return this.create(a, ms, keys, fp)
    const o = best.o
    const inc = o.inc
    const gap = Math.max(0, ms - o.lastMs)
    const f = inc.fingerprints[fp]
    if (f !== undefined) {
      f.count++
      if (a.timestamp > f.last_seen) f.last_seen = a.timestamp
      if (a.timestamp < f.first_seen) f.first_seen = a.timestamp
    } else {
      if (o.fingerprints < CAP_FINGERPRINTS) {
        inc.fingerprints[fp] = { rule_id: a.rule.id, count: 1, first_seen: a.timestamp, last_seen: a.timestamp }
        o.fingerprints++
      }
      if (inc.links.length < CAP_LINKS) inc.links.push({ alert_id: a.id, rule: { id: a.rule.id, title: a.rule.title }, reason: 'shared_entity', entity: best.key, gap_ms: gap })
    }
    this.absorb(o, a, ms, keys)
    return o
  }

  private create(a: IncidentAlert, ms: number, keys: string[], fp: string): Open {
    while (this.open.size >= this.maxOpen) this.close(this.open.keys().next().value as string)
    const inc: Incident = {
      id: stableId(`incident/${a.id}`),
      title: a.rule.title,
      status: 'new',
      created_at: this.clock(),
      first_seen: a.timestamp,
      last_seen: a.timestamp,
      severity: 'LOW',
      risk_score: 0,
      confidence: 0,
      verdict: undefined as unknown as Incident['verdict'],
      entities: [],
      alert_ids: [],
      alert_count: 0,
      fingerprints: { [fp]: { rule_id: a.rule.id, count: 1, first_seen: a.timestamp, last_seen: a.timestamp } },
      links: [{ alert_id: a.id, rule: { id: a.rule.id, title: a.rule.title }, reason: 'first', gap_ms: 0 }],
      event_ids: [],
      rules: {},
      source_ips: {},
      version: 0,
    }
    const o: Open = { inc, lastMs: ms, fingerprints: 1, alerts: new Map(), ips: new Map(), evidence: new Map() }
    this.open.set(inc.id, o)
    this.absorb(o, a, ms, keys)
    return o
  }

  private absorb(o: Open, a: IncidentAlert, ms: number, keys: string[]): void {
    const inc = o.inc
    inc.alert_count++
    if (inc.alert_ids.length < CAP_ALERTS) inc.alert_ids.push(a.id)
    for (const id of a.eventIds) if (inc.event_ids.length < CAP_ALERTS && !inc.event_ids.includes(id)) inc.event_ids.push(id)
    if (a.timestamp < inc.first_seen) inc.first_seen = a.timestamp
    if (a.timestamp > inc.last_seen) inc.last_seen = a.timestamp
    if (ms > o.lastMs) o.lastMs = ms
    for (const k of entityKeys(a.entities)) this.addEntity(inc, k)
    const prev = o.alerts.get(a.rule.id)
    if (prev !== undefined) {
      prev.count++
      if (rankOf(a.severity) > rankOf(prev.severity)) prev.severity = a.severity
    } else o.alerts.set(a.rule.id, { id: a.id, rule: a.rule, severity: a.severity, techniques: a.techniques, tactics: a.tactics, namedTactics: a.namedTactics, correlation: a.correlation, count: 1 })
    if (a.entities.source_ip) o.ips.set(a.entities.source_ip, (o.ips.get(a.entities.source_ip) ?? 0) + 1)
    addEvidence(o.evidence, a.rule.id, a.matched)
  }

  /**
   * Open again the incidents a previous run left open (e.g. read back from ClickHouse at start):
   * later alerts sharing their entities join them instead of opening new incidents.
   */
  restore(incidents: readonly Incident[]): number {
    let n = 0
    for (const inc of incidents) {
      if (this.open.has(inc.id) || inc.rules === undefined) continue
      const alerts = new Map<string, TriageAlert>()
      for (const [id, r] of Object.entries(inc.rules))
        alerts.set(id, { id: r.first_alert, rule: { id, title: r.title, level: r.level }, severity: r.severity, techniques: r.techniques, tactics: r.tactics, namedTactics: r.named_tactics, correlation: r.correlation, count: r.count })
      const o: Open = { inc, lastMs: Date.parse(inc.last_seen), fingerprints: Object.keys(inc.fingerprints).length, alerts, ips: new Map(Object.entries(inc.source_ips ?? {})), evidence: evidenceOf(inc) }
      this.open.set(inc.id, o)
      for (const k of inc.entities) this.index(k, inc.id)
      n++
    }
    return n
  }

  /** After a change: rules, addresses, risk, title and version, and the triager's input. */
  private describe(o: Open): void {
    const inc = o.inc
    inc.rules = Object.fromEntries(
      [...o.alerts].map(([id, a]) => [id, { title: a.rule.title, level: a.rule.level, severity: a.severity, techniques: [...a.techniques], tactics: [...a.tactics], named_tactics: [...a.namedTactics], correlation: a.correlation, count: a.count, first_alert: a.id }]),
    )
    inc.source_ips = Object.fromEntries(topCounts(o.ips, 50))
    if (o.evidence.size > 0) inc.evidence = evidenceSummary(o.evidence)
    let ip: { address: string; internal: boolean; risk_score: number; lists: string[] } | null = null
    // the most frequent address; among equals the first in locale order
    let main: string | undefined
    let most = -Infinity
    for (const [addr, n] of o.ips) if (n > most || (n === most && addr.localeCompare(main!) < 0)) [main, most] = [addr, n]
    if (main !== undefined)
      ip = { address: main, internal: this.profiles?.isInternal(main) ?? false, risk_score: this.profiles?.riskOf('source_ip', main) ?? 0, lists: this.intel?.lookup(main) ?? [] }
    let maxRisk = 0
    if (this.profiles)
      for (const k of inc.entities) {
        const i = k.indexOf('=')
        maxRisk = Math.max(maxRisk, this.profiles.riskOf(k.slice(0, i) as EntityKind, k.slice(i + 1)))
      }
    const alerts = [...o.alerts.values()]
    this.untriaged.set(inc.id, o)
    o.pending = { title: inc.title, alerts: [...alerts], entities: [...inc.entities], first_seen: inc.first_seen, last_seen: inc.last_seen, alert_count: inc.alert_count, ip, max_entity_risk: maxRisk, ...(inc.evidence ? { evidence: inc.evidence } : {}) }
    // without profiles, the alerts' own weights stand in for the entity risk
    const alertRisk = Math.min(100, alerts.reduce((s, a) => s + (RISK_WEIGHT[a.severity] ?? 0) * Math.min(3, a.count), 0))
    inc.risk_score = Math.max(maxRisk, this.profiles ? 0 : alertRisk)
    const top = alerts.sort((x, y) => rankOf(y.severity) - rankOf(x.severity) || y.count - x.count)[0]
    if (top !== undefined) inc.title = alerts.length > 1 ? `${top.rule.title} and ${alerts.length - 1} more detection${alerts.length > 2 ? 's' : ''}` : top.rule.title
    inc.version++
  }

  /** An incident still open for grouping (the live object). */
  get(id: string): Incident | undefined {
    return this.open.get(id)?.inc
  }

  /**
   * An analyst changed the incident (status, assignee, comments, triage): the in-memory incident takes it (so the pipeline's
   * next versions carry it); a closed incident stops taking alerts (new ones open a new incident).
   */
  update(id: string, apply: (inc: Incident) => void): Incident | undefined {
    const o = this.open.get(id)
    if (o === undefined) return undefined
    apply(o.inc)
    o.inc.version++
    if (o.inc.status === 'closed') this.close(id)
    return o.inc
  }

  /**
   * An analyst merged incidents into the open incident `targetId`: their alerts, entities,
   * fingerprints and rules join it (a `merged` link records each); triage it again after (`triage`).
   */
  merge(targetId: string, sources: readonly Incident[]): Incident | undefined {
    const o = this.open.get(targetId)
    if (o === undefined) return undefined
    const inc = o.inc
    for (const s of sources) {
      inc.alert_count += s.alert_count
      for (const id of s.alert_ids) if (inc.alert_ids.length < CAP_ALERTS && !inc.alert_ids.includes(id)) inc.alert_ids.push(id)
      for (const id of s.event_ids) if (inc.event_ids.length < CAP_ALERTS && !inc.event_ids.includes(id)) inc.event_ids.push(id)
      for (const k of s.entities) this.addEntity(inc, k)
      for (const [fp, f] of Object.entries(s.fingerprints)) {
        const mine = inc.fingerprints[fp]
        if (mine === undefined) {
          if (o.fingerprints < CAP_FINGERPRINTS) {
            inc.fingerprints[fp] = { ...f }
            o.fingerprints++
          }
        }
        else {
          mine.count += f.count
          if (f.first_seen < mine.first_seen) mine.first_seen = f.first_seen
          if (f.last_seen > mine.last_seen) mine.last_seen = f.last_seen
        }
      }
      for (const [rid, r] of Object.entries(s.rules ?? {})) {
        const mine = o.alerts.get(rid)
        if (mine !== undefined) {
          mine.count += r.count
          if (rankOf(r.severity) > rankOf(mine.severity)) mine.severity = r.severity
        } else o.alerts.set(rid, { id: r.first_alert, rule: { id: rid, title: r.title, level: r.level }, severity: r.severity, techniques: r.techniques, tactics: r.tactics, namedTactics: r.named_tactics, correlation: r.correlation, count: r.count })
      }
      for (const [ip, n] of Object.entries(s.source_ips ?? {})) o.ips.set(ip, (o.ips.get(ip) ?? 0) + n)
      for (const [rule, fields] of evidenceOf(s)) for (const [field, values] of fields) for (const [v, n] of values) addEvidence(o.evidence, rule, { [field]: v }, n)
      if (s.first_seen < inc.first_seen) inc.first_seen = s.first_seen
      if (s.last_seen > inc.last_seen) inc.last_seen = s.last_seen
      o.lastMs = Math.max(o.lastMs, Date.parse(s.last_seen))
      const first = Object.entries(s.rules ?? {})[0]
      inc.links.push({ alert_id: s.alert_ids[0] ?? s.id, rule: { id: first?.[0] ?? '', title: first?.[1].title ?? s.title }, reason: 'merged', entity: `incident=${s.id}`, gap_ms: 0 })
    }
    this.describe(o)
    return inc
  }

  /** Links of an incident (tests). */
  linksOf(id: string): GroupingLink[] {
    return this.open.get(id)?.inc.links ?? []
  }
}

const rankOf = (severity: string): number => SEVERITY_RANK[severity as Severity] ?? 0
