/**
 * Main-thread entity profiles: the workers' deltas and the alerts merged into one profile per
 * entity, with a decaying risk score (risk-based alerting).
 *
 * - Consistent across workers: every update is a commutative merge applied here, on one thread.
 * - Bounded memory: at most `maxInMemory` profiles; the least recently seen are written to
 *   ClickHouse (when dirty) and dropped, and loaded again when the entity comes back.
 * - Persistent: dirty profiles are written to `entity_profiles` (latest version wins) every
 *   `flush()`; after a restart a profile is loaded on its first update or read, and updates that
 *   arrived before the load are merged into it, not lost.
 * - Risk: each alert adds a weight by severity; the sum halves every `halfLifeMs` of stream (event)
 *   time; the score is that sum times a factor that grows with the number of distinct tactics,
 *   capped at 100.
 */
import type { EntityKind, EntityProfile } from '@watchfloor/contracts'
import { RFC1918_AND_LOCAL, cidrTester } from '../../lib/cidr.js'
import { mapInSlices } from '../../lib/yield.js'
import { LIST_CAP, type ProfileDelta } from './delta.js'

export const RISK_WEIGHT: Readonly<Record<string, number>> = { LOW: 5, MEDIUM: 15, HIGH: 40, CRITICAL: 70 }

export interface ProfileOptions {
  maxInMemory: number
  halfLifeMs: number
  internalCidrs: readonly string[]
}


/** Reads and writes persisted profiles (ClickHouse in the pipeline; absent in replay). */
export interface ProfilePersistence {
  load(keys: Array<{ kind: EntityKind; entity: string }>): Promise<EntityProfile[]>
  save(profiles: EntityProfile[]): Promise<void>
  /** Every persisted key, in pages (fills the filter at start). */
  keys(each: (kind: EntityKind, entity: string) => void): Promise<void>
}

interface Profile {
  kind: EntityKind
  entity: string
  /** First and last seen, ms since the epoch (numbers: cheaper than two ISO strings per profile). */
  first: number
  last: number
  events: number
  types: Record<string, number>
  severities: Record<string, number>
  /** Allocated on first use: most entities never get an alert, many have no ports or users. */
  alerts: Record<string, number> | undefined
  techniques: string[] | undefined
  tactics: string[] | undefined
  ports: number[] | undefined
  users: string[] | undefined
  hosts: string[] | undefined
  /** Undecayed risk sum as of `riskAt` (ms). */
  risk: number
  riskAt: number
  dirty: boolean
  /** Persisted state merged (or known not to exist). */
  loaded: boolean
  /** The store's clock at the last touch and at the (re)insertion into memory: eviction order. */
  touched: number
  inserted: number
}

export interface AlertForProfile {
  timestamp: string
  severity: string
  techniques: readonly string[]
  tactics: readonly string[]
  entities: { source_ip?: string; destination_ip?: string; user?: string; host?: string }
}

const key = (kind: string, entity: string) => `${kind}\u0000${entity}`

/**
 * Which profiles may exist in ClickHouse: a Bloom filter over their keys, filled at start from the
 * table and on every write. An entity it has never seen is new: no query is made for it (false
 * positives only cost a query that finds nothing).
 */
export class KeyFilter {
  private readonly bits: Uint32Array
  private readonly mask: number
  constructor(log2Bits = 27) {
    this.bits = new Uint32Array(2 ** (log2Bits - 5))
    this.mask = 2 ** log2Bits - 1
  }
  private hashes(k: string): [number, number] {
    let h1 = 0x811c9dc5
    let h2 = 0x01000193
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 13)
    }
    return [h1 >>> 0, (h2 | 1) >>> 0]
  }
  add(k: string): void {
    const [a, b] = this.hashes(k)
    for (let i = 0; i < 6; i++) {
      const bit = (a + Math.imul(i, b)) & this.mask
      this.bits[bit >>> 5]! |= 1 << (bit & 31)
    }
  }
  has(k: string): boolean {
    const [a, b] = this.hashes(k)
    for (let i = 0; i < 6; i++) {
      const bit = (a + Math.imul(i, b)) & this.mask
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false
    }
    return true
  }
}

/**
 * Users and hosts repeat across many profiles (one account, many source addresses): keep one copy
 * of each short string instead of one per profile. Bounded; past the bound strings are kept as given.
 */
const INTERNED = new Map<string, string>()
function intern(list: readonly string[]): readonly string[] {
  if (list.length === 0) return list
  return list.map((v) => {
    if (v.length > 128) return v
    const seen = INTERNED.get(v)
    if (seen !== undefined) return seen
    if (INTERNED.size < 200_000) INTERNED.set(v, v)
    return v
  })
}

function union<T>(into: T[] | undefined, from: readonly T[]): T[] | undefined {
  if (from.length === 0) return into
  const out = into ?? []
  for (const v of from) if (out.length < LIST_CAP && !out.includes(v)) out.push(v)
  return out
}
function sum(into: Record<string, number> | undefined, from: Readonly<Record<string, number>>): Record<string, number> {
  const out = into ?? {}
  for (const k in from) out[k] = (out[k] ?? 0) + (from[k] as number)
  return out
}

export class ProfileStore {
  private readonly mem = new Map<string, Profile>()
  /** Evicted before they could be written (dirty, or still waiting for their persisted state). */
  private readonly evicted = new Map<string, Profile>()
  private readonly toLoad = new Map<string, Profile>()
  private readonly internal: Array<(s: string) => boolean>
  /** The latest event time seen (ms): only a fallback for an alert without a usable time (risk decays per entity, on its own timeline). */
  watermark = 0
  evictions = 0
  private clock = 0
  /** Profiles that became dirty since the last flush, each once (its `dirty` flag). */
  private changed: Profile[] = []
  private readonly persisted = new KeyFilter()
  /** The filter holds every persisted key (until then, every new entity is looked up). */
  private filterReady = false

  constructor(
    readonly opts: ProfileOptions,
    private readonly persistence?: ProfilePersistence,
  ) {
    this.internal = opts.internalCidrs.map((c) => cidrTester(c))
  }

  get size(): number {
    return this.mem.size
  }

  isInternal(ip: string): boolean {
    return this.internal.some((t) => t(ip))
  }

  private touch(kind: EntityKind, entity: string, ts: string): Profile {
    const k = key(kind, entity)
    let p = this.mem.get(k)
    if (p !== undefined) {
      // a field write, not a Map delete+set per event: eviction gives it its second chance
      p.touched = ++this.clock
      return p
    }
    p = this.evicted.get(k)
    if (p !== undefined) this.evicted.delete(k)
    else {
      const known = this.persistence !== undefined && (!this.filterReady || this.persisted.has(k))
      const t = Date.parse(ts)
      p = { kind, entity, first: t, last: t, events: 0, types: {}, severities: {}, alerts: undefined, techniques: undefined, tactics: undefined, ports: undefined, users: undefined, hosts: undefined, risk: 0, riskAt: 0, dirty: false, loaded: !known, touched: 0, inserted: 0 }
      if (!p.loaded) this.toLoad.set(k, p)
    }
    p.touched = p.inserted = ++this.clock
    this.mem.set(k, p)
    // least recently touched first: the oldest inserted that was touched since goes to the end instead
    while (this.mem.size > this.opts.maxInMemory) {
      const [oldKey, old] = this.mem.entries().next().value as [string, Profile]
      this.mem.delete(oldKey)
      if (old.touched > old.inserted) {
        old.touched = old.inserted = ++this.clock
        this.mem.set(oldKey, old)
        continue
      }
      this.evictions++
      if (this.persistence !== undefined && (old.dirty || !old.loaded)) this.evicted.set(oldKey, old)
    }
    return p
  }

  applyDelta(d: ProfileDelta): void {
    const p = this.touch(d.kind, d.entity, d.first)
    const first = Date.parse(d.first)
    const last = Date.parse(d.last)
    if (first < p.first) p.first = first
    if (last > p.last) p.last = last
    p.events += d.events
    sum(p.types, d.types)
    sum(p.severities, d.severities)
    p.ports = union(p.ports, d.ports)
    p.users = union(p.users, intern(d.users))
    p.hosts = union(p.hosts, intern(d.hosts))
    this.markDirty(p)
    if (last > this.watermark) this.watermark = last
  }

  /** Decayed risk sum of `p` at time `t` (ms). */
  private riskAt(p: Profile, t: number): number {
    if (p.risk === 0) return 0
    return p.risk * Math.pow(0.5, Math.max(0, t - p.riskAt) / this.opts.halfLifeMs)
  }

  private addRisk(p: Profile, weight: number, t: number): void {
    if (t >= p.riskAt) {
      p.risk = this.riskAt(p, t) + weight
      p.riskAt = t
    } else p.risk += weight * Math.pow(0.5, (p.riskAt - t) / this.opts.halfLifeMs)
  }

  /**
   * Risk score of `p`, decayed to its own latest activity: one event far in the future (or any other
   * entity's clock) never changes it.
   */
  score(p: Profile, t = Math.max(p.last, p.riskAt)): number {
    const factor = Math.min(2, 1 + 0.25 * Math.max(0, (p.tactics?.length ?? 0) - 1))
    return Math.min(100, Math.round(this.riskAt(p, t) * factor))
  }

  /** An alert naming entities: counts, ATT&CK, and risk for each of them. */
  applyAlert(a: AlertForProfile): void {
    const t = Date.parse(a.timestamp)
    if (t > this.watermark) this.watermark = t
    const weight = RISK_WEIGHT[a.severity] ?? 0
    const e = a.entities
    const pairs: Array<[EntityKind, string | undefined]> = [['source_ip', e.source_ip], ['destination_ip', e.destination_ip], ['user', e.user], ['host', e.host]]
    for (const [kind, entity] of pairs) {
      if (entity === undefined || entity === '') continue
      const p = this.touch(kind, entity, a.timestamp)
      p.alerts = sum(p.alerts, { [a.severity]: 1 })
      p.techniques = union(p.techniques, a.techniques)
      p.tactics = union(p.tactics, a.tactics)
      // the destination of an attack carries less of its risk than the source
      this.addRisk(p, kind === 'destination_ip' ? weight / 2 : weight, Number.isFinite(t) ? t : this.watermark)
      this.markDirty(p)
    }
  }

  /** Current risk score of an entity in memory (0 when unknown here). */
  riskOf(kind: EntityKind, entity: string): number {
    const p = this.mem.get(key(kind, entity)) ?? this.evicted.get(key(kind, entity))
    return p === undefined ? 0 : this.score(p)
  }

  private view(p: Profile): EntityProfile {
    const out: EntityProfile = {
      kind: p.kind,
      entity: p.entity,
      first_seen: new Date(p.first).toISOString(),
      last_seen: new Date(p.last).toISOString(),
      events: p.events,
      event_types: { ...p.types },
      severities: { ...p.severities },
      alerts: { ...p.alerts },
      techniques: [...(p.techniques ?? [])].sort(),
      tactics: [...(p.tactics ?? [])],
      ports: [...(p.ports ?? [])].sort((a, b) => a - b),
      users: [...(p.users ?? [])].sort(),
      hosts: [...(p.hosts ?? [])].sort(),
      risk_score: this.score(p),
      risk_at: new Date(Math.max(p.last, p.riskAt)).toISOString(),
    }
    if (p.kind === 'source_ip' || p.kind === 'destination_ip') out.internal = this.isInternal(p.entity)
    return out
  }

  /** Merge a persisted profile into the in-memory one (updates seen since start are kept). */
  private mergePersisted(p: Profile, s: EntityProfile): void {
    p.first = Math.min(p.first, Date.parse(s.first_seen))
    p.last = Math.max(p.last, Date.parse(s.last_seen))
    p.events += s.events
    sum(p.types, s.event_types)
    sum(p.severities, s.severities)
    if (Object.keys(s.alerts).length > 0) p.alerts = sum(p.alerts, s.alerts)
    p.techniques = union(p.techniques, s.techniques)
    p.tactics = union(p.tactics, s.tactics)
    p.ports = union(p.ports, s.ports)
    p.users = union(p.users, s.users)
    p.hosts = union(p.hosts, s.hosts)
    // the persisted score is already factored: store its raw sum back
    const factor = Math.min(2, 1 + 0.25 * Math.max(0, s.tactics.length - 1))
    this.addRisk(p, s.risk_score / factor, Date.parse(s.risk_at))
  }

  /** A profile: from memory, else (with persistence) from ClickHouse. */
  async get(kind: EntityKind, entity: string): Promise<EntityProfile | undefined> {
    const k = key(kind, entity)
    const p = this.mem.get(k) ?? this.evicted.get(k)
    if (p !== undefined) {
      if (!p.loaded) await this.loadPending()
      return this.view(p)
    }
    if (this.persistence === undefined) return undefined
    const [s] = await this.persistence.load([{ kind, entity }])
    return s
  }

  /** Fill the filter of persisted keys from ClickHouse (call once at start; safe to skip). */
  async init(): Promise<void> {
    if (this.persistence === undefined || this.filterReady) return
    await this.persistence.keys((kind, entity) => this.persisted.add(key(kind, entity)))
    this.filterReady = true
  }

  /** Load the persisted state of profiles created since the last call (one query for all). */
  async loadPending(): Promise<void> {
    if (this.persistence === undefined || this.toLoad.size === 0) return
    const batch = [...this.toLoad.values()]
    this.toLoad.clear()
    for (let i = 0; i < batch.length; i += 5000) {
      const part = batch.slice(i, i + 5000)
      const found = await this.persistence.load(part.map((p) => ({ kind: p.kind, entity: p.entity })))
      const byKey = new Map(found.map((s) => [key(s.kind, s.entity), s]))
      for (const p of part) {
        const s = byKey.get(key(p.kind, p.entity))
        if (s !== undefined) {
          this.mergePersisted(p, s)
          this.markDirty(p)
        }
        p.loaded = true
      }
    }
  }

  private markDirty(p: Profile): void {
    if (p.dirty) return
    p.dirty = true
    this.changed.push(p)
  }

  /**
   * Write every dirty, loaded profile; evicted ones are dropped from memory once written. The
   * dirty ones come from the list kept as they changed (no scan of every profile), and their
   * documents are made a slice at a time with the event loop let through in between.
   */
  async flush(): Promise<number> {
    if (this.persistence === undefined) return 0
    await this.loadPending()
    const queued = this.changed
    this.changed = []
    const out = new Set<Profile>()
    for (const p of this.evicted.values()) if (p.loaded) out.add(p)
    for (const p of queued) {
      if (!p.dirty) continue
      if (p.loaded) out.add(p)
      else this.changed.push(p) // its stored state is not merged yet: the next flush
    }
    if (out.size === 0) return 0
    const list = [...out]
    // clean as its document is made: a change while later slices are made marks it dirty again
    const views = await mapInSlices(list, 1000, (p) => {
      p.dirty = false
      return this.view(p)
    })
    try {
      for (let i = 0; i < views.length; i += 20_000) await this.persistence.save(views.slice(i, i + 20_000))
    } catch (err) {
      for (const p of list) this.markDirty(p)
      throw err
    }
    for (const p of list) {
      const k = key(p.kind, p.entity)
      this.persisted.add(k)
      if (this.evicted.get(k) === p) this.evicted.delete(k)
    }
    return list.length
  }

  /** Every profile in memory (replay output, tests). */
  all(): EntityProfile[] {
    return [...this.mem.values()].map((p) => this.view(p))
  }
}
