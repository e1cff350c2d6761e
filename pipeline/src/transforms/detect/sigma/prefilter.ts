/**
 * Literal prefilter: rules whose condition provably needs one of a set of literals in some
 * lower-cased field value are skipped when none of those literals occurs. Each field's literals
 * are searched in one Aho-Corasick pass over the event's lower-cased values of that field, at most
 * once per event. The pass lists the rules whose literal occurred (`hits`), so a caller can
 * evaluate just those instead of asking about every candidate.
 */
import { KEYWORD_DEPTH, type EventContext, type Req } from './compile.js'

/**
 * Aho-Corasick automaton compiled to a dense DFA over an alphabet of character classes: each
 * ASCII code unit occurring in some literal is its own class, all non-ASCII code units share one
 * class, and every other code unit is class 0 (which always leads back to the root). Sharing the
 * non-ASCII class can only report extra literals (never miss one), which is safe for a prefilter.
 */
export class AhoCorasick {
  /** Trie during construction: per node, transitions (class -> node). */
  private next: Array<Map<number, number>> = [new Map()]
  /** Per node: literal ids ending exactly here. */
  private readonly outs: number[][] = [[]]
  /** Per node: nearest node on the fail chain (excluding itself) with outputs, or -1. */
  private dict: Int32Array = new Int32Array(1)
  /** Per node: 1 when the node or its dict chain has outputs. */
  private hasOut: Uint8Array = new Uint8Array(1)
  /** ASCII code unit -> class. */
  private readonly asciiClass = new Uint16Array(128)
  /** Class of every non-ASCII code unit (0 while no literal has one). */
  private wide = 0
  private classes = 1
  /** DFA: node * classes + class -> target node * classes, as `~x` when the target has outputs. */
  private enc: Int32Array = new Int32Array(1)

  /** Could a literal occur in the text of a number or boolean? */
  numeric = false

  add(lit: string, id: number): void {
    if (!this.numeric && anyNumeric([lit])) this.numeric = true
    let n = 0
    for (let i = 0; i < lit.length; i++) {
      const c = lit.charCodeAt(i)
      if (c < 128) {
        if (this.asciiClass[c] === 0) this.asciiClass[c] = this.classes++
      } else if (this.wide === 0) this.wide = this.classes++
      const k = c < 128 ? (this.asciiClass[c] as number) : this.wide
      const m = this.next[n] as Map<number, number>
      let to = m.get(k)
      if (to === undefined) {
        to = this.next.length
        this.next.push(new Map())
        this.outs.push([])
        m.set(k, to)
      }
      n = to
    }
    ;(this.outs[n] as number[]).push(id)
  }

  build(): void {
    const count = this.next.length
    const K = this.classes
    const delta = new Int32Array(count * K)
    const fail = new Int32Array(count)
    this.dict = new Int32Array(count).fill(-1)
    this.hasOut = new Uint8Array(count)
    const queue: number[] = []
    for (const [c, to] of this.next[0] as Map<number, number>) {
      delta[c] = to
      queue.push(to)
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const n = queue[qi] as number
      const f = fail[n] as number
      this.dict[n] = (this.outs[f] as number[]).length > 0 ? f : (this.dict[f] as number)
      this.hasOut[n] = (this.outs[n] as number[]).length > 0 || this.dict[n] !== -1 ? 1 : 0
      // default transitions: those of the fail node (already complete, it is shallower)
      delta.copyWithin(n * K, f * K, f * K + K)
      for (const [c, to] of this.next[n] as Map<number, number>) {
        const k = c
        fail[to] = delta[f * K + k] as number
        delta[n * K + k] = to
        queue.push(to)
      }
    }
    // encoded DFA: entries are target row offsets, bit-inverted when the target has outputs
    const enc = new Int32Array(delta.length)
    for (let i = 0; i < delta.length; i++) {
      const to = delta[i] as number
      enc[i] = this.hasOut[to] === 1 ? ~(to * K) : to * K
    }
    this.enc = enc
    // case folding: upper-case ASCII letters share the class of their lower-case letter
    for (let c = 65; c <= 90; c++) this.asciiClass[c] = this.asciiClass[c + 32] as number
    this.next = []
  }

  /**
   * Add to `out` the id of every literal occurring in `s.toLowerCase()`. ASCII text is
   * case-folded on the fly; a string with any non-ASCII code unit is lower-cased with
   * `toLowerCase()` and scanned again.
   */
  scan(s: string, out: Found): void {
    const enc = this.enc
    const fold = this.asciiClass
    const start = out.n
    let row = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c >= 128) {
        out.n = start
        this.scanLower(s.toLowerCase(), out)
        return
      }
      const v = enc[row + (fold[c] as number)] as number
      if (v < 0) {
        row = ~v
        this.emit(row / this.classes, out)
      } else row = v
    }
  }

  /** `scan` over an already lower-cased string. */
  private scanLower(s: string, out: Found): void {
    const enc = this.enc
    const wide = this.wide
    const fold = this.asciiClass
    let row = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      const v = enc[row + (c < 128 ? (fold[c] as number) : wide)] as number
      if (v < 0) {
        row = ~v
        this.emit(row / this.classes, out)
      } else row = v
    }
  }

  private emit(n: number, out: Found): void {
    let o = n
    while (o > 0) {
      const ids = this.outs[o] as number[]
      for (let j = 0; j < ids.length; j++) out.add(ids[j] as number)
      o = this.dict[o] as number
    }
  }
}

/** Literal ids found in values (repeats possible): `ids[0..n)`. */
export class Found {
  ids = new Int32Array(64)
  n = 0

  add(id: number): void {
    if (this.n === this.ids.length) {
      const more = new Int32Array(this.ids.length * 2)
      more.set(this.ids)
      this.ids = more
    }
    this.ids[this.n++] = id
  }
}

/** Record the rules owning an occurred literal as hits of the current event. */
function mark(h: Hits, rules: number[]): void {
  const seen = h.seen
  const stamp = h.stamp
  for (let q = 0; q < rules.length; q++) {
    const r = rules[q] as number
    if (seen[r] !== stamp) {
      seen[r] = stamp
      h.list[h.count++] = r
    }
  }
}

/** ASCII code unit -> its lower case. */
const FOLD = Uint8Array.from({ length: 128 }, (_, c) => (c >= 65 && c <= 90 ? c + 32 : c))

/**
 * Multi-literal search that skips (Wu-Manber with two-character blocks): it looks at the two code
 * units ending a window as long as the shortest literal and jumps ahead by as much as no literal
 * can start earlier, so a value is read at a fraction of its characters. Only built for small
 * sets of long ASCII literals (keyword literals of a route, most fields' literals), where jumps
 * are long; large or short sets use the `AhoCorasick` automaton, which reads every character.
 *
 * ASCII case is folded on the fly. The only characters whose lower case holds ASCII letters are
 * U+212A (Kelvin sign, `k`) and U+0130 (`İ`, `i` and a combining dot): every non-ASCII code unit
 * is read as possibly one of them, so such text is never skipped over (it may be reported).
 */
export class SkipScanner {
  /** Window: the shortest literal's length. */
  private readonly m: number
  /** Block hash -> how far the window may move. */
  private readonly shift: Uint8Array
  /** Block hash -> literals (index into `lits`) whose window ends with that block. */
  private readonly bucket: Map<number, number[]>

  /** Whether a set of lower-cased literals suits this search (else use `AhoCorasick`). */
  static suits(lits: readonly string[]): boolean {
    if (lits.length === 0 || lits.length > SKIP_MAX_LITERALS) return false
    let min = Infinity
    for (const l of lits) {
      if (!/^[\x00-\x7f]*$/.test(l)) return false
      if (l.length < min) min = l.length
    }
    return min >= SKIP_MIN_LENGTH
  }

  readonly numeric: boolean

  constructor(
    private readonly lits: readonly string[],
    private readonly ids: readonly number[],
  ) {
    this.numeric = anyNumeric(lits)
    let m = Infinity
    for (const l of lits) if (l.length < m) m = l.length
    this.m = Math.min(m, 255)
    // from the literals alone; `shift` and `bucket` then add what a non-ASCII unit may stand for
    const base = new Uint8Array(1 << 14).fill(this.m - 1)
    const ends = new Map<number, number[]>()
    lits.forEach((l, k) => {
      for (let q = 1; q < this.m; q++) {
        const hh = block(l.charCodeAt(q - 1), l.charCodeAt(q))
        const sh = this.m - 1 - q
        if (sh < (base[hh] as number)) base[hh] = sh
        if (sh === 0) {
          const b = ends.get(hh)
          if (b === undefined) ends.set(hh, [k])
          else b.push(k)
        }
      }
    })
    // a non-ASCII unit (hashed as 127) may stand for `k` or `i`: its blocks take the smallest
    // shift and every literal of the blocks it may stand for
    this.shift = base.slice()
    this.bucket = new Map(ends)
    const as = (x: number) => (x === 127 ? [127, 107, 105] : [x])
    for (let a = 0; a < 128; a++)
      for (const b of a === 127 ? Array.from({ length: 128 }, (_, i) => i) : [127]) {
        let sh = 255
        const ks = new Set<number>()
        for (const x of as(a))
          for (const y of as(b)) {
            const h2 = (x << 7) | y
            sh = Math.min(sh, base[h2] as number)
            for (const k of ends.get(h2) ?? []) ks.add(k)
          }
        this.shift[(a << 7) | b] = sh
        if (sh === 0) this.bucket.set((a << 7) | b, [...ks])
      }
  }

  scan(s: string, out: Found): void {
    const m = this.m
    const n = s.length
    const shift = this.shift
    let pos = m - 1
    while (pos < n) {
      const hh = block(s.charCodeAt(pos - 1), s.charCodeAt(pos))
      const sh = shift[hh] as number
      if (sh !== 0) {
        pos += sh
        continue
      }
      const start = pos - m + 1
      for (const k of this.bucket.get(hh) as number[])
        if (occursAt(s, start, this.lits[k] as string)) out.add(this.ids[k] as number)
      pos++
    }
  }
}

const SKIP_MAX_LITERALS = 64
const SKIP_MIN_LENGTH = 4

/** Hash of two code units, ASCII case-folded; every non-ASCII unit shares one value. */
function block(a: number, b: number): number {
  return ((a < 128 ? (FOLD[a] as number) : 127) << 7) | (b < 128 ? (FOLD[b] as number) : 127)
}

/** Could the lower-cased ASCII literal occur at `start` of `s` (lower-cased)? */
function occursAt(s: string, start: number, lit: string): boolean {
  if (start + lit.length > s.length) return false
  for (let j = 0; j < lit.length; j++) {
    const c = s.charCodeAt(start + j)
    const l = c < 128 ? (FOLD[c] as number) : c === 0x212a ? 107 : c === 0x130 ? 105 : c
    if (l !== lit.charCodeAt(j)) return false
  }
  return true
}

/** Search for a set of literals: the skipping search where it suits them, else the automaton. */
export interface LiteralScanner {
  /** Add to `out` the ids of the literals occurring in `s.toLowerCase()` (may over-report, never misses). */
  scan(s: string, out: Found): void
  /** Could a literal occur in the text of a number or boolean? If not, such values need no scan. */
  readonly numeric: boolean
}

/** Every character that the text of a number, bigint or boolean can hold (lower-cased). */
const NUMERIC_TEXT = /^[0-9.+\-einftyaruls]*$/

/** Could any of these literals occur in the text of a number or boolean? */
const anyNumeric = (lits: Iterable<string>): boolean => {
  for (const l of lits) if (NUMERIC_TEXT.test(l)) return true
  return false
}

export function literalScanner(lits: ReadonlyArray<readonly [string, number]>): LiteralScanner {
  const texts = lits.map((l) => l[0])
  if (SkipScanner.suits(texts))
    return new SkipScanner(
      texts,
      lits.map((l) => l[1]),
    )
  const a = new AhoCorasick()
  for (const [lit, id] of lits) a.add(lit, id)
  a.build()
  return a
}

/** Rules whose literal occurred in the current event: `seen[r] === stamp`, listed in `list[0..count)`. */
export interface Hits {
  seen: Int32Array
  list: Int32Array
  count: number
  stamp: number
}

/**
 * A copy of `v` that holds only its own characters. A value cut from a text line (auditd fields,
 * URLs of access logs) is a slice that keeps the whole request body it came from alive; a cache
 * key must not pin megabytes for a few characters.
 */
export function ownCopy(v: string): string {
  return v.length < 13 ? v : (' ' + v).slice(1)
}

/** Literals found in recent values of one field. */
interface ValueCache {
  map: Map<string, Int32Array>
  lookups: number
  hits: number
  /** Values still to scan without the cache. */
  bypass: number
}

const NONE = new Int32Array(0)
/** Characters of values kept over all field caches (about 2 bytes each, plus the entries). */
const CACHE_CHARS = 4_000_000
/** Longer values are scanned every time (they seldom repeat). */
const CACHE_MAX_VALUE = 1024
/** Lookups after which a field's repeat rate is checked, and values then scanned directly if it is low. */
const CACHE_PROBE = 4096
const CACHE_BYPASS = 65536

/** Literals are cut to this many code units (their prefixes still have to occur). */
const MAX_LIT = 24

/** Compiled requirement of one rule: its index and the field slots its literals belong to. */
export interface RulePrefilter {
  /** The clause whose hit puts the rule forward (its most selective). */
  id: number
  /** Its other clauses, all of which must have hit too. */
  others: Int32Array
  /** Every clause id. */
  clauses: Int32Array
  /** Field slots of its literals, keyword literals excepted (see `keywordScanner`). */
  slots: Int32Array
}

export class Prefilter {
  private readonly fieldSlot = new Map<string, number>()
  private readonly fields: string[] = []
  /** Per field slot: its literals with their ids, then (after `build()`) their scanner. */
  private readonly slotLits: Array<Array<[string, number]>> = []
  private scanners: LiteralScanner[] = []
  private readonly litIds: Array<Map<string, number>> = []
  /** Literal id -> indices of the rules requiring it. */
  private readonly owners: number[][] = []
  private rules = 0
  readonly hits: Hits = { seen: new Int32Array(0), list: new Int32Array(0), count: 0, stamp: 0 }
  /** Field slot -> stamp of the last event in which it was scanned. */
  private scanned: Int32Array = new Int32Array(0)
  /** Per field slot: literals found in recently seen values. */
  private caches: Array<ValueCache | undefined> = []
  private cachedChars = 0
  private readonly found = new Found()
  /** Rule index -> its keyword literals (field '': any value) as [literal, literal id]. */
  private readonly keywordLits = new Map<number, Array<[string, number]>>()
  private readonly keywordIds = new Map<string, number>()

  /** Register a rule's requirement (clauses, best first); returns its compiled form. Call `build()` after the last. */
  add(clauses: Req[]): RulePrefilter {
    const slots = new Set<number>()
    const ids = clauses.map((c) => this.addClause(c, slots))
    return { id: ids[0] as number, others: Int32Array.from(ids.slice(1)), clauses: Int32Array.from(ids), slots: Int32Array.from(slots) }
  }

  /** Register one clause (any of its literals); returns its id and adds its field slots to `slots`. */
  private addClause(req: Req, slots: Set<number>): number {
    const id = this.rules++
    for (const r of req) {
      const f = r.f
      // a prefix of a required literal is required too; short prefixes keep the automata small
      const lit = r.lit.length > MAX_LIT ? r.lit.slice(0, MAX_LIT) : r.lit
      if (f === '') {
        let kw = this.keywordLits.get(id)
        if (kw === undefined) this.keywordLits.set(id, (kw = []))
        kw.push([lit, this.ownLiteral(this.keywordIds, lit, id)])
        continue
      }
      let slot = this.fieldSlot.get(f)
      if (slot === undefined) {
        slot = this.fields.length
        this.fieldSlot.set(f, slot)
        this.fields.push(f)
        this.slotLits.push([])
        this.litIds.push(new Map())
      }
      const ids = this.litIds[slot] as Map<string, number>
      const known = ids.size
      const lid = this.ownLiteral(ids, lit, id)
      if (ids.size > known) (this.slotLits[slot] as Array<[string, number]>).push([lit, lid])
      slots.add(slot)
    }
    return id
  }

  /** The id of `lit` in `ids` (a new one if unseen), with rule `rule` among its owners. */
  private ownLiteral(ids: Map<string, number>, lit: string, rule: number): number {
    let lid = ids.get(lit)
    if (lid === undefined) {
      lid = this.owners.length
      this.owners.push([])
      ids.set(lit, lid)
    }
    const own = this.owners[lid] as number[]
    if (own[own.length - 1] !== rule) own.push(rule)
    return lid
  }

  /**
   * The keyword scanner of a set of clauses (a route's rules): only their keyword literals.
   * Keyword rules search every value of an event, so a route scans with the literals of its own
   * rules (a few for Windows events) rather than with every keyword literal loaded (hundreds,
   * mostly for other products): few literals, so usually the skipping search.
   */
  keywordScanner(clauses: Iterable<number>): LiteralScanner | undefined {
    const lits = new Map<number, [string, number]>()
    for (const c of clauses) for (const l of this.keywordLits.get(c) ?? []) lits.set(l[1], l)
    return lits.size === 0 ? undefined : literalScanner([...lits.values()])
  }

  build(): void {
    this.scanners = this.slotLits.map((l) => literalScanner(l))
    // a skipping search reads a fraction of a value, less work than hashing it for a lookup
    this.caches = this.scanners.map((a) => (a instanceof SkipScanner ? undefined : { map: new Map(), lookups: 0, hits: 0, bypass: 0 }))
    this.hits.seen = new Int32Array(this.rules)
    this.hits.list = new Int32Array(this.rules)
    this.hits.count = 0
    this.hits.stamp = 0
    this.scanned = new Int32Array(this.fields.length)
  }

  get size(): number {
    return this.rules
  }

  /** Start a new event (or a new view of one). */
  begin(): void {
    const h = this.hits
    h.stamp++
    h.count = 0
    if (h.stamp === 0x7fffffff) {
      h.seen.fill(0)
      this.scanned.fill(0)
      h.stamp = 1
    }
  }

  /** Mark the rules owning the literals in `found[from..n)` and forget them. */
  private markFound(from: number): void {
    const found = this.found
    const ids = found.ids
    for (let i = from; i < found.n; i++) mark(this.hits, this.owners[ids[i] as number] as number[])
    found.n = from
  }

  /** Scan every keyword-searched value (as `EventContext.allRaw`) without collecting them. */
  private walk(a: LiteralScanner, v: unknown, depth: number): void {
    if (typeof v === 'string') a.scan(v, this.found)
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      if (a.numeric) a.scan(String(v), this.found)
    }
    else if (depth > 0 && v !== null && typeof v === 'object') {
      if (Array.isArray(v)) for (const x of v) this.walk(a, x, depth - 1)
      else for (const k in v as Record<string, unknown>) this.walk(a, (v as Record<string, unknown>)[k], depth - 1)
    }
  }

  /** Scan every keyword-searched value of the event with a route's keyword scanner. */
  scanKeywords(a: LiteralScanner, ev: EventContext): void {
    const fields = ev.fields
    for (const k in fields) this.walk(a, fields[k], KEYWORD_DEPTH)
    this.markFound(0)
  }

  /**
   * Scan one value of a field slot. The same values recur all the time in logs (process images,
   * registry keys, call traces, hashes), so what a value holds is remembered per slot: a repeat
   * costs a hash lookup instead of a scan. A slot whose values rarely repeat stops remembering
   * for a while; the memory for all slots is bounded by `CACHE_CHARS`.
   */
  private scanValue(slot: number, v: string): void {
    const c = this.caches[slot]
    if (c === undefined || v.length > CACHE_MAX_VALUE || c.bypass > 0) {
      if (c !== undefined && c.bypass > 0) c.bypass--
      ;(this.scanners[slot] as LiteralScanner).scan(v, this.found)
      this.markFound(0)
      return
    }
    let lits = c.map.get(v)
    c.lookups++
    if (lits !== undefined) c.hits++
    else {
      ;(this.scanners[slot] as LiteralScanner).scan(v, this.found)
      lits = this.found.n === 0 ? NONE : this.found.ids.slice(0, this.found.n)
      this.found.n = 0
      this.cachedChars += v.length
      if (this.cachedChars > CACHE_CHARS) {
        for (const x of this.caches) x?.map.clear()
        this.cachedChars = v.length
      }
      c.map.set(ownCopy(v), lits)
    }
    if (c.lookups === CACHE_PROBE) {
      // fewer than a quarter of the values repeat: scanning directly is cheaper
      if (c.hits * 4 < c.lookups) {
        c.bypass = CACHE_BYPASS
        c.map.clear()
      }
      c.lookups = 0
      c.hits = 0
    }
    for (let i = 0; i < lits.length; i++) mark(this.hits, this.owners[lits[i] as number] as number[])
  }

  /** Scan the event's values of these field slots (each at most once per event). */
  scan(slots: Int32Array, ev: EventContext): void {
    const stamp = this.hits.stamp
    const scanned = this.scanned
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number
      if (scanned[slot] === stamp) continue
      scanned[slot] = stamp
      const f = this.fields[slot] as string
      const v = ev.fields[f]
      if (v === undefined || v === null) continue // most routed fields are absent from a given event
      if (typeof v === 'string') this.scanValue(slot, v)
      else {
        const vals = ev.raw(f)
        for (let k = 0; k < vals.length; k++) this.scanValue(slot, vals[k] as string)
      }
    }
  }

  /** After the scans: did every clause of the rule hit? */
  passes(p: RulePrefilter): boolean {
    const seen = this.hits.seen
    const stamp = this.hits.stamp
    if (seen[p.id] !== stamp) return false
    const others = p.others
    for (let k = 0; k < others.length; k++) if (seen[others[k] as number] !== stamp) return false
    return true
  }
}
