/**
 * Sigma correlation rules (specification 2.0: `event_count`, `value_count`, `temporal`,
 * `temporal_ordered`, plus `value_sum` from later drafts) evaluated on a stream.
 *
 * The work is split so that the state is consistent however events are spread over workers:
 * - the workers match the referenced rules and turn each match into a *signal*: which
 *   correlation, which step(s), the group-by values and the counted value, read from the event
 *   (see `signalsFor`);
 * - one `Correlator` on the main thread owns every window. Signals reach it from all workers, so
 *   no count is split between threads and nothing is counted twice.
 *
 * Windows run on event time (the record's `@timestamp`), so a replay gives the same alerts as the
 * live stream. A group fires once its condition holds inside `timespan`; it is then muted for one
 * timespan (later events of the burst are reported as `joined` to that alert instead of raising
 * new ones). Conditions need a lower bound (`gt`, `gte` or `eq`): an upper bound alone (`lt`,
 * `lte`) can only be decided when a window closes, which a stream engine never knows for sure,
 * so such rules are reported as not compiled.
 */
import { CompileError } from './compile.js'
import type { FieldView } from './fields.js'

export type CorrelationType = 'event_count' | 'value_count' | 'value_sum' | 'temporal' | 'temporal_ordered'
const TYPES = new Set<CorrelationType>(['event_count', 'value_count', 'value_sum', 'temporal', 'temporal_ordered'])

export interface Condition {
  gt?: number
  gte?: number
  lt?: number
  lte?: number
  eq?: number
}

export interface CorrelationRule {
  id: string
  name: string | undefined
  title: string
  level: string
  tags: string[]
  type: CorrelationType
  /** Referenced rules (id or name), in order for `temporal_ordered`. */
  rules: string[]
  groupBy: string[]
  timespanMs: number
  condition: Condition
  /** The counted field (`value_count`, `value_sum`). */
  field: string | undefined
  /** alias -> rule name -> field of the events matched by that rule. */
  aliases: Record<string, Record<string, string>>
  /** Whether the referenced rules also alert on their own. */
  generate: boolean
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function parseTimespan(v: unknown): number {
  const m = typeof v === 'string' ? /^(\d+)([smhd])$/.exec(v.trim()) : null
  if (!m) throw new CompileError(`timespan must be a number and one of s, m, h, d (got ${JSON.stringify(v)})`)
  const ms = Number(m[1]) * UNIT_MS[m[2] as string]!
  if (ms <= 0) throw new CompileError('timespan must be positive')
  return ms
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map((x) => String(x))

/** Compile a plain correlation document. Throws CompileError. */
export function compileCorrelation(doc: Record<string, unknown>): CorrelationRule {
  const c = doc.correlation
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new CompileError('correlation must be a mapping')
  const cr = c as Record<string, unknown>
  const type = cr.type as CorrelationType
  if (!TYPES.has(type)) throw new CompileError(`unsupported correlation type ${JSON.stringify(cr.type)}`)
  const rules = strs(cr.rules)
  if (rules.length === 0) throw new CompileError('correlation.rules is empty')
  const groupBy = strs(cr['group-by'])
  const timespanMs = parseTimespan(cr.timespan)
  const condition: Condition = {}
  let field: string | undefined
  const cond = cr.condition
  if (cond !== undefined) {
    if (typeof cond !== 'object' || cond === null || Array.isArray(cond)) throw new CompileError('correlation.condition must be a mapping')
    for (const [k, v] of Object.entries(cond)) {
      if (k === 'field') field = String(v)
      else if (k === 'gt' || k === 'gte' || k === 'lt' || k === 'lte' || k === 'eq') {
        const n = Number(v)
        if (!Number.isFinite(n)) throw new CompileError(`condition ${k} must be a number`)
        condition[k] = n
      } else throw new CompileError(`unknown condition operator '${k}'`)
    }
  }
  if (type === 'temporal' || type === 'temporal_ordered') {
    if (Object.keys(condition).length === 0) condition.gte = rules.length
    if (type === 'temporal_ordered' && condition.gte !== rules.length) throw new CompileError('temporal_ordered needs every referenced rule (no partial condition)')
  } else {
    if (Object.keys(condition).length === 0) throw new CompileError(`${type} needs a condition`)
    if ((type === 'value_count' || type === 'value_sum') && field === undefined) throw new CompileError(`${type} needs condition.field`)
  }
  if (condition.gt === undefined && condition.gte === undefined && condition.eq === undefined)
    throw new CompileError('condition has no lower bound (gt, gte or eq): a stream cannot decide it before the window closes')
  const aliases: Record<string, Record<string, string>> = {}
  if (cr.aliases !== undefined) {
    if (typeof cr.aliases !== 'object' || cr.aliases === null) throw new CompileError('correlation.aliases must be a mapping')
    for (const [alias, m] of Object.entries(cr.aliases as Record<string, unknown>)) {
      if (typeof m !== 'object' || m === null) throw new CompileError(`alias ${alias} must map rule names to fields`)
      aliases[alias] = Object.fromEntries(Object.entries(m as Record<string, unknown>).map(([r, f]) => [r, String(f)]))
    }
  }
  const tags = Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : []
  return {
    id: typeof doc.id === 'string' ? doc.id : '',
    name: typeof doc.name === 'string' ? doc.name : undefined,
    title: typeof doc.title === 'string' ? doc.title : '',
    level: typeof doc.level === 'string' ? doc.level : 'medium',
    tags,
    type,
    rules,
    groupBy,
    timespanMs,
    condition,
    field,
    aliases,
    generate: doc.generate === true || cr.generate === true,
  }
}

export function conditionHolds(c: Condition, n: number): boolean {
  if (c.gt !== undefined && !(n > c.gt)) return false
  if (c.gte !== undefined && !(n >= c.gte)) return false
  if (c.lt !== undefined && !(n < c.lt)) return false
  if (c.lte !== undefined && !(n <= c.lte)) return false
  if (c.eq !== undefined && n !== c.eq) return false
  return true
}

// ---------------------------------------------------------------- signals (worker side)

/** What a rule match contributes to one correlation. */
export interface Signal {
  corr: string
  /** Indices into the correlation's `rules` that the matched rule fills. */
  steps: number[]
  /** Group-by values, in `groupBy` order. */
  key: string[]
  value?: string | number
}

/** The steps of correlation `c` that a rule (or correlation) fills, by its id or its name. */
function stepsOf(c: CorrelationRule, ref: { id: string; name?: string | undefined }): number[] {
  const steps: number[] = []
  c.rules.forEach((r, i) => {
    if (r === ref.id || (ref.name !== undefined && r === ref.name)) steps.push(i)
  })
  return steps
}

/** Field to read for `name` (an alias or a field) in events of rule `ruleName`. */
function fieldFor(c: CorrelationRule, name: string, ruleName: string | undefined): string {
  const a = c.aliases[name]
  if (a === undefined) return name
  return (ruleName !== undefined ? a[ruleName] : undefined) ?? name
}

function scalar(v: unknown): string | number | undefined {
  if (Array.isArray(v)) v = v[0]
  if (typeof v === 'string') return v === '' ? undefined : v
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v)
  if (typeof v === 'boolean') return String(v)
  return undefined
}

/**
 * The signals of one match of rule (id, name) for the correlations referencing it. A field is
 * read from the rule's own view first, then from the canonical (ECS) view, so group-by fields may
 * be written either way. An event without a group-by value cannot be placed in a group and gives
 * no signal for that correlation (it is not lumped with other such events).
 */
export function signalsFor(corrs: readonly CorrelationRule[], rule: { id: string; name?: string | undefined }, views: readonly (FieldView | undefined)[]): Signal[] {
  const out: Signal[] = []
  const read = (f: string): string | number | undefined => {
    for (const v of views) {
      if (v === undefined) continue
      const x = scalar(v[f])
      if (x !== undefined) return x
    }
    return undefined
  }
  next: for (const c of corrs) {
    const steps = stepsOf(c, rule)
    if (steps.length === 0) continue
    const key: string[] = []
    for (const g of c.groupBy) {
      const v = read(fieldFor(c, g, rule.name))
      if (v === undefined) continue next
      key.push(String(v))
    }
    const s: Signal = { corr: c.id || c.name || c.title, steps, key }
    if (c.field !== undefined) {
      const v = read(fieldFor(c, c.field, rule.name))
      if (v === undefined) continue
      if (c.type === 'value_sum') {
        const n = typeof v === 'number' ? v : Number(v)
        if (!Number.isFinite(n)) continue
        s.value = n
      } else s.value = String(v)
    }
    out.push(s)
  }
  return out
}

/** Rule ids and names referenced by correlations whose matches do not alert on their own. */
export function silencedRefs(corrs: readonly CorrelationRule[]): { silenced: Set<string>; generating: Set<string> } {
  const silenced = new Set<string>()
  const generating = new Set<string>()
  for (const c of corrs) for (const r of c.rules) (c.generate ? generating : silenced).add(r)
  for (const g of generating) silenced.delete(g)
  return { silenced, generating }
}

// ---------------------------------------------------------------- correlator (main thread)

export interface Observation<E> {
  signal: Signal
  /** Event time, ms since the epoch. */
  ts: number
  eventId: string
  /** For a chained correlation: the events of the firing it stands for. */
  eventIds?: string[]
  /** Carried to the alert (entities of the last contributing event). */
  extra: E
}

export interface Fired<E> {
  rule: CorrelationRule
  key: string[]
  /** Group-by field -> value. */
  groups: Record<string, string>
  /** The measured value that met the condition (count, distinct values, sum, rules seen). */
  value: number
  /** Contributing events, oldest first (at most `maxEventsPerAlert`). */
  eventIds: string[]
  firstTs: number
  lastTs: number
  extra: E
  /** Stable id of the firing (same input, same id). */
  fireKey: string
}

export interface Joined {
  /** `fireKey` of the alert the event was folded into. */
  fireKey: string
  eventId: string
}

interface Item {
  ts: number
  ids: string[]
  value?: string | number | undefined
  step?: number | undefined
}

/** An item as saved: its fields that are set, ids copied. */
function savedItem(it: Item): SavedGroup['items'][number] {
  const out: SavedGroup['items'][number] = { ts: it.ts, ids: [...it.ids] }
  if (it.value !== undefined) out.value = it.value
  if (it.step !== undefined) out.step = it.step
  return out
}

interface GroupState {
  /** The correlator's clock when the group was last touched, and when it was (re)inserted into the map. */
  touched: number
  inserted: number
  /** Changed since the last `takeChanged` (its key is in `changed`). */
  dirty: boolean
  items: Item[]
  /** value_count: how many items hold each value (built from `items` when missing). */
  values?: Map<string | number | undefined, number>
  /** temporal_ordered: per step, the chain that completed it (start time, events). */
  chain?: Array<{ start: number; last: number; ids: string[] } | undefined>
  mutedUntil: number
  mutedKey: string
  lastTs: number
}

export interface CorrelatorOptions {
  /** Groups kept in memory across all correlations; the least recently touched are dropped first. */
  maxGroups?: number
  maxEventsPerAlert?: number
  /**
   * Events held in all windows together (each costs ~200 B): past it, the least recently touched
   * windows are dropped first, as past `maxGroups`. A window holds one entry per event it counts
   * until its timespan passes, so without this bound a high rate or a stream whose clock stands
   * still grows memory without end.
   */
  maxItems?: number
}

/** One group's window as it is saved and reloaded (a restart, a Kafka rebalance). */
export interface SavedGroup {
  key: string
  items: Array<{ ts: number; ids: string[]; value?: string | number; step?: number }>
  chain?: Array<{ start: number; last: number; ids: string[] } | null>
  /** Epoch ms; null when the group never fired. */
  mutedUntil: number | null
  mutedKey: string
  lastTs: number
}

export class Correlator<E = unknown> {
  private readonly byId = new Map<string, CorrelationRule>()
  /** Keys of the groups changed since the last `takeChanged`, each once (the group's `dirty` flag). */
  private changed: string[] = []
  /** Ticks on every touch; orders touches for eviction. */
  private clock = 0
  /** Correlations that reference another correlation (chaining), by the referenced id/name. */
  private readonly chained = new Map<string, CorrelationRule[]>()
  private readonly groups = new Map<string, GroupState>()
  private readonly maxGroups: number
  private readonly maxEvents: number
  private readonly maxItems: number
  /** Items held in all windows. */
  private itemCount = 0
  evicted = 0

  constructor(readonly rules: readonly CorrelationRule[], opts: CorrelatorOptions = {}) {
    this.maxGroups = opts.maxGroups ?? 200_000
    this.maxEvents = opts.maxEventsPerAlert ?? 1000
    this.maxItems = opts.maxItems ?? 500_000
    for (const c of rules) this.byId.set(c.id || c.name || c.title, c)
    const refs = new Map<string, CorrelationRule>()
    for (const c of rules) {
      if (c.id) refs.set(c.id, c)
      if (c.name) refs.set(c.name, c)
    }
    for (const c of rules)
      for (const r of c.rules) {
        const inner = refs.get(r)
        if (inner === undefined || inner === c) continue
        const key = inner.id || inner.name || inner.title
        const list = this.chained.get(key) ?? []
        if (!list.includes(c)) list.push(c)
        this.chained.set(key, list)
      }
  }

  get groupCount(): number {
    return this.groups.size
  }

  /** Events held in all windows (bounded by `maxItems`). */
  get itemTotal(): number {
    return this.itemCount
  }

  /** The groups changed since the last call (at most `max` of them: the rest stay for the next call), as plain data (their windows, mute and chain state). */
  takeChanged(max = Infinity): SavedGroup[] {
    const out: SavedGroup[] = []
    const keys = max >= this.changed.length ? this.changed : this.changed.slice(0, max)
    this.changed = keys === this.changed ? [] : this.changed.slice(max)
    for (const key of keys) {
      const g = this.groups.get(key)
      if (g === undefined || !g.dirty) continue
      g.dirty = false
      const saved: SavedGroup = { key, items: g.items.map(savedItem), mutedUntil: Number.isFinite(g.mutedUntil) ? g.mutedUntil : null, mutedKey: g.mutedKey, lastTs: g.lastTs }
      if (g.chain) saved.chain = g.chain.map((c) => (c === undefined ? null : { ...c, ids: [...c.ids] }))
      out.push(saved)
    }
    return out
  }

  /**
   * Takes back saved groups: a group not held here is taken as saved; one held here gets the
   * saved items it lacks (the same event is never counted twice) and the later mute.
   */
  restore(saved: readonly SavedGroup[]): number {
    let n = 0
    for (const s of saved) {
      const chain = s.chain?.map((c) => c ?? undefined)
      const have = this.groups.get(s.key)
      if (have === undefined) {
        const g: GroupState = { touched: ++this.clock, inserted: this.clock, dirty: false, items: s.items.map((it) => ({ ...it })), mutedUntil: s.mutedUntil ?? -Infinity, mutedKey: s.mutedKey, lastTs: s.lastTs }
        if (chain) g.chain = chain
        this.insert(s.key, g)
        this.itemCount += g.items.length
        n++
        continue
      }
      const seen = new Set(have.items.map((it) => `${it.ts}\u0000${it.ids.join(',')}`))
      for (const it of s.items)
        if (!seen.has(`${it.ts}\u0000${it.ids.join(',')}`)) {
          have.items.push({ ...it })
          this.itemCount++
        }
      have.items.sort((a, b) => a.ts - b.ts)
      delete have.values
      if ((s.mutedUntil ?? -Infinity) > have.mutedUntil) {
        have.mutedUntil = s.mutedUntil ?? -Infinity
        have.mutedKey = s.mutedKey
      }
      have.lastTs = Math.max(have.lastTs, s.lastTs)
      if (have.chain === undefined && chain) have.chain = chain
      n++
    }
    return n
  }

  /** Feed one signal; returns the correlations that fired (including chained ones) and events folded into a recent firing. */
  observe(o: Observation<E>): { fired: Fired<E>[]; joined: Joined[] } {
    const fired: Fired<E>[] = []
    const joined: Joined[] = []
    // the common case, a signal of a correlation nothing chains on: no queue
    if (!this.chained.has(o.signal.corr)) {
      const c = this.byId.get(o.signal.corr)
      const f = c === undefined ? undefined : this.step(c, o, joined)
      if (f !== undefined) fired.push(f)
      return { fired, joined }
    }
    const queue: Observation<E>[] = [o]
    for (let q = queue.shift(); q !== undefined; q = queue.shift()) {
      const c = this.byId.get(q.signal.corr)
      if (c === undefined) continue
      const f = this.step(c, q, joined)
      if (f === undefined) continue
      fired.push(f)
      for (const outer of this.chained.get(q.signal.corr) ?? []) {
        const sig = this.chainSignal(outer, c, f)
        if (sig !== undefined) queue.push({ signal: sig, ts: f.lastTs, eventId: f.eventIds[0] ?? f.fireKey, eventIds: f.eventIds, extra: f.extra })
      }
    }
    return { fired, joined }
  }

  private chainSignal(outer: CorrelationRule, inner: CorrelationRule, f: Fired<E>): Signal | undefined {
    const steps = stepsOf(outer, inner)
    const key: string[] = []
    for (const g of outer.groupBy) {
      const v = f.groups[fieldFor(outer, g, inner.name)] ?? f.groups[g]
      if (v === undefined) return undefined
      key.push(v)
    }
    const s: Signal = { corr: outer.id || outer.name || outer.title, steps, key }
    if (outer.field !== undefined) s.value = outer.type === 'value_sum' ? f.value : String(f.value)
    return s
  }

  /**
   * The group's state, created when new; marks it touched and changed. Touching is a field write:
   * the map keeps insertion order and eviction gives a group touched since its insertion a second
   * chance (moved to the end), which evicts the least recently touched group without re-inserting
   * on every signal.
   */
  private state(gk: string, ts: number): GroupState {
    let s = this.groups.get(gk)
    if (s === undefined) {
      s = { touched: ++this.clock, inserted: this.clock, dirty: false, items: [], mutedUntil: -Infinity, mutedKey: '', lastTs: ts }
      this.insert(gk, s)
    } else s.touched = ++this.clock
    if (!s.dirty) {
      s.dirty = true
      this.changed.push(gk)
    }
    return s
  }

  private insert(gk: string, s: GroupState): void {
    while (this.groups.size >= this.maxGroups) {
      const [oldest, g] = this.groups.entries().next().value as [string, GroupState]
      this.groups.delete(oldest)
      if (g.touched > g.inserted) {
        g.inserted = ++this.clock
        g.touched = g.inserted
        this.groups.set(oldest, g)
      } else this.drop(g)
    }
    this.groups.set(gk, s)
  }

  private drop(g: GroupState): void {
    this.itemCount -= g.items.length
    this.evicted++
  }

  /** A window's items replaced (expired, compacted, fired), the total kept right. */
  private setItems(s: GroupState, items: Item[]): void {
    this.itemCount += items.length - s.items.length
    s.items = items
  }

  /**
   * Over the item budget: the least recently touched windows go (never `current`), as when there
   * are too many windows, down to 90% of the budget so the walk is not repeated on every event.
   */
  private shed(current: GroupState): void {
    const target = Math.floor(this.maxItems * 0.9)
    // one walk from the oldest (a fresh iterator per window would skip every deleted slot again);
    // a window touched since it was (re)inserted goes to the end, where the walk may meet it again
    let guard = 2 * this.groups.size
    for (const [k, g] of this.groups) {
      if (this.itemCount <= target || guard-- <= 0) break
      this.groups.delete(k)
      if (g === current || g.touched > g.inserted) {
        g.inserted = ++this.clock
        g.touched = g.inserted
        this.groups.set(k, g)
      } else this.drop(g)
    }
  }

  /**
   * Bounds a window that repeats itself: a value_count window keeps counting distinct values (a
   * port scan that never reaches its threshold, a stream whose clock stands still) and a temporal
   * window steps it has seen. Of the items, only the last `maxEvents` (the events an alert lists)
   * and the latest of each value (or step) can change what the window says; the rest go. The
   * distinct count, the window's expiry of each value and the alert's events stay exactly as they were.
   */
  private compact(s: GroupState, c: CorrelationRule): void {
    const keyOf = (it: Item) => (c.type === 'temporal' ? it.step : it.value)
    const latest = new Map<unknown, number>()
    s.items.forEach((it, i) => latest.set(keyOf(it), i))
    const from = s.items.length - this.maxEvents
    const kept: Item[] = []
    s.items.forEach((it, i) => {
      if (i >= from || latest.get(keyOf(it)) === i) kept.push(it)
      else if (s.values !== undefined) s.values.set(it.value, s.values.get(it.value)! - 1)
    })
    this.setItems(s, kept)
  }

  private step(c: CorrelationRule, o: Observation<E>, joined: Joined[]): Fired<E> | undefined {
    const { signal, ts } = o
    const gk = `${signal.corr}\u0000${signal.key.join('\u0000')}`
    const s = this.state(gk, ts)
    if (ts > s.lastTs) s.lastTs = ts
    if (ts < s.mutedUntil && ts >= s.mutedUntil - c.timespanMs) {
      for (const id of o.eventIds ?? [o.eventId]) joined.push({ fireKey: s.mutedKey, eventId: id })
      return undefined
    }
    const horizon = s.lastTs - c.timespanMs
    // Drop what fell out of the window (items are kept in arrival order, mostly time order).
    if (s.items.length > 0 && s.items[0]!.ts < horizon) {
      const kept: Item[] = []
      for (const it of s.items) {
        if (it.ts >= horizon) kept.push(it)
        else if (s.values !== undefined) {
          const n = s.values.get(it.value)! - 1
          if (n === 0) s.values.delete(it.value)
          else s.values.set(it.value, n)
        }
      }
      this.setItems(s, kept)
    }
    if (ts < horizon) return undefined // too late for any window still open
    let value: number
    let ids: string[]
    const own = o.eventIds ?? [o.eventId]
    let firstTs = ts
    if (c.type === 'temporal_ordered') {
      const n = c.rules.length
      const chain = (s.chain ??= new Array(n).fill(undefined))
      for (let i = 0; i < n; i++) {
        const link = chain[i]
        if (link !== undefined && link.start < horizon) chain[i] = undefined
      }
      let done: { start: number; last: number; ids: string[] } | undefined
      // Later steps first, so one event never fills two consecutive steps of the same chain.
      for (const i of [...signal.steps].sort((a, b) => b - a)) {
        if (i === 0) {
          chain[0] = { start: ts, last: ts, ids: own.slice(-this.maxEvents) }
        } else {
          const prev = chain[i - 1]
          if (prev === undefined || ts < prev.last || ts - prev.start > c.timespanMs) continue
          chain[i] = { start: prev.start, last: ts, ids: [...prev.ids, ...own].slice(-this.maxEvents) }
        }
        if (i === n - 1) done = chain[i]
      }
      if (done === undefined) return undefined
      value = n
      ids = done.ids
      firstTs = done.start
    } else {
      // every item has the same four fields (one shape, no out-of-object property storage: ~40 B less each)
      const item: Item = { ts, ids: own, value: signal.value, step: c.type === 'temporal' ? signal.steps[0]! : undefined }
      s.items.push(item)
      if (++this.itemCount > this.maxItems) this.shed(s)
      if (s.items.length > 2 * this.maxEvents && (c.type === 'value_count' || c.type === 'temporal')) this.compact(s, c)
      if (c.type === 'temporal') {
        // Every step a matched rule fills counts (a rule listed twice fills both).
        const seen = new Set<number>()
        for (const it of s.items) {
          const ref = c.rules[it.step!]
          c.rules.forEach((r, i) => {
            if (r === ref) seen.add(i)
          })
        }
        value = seen.size
      } else if (c.type === 'event_count') value = s.items.length
      else if (c.type === 'value_count') {
        if (s.values === undefined) {
          s.values = new Map()
          for (const it of s.items) s.values.set(it.value, (s.values.get(it.value) ?? 0) + 1)
        } else s.values.set(item.value, (s.values.get(item.value) ?? 0) + 1)
        value = s.values.size
      }
      else value = s.items.reduce((a, it) => a + (typeof it.value === 'number' ? it.value : 0), 0)
      if (!conditionHolds(c.condition, value)) return undefined
      ids = s.items.flatMap((it) => it.ids).slice(-this.maxEvents)
      firstTs = Math.min(...s.items.map((it) => it.ts))
    }
    if (!conditionHolds(c.condition, value)) return undefined
    const fireKey = `${signal.corr}\u0000${signal.key.join('\u0000')}\u0000${ids[0] ?? ''}`
    this.setItems(s, [])
    s.values?.clear()
    if (s.chain) s.chain = new Array(c.rules.length).fill(undefined)
    s.mutedUntil = ts + c.timespanMs
    s.mutedKey = fireKey
    const groups: Record<string, string> = {}
    c.groupBy.forEach((g, i) => (groups[g] = signal.key[i]!))
    return { rule: c, key: signal.key, groups, value, eventIds: ids, firstTs, lastTs: ts, extra: o.extra, fireKey }
  }
}
