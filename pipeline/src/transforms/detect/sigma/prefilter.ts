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

  add(lit: string, id: number): void {
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
   * Mark `seen[r] = stamp` for every rule r of `owners[id]` of every literal id occurring in
   * `s.toLowerCase()`. ASCII text is case-folded on the fly; a string with any non-ASCII code
   * unit is lower-cased with `toLowerCase()` and scanned again.
   */
  scan(s: string, h: Hits, owners: number[][]): void {
    const enc = this.enc
    const fold = this.asciiClass
    let row = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c >= 128) {
        this.scanLower(s.toLowerCase(), h, owners)
        return
      }
      const v = enc[row + (fold[c] as number)] as number
      if (v < 0) {
        row = ~v
        this.emit(row / this.classes, h, owners)
      } else row = v
    }
  }

  /** `scan` over an already lower-cased string. */
  private scanLower(s: string, h: Hits, owners: number[][]): void {
    const enc = this.enc
    const wide = this.wide
    const fold = this.asciiClass
    let row = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      const v = enc[row + (c < 128 ? (fold[c] as number) : wide)] as number
      if (v < 0) {
        row = ~v
        this.emit(row / this.classes, h, owners)
      } else row = v
    }
  }

  private emit(n: number, h: Hits, owners: number[][]): void {
    const seen = h.seen
    const stamp = h.stamp
    let o = n
    while (o > 0) {
      const ids = this.outs[o] as number[]
      for (let j = 0; j < ids.length; j++) {
        const rs = owners[ids[j] as number] as number[]
        for (let q = 0; q < rs.length; q++) {
          const r = rs[q] as number
          if (seen[r] !== stamp) {
            seen[r] = stamp
            h.list[h.count++] = r
          }
        }
      }
      o = this.dict[o] as number
    }
  }
}

/** Rules whose literal occurred in the current event: `seen[r] === stamp`, listed in `list[0..count)`. */
export interface Hits {
  seen: Int32Array
  list: Int32Array
  count: number
  stamp: number
}

/** Literals are cut to this many code units (their prefixes still have to occur). */
const MAX_LIT = 24

/** Compiled requirement of one rule: its index and the field slots its literals belong to. */
export interface RulePrefilter {
  id: number
  slots: Int32Array
}

export class Prefilter {
  private readonly fieldSlot = new Map<string, number>()
  private readonly fields: string[] = []
  private readonly autos: AhoCorasick[] = []
  private readonly litIds: Array<Map<string, number>> = []
  /** Literal id -> indices of the rules requiring it. */
  private readonly owners: number[][] = []
  private rules = 0
  readonly hits: Hits = { seen: new Int32Array(0), list: new Int32Array(0), count: 0, stamp: 0 }
  /** Field slot -> stamp of the last event in which it was scanned. */
  private scanned: Int32Array = new Int32Array(0)

  /** Register a rule's requirement; returns its compiled form. Call `build()` after the last. */
  add(req: Req): RulePrefilter {
    const id = this.rules++
    const slots = new Set<number>()
    for (const r of req) {
      const f = r.f
      // a prefix of a required literal is required too; short prefixes keep the automata small
      const lit = r.lit.length > MAX_LIT ? r.lit.slice(0, MAX_LIT) : r.lit
      let slot = this.fieldSlot.get(f)
      if (slot === undefined) {
        slot = this.fields.length
        this.fieldSlot.set(f, slot)
        this.fields.push(f)
        this.autos.push(new AhoCorasick())
        this.litIds.push(new Map())
      }
      const ids = this.litIds[slot] as Map<string, number>
      let lid = ids.get(lit)
      if (lid === undefined) {
        lid = this.owners.length
        this.owners.push([])
        ids.set(lit, lid)
        ;(this.autos[slot] as AhoCorasick).add(lit, lid)
      }
      const own = this.owners[lid] as number[]
      if (own[own.length - 1] !== id) own.push(id)
      slots.add(slot)
    }
    return { id, slots: Int32Array.from(slots) }
  }

  build(): void {
    for (const a of this.autos) a.build()
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

  /** Scan every keyword-searched value (as `EventContext.allRaw`) without collecting them. */
  private walk(a: AhoCorasick, v: unknown, depth: number): void {
    if (typeof v === 'string') a.scan(v, this.hits, this.owners)
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint')
      a.scan(String(v), this.hits, this.owners)
    else if (depth > 0 && v !== null && typeof v === 'object') {
      if (Array.isArray(v)) for (const x of v) this.walk(a, x, depth - 1)
      else for (const k in v as Record<string, unknown>) this.walk(a, (v as Record<string, unknown>)[k], depth - 1)
    }
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
      const a = this.autos[slot] as AhoCorasick
      if (f === '') {
        const fields = ev.fields
        for (const k in fields) this.walk(a, fields[k], KEYWORD_DEPTH)
      } else {
        const v = ev.fields[f]
        if (v === undefined || v === null) continue // most routed fields are absent from a given event
        if (typeof v === 'string') a.scan(v, this.hits, this.owners)
        else {
          const vals = ev.raw(f)
          for (let k = 0; k < vals.length; k++) a.scan(vals[k] as string, this.hits, this.owners)
        }
      }
    }
  }

  /** Can the rule possibly match the current event? */
  possible(p: RulePrefilter, ev: EventContext): boolean {
    this.scan(p.slots, ev)
    return this.hits.seen[p.id] === this.hits.stamp
  }
}
