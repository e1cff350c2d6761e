/**
 * Sigma rule -> matcher closure.
 *
 * Semantics (SigmaHQ usage):
 * - Matching is case-insensitive by default; `cased` makes a value case-sensitive; `re` is
 *   case-sensitive unless `|i` (a leading inline `(?i)` is turned into the `i` flag).
 * - Wildcards `*` and `?`; a backslash escapes only `*`, `?` and `\`, otherwise it is literal.
 * - Numbers and booleans are compared through their string form, so `EventID: 4688` matches
 *   both the number 4688 and the string "4688" (YAML numbers keep their source text, so
 *   `0x1000` stays "0x1000").
 * - A list-valued event field matches when any element matches.
 * - `null` matches a field that is absent or null; `exists: true` needs a present, non-null value.
 * - Keywords (strings without a field) are substring matches against every string/number value
 *   of the event view, searched through nested values up to depth 4.
 * - `expand` placeholders (`%name%`) never match unless `placeholders` supplies the values.
 * - base64/base64offset/wide patterns are matched case-insensitively like any other value
 *   (as SigmaHQ backends usually do).
 * Everything (regexes, lower-cased patterns) is built at compile time; per event, string
 * values are lower-cased lazily once and cached in `EventContext`.
 */
import { isMap, isScalar, isSeq, isAlias, type Document } from 'yaml'
import type { FieldView } from './fields.js'
import type { RuleLogsource } from './logsource.js'
import { cidrTester } from '../../../lib/cidr.js'

export class CompileError extends Error {}

export const KEYWORD_DEPTH = 4

/** Per-event cache of stringified and lower-cased values. */
export class EventContext {
  // made on first use: most events are settled by the prefilter without reading a field here
  private raws: Map<string, string[]> | undefined
  private lows: Map<string, string[]> | undefined
  private allLow: string[] | undefined
  private allRawV: string[] | undefined
  constructor(readonly fields: FieldView) {}

  /** String forms of the field's scalar value(s) (list-valued fields yield each element). */
  raw(name: string): string[] {
    this.raws ??= new Map()
    let r = this.raws.get(name)
    if (r === undefined) {
      r = []
      pushStrings(this.fields[name], r, 1)
      this.raws.set(name, r)
    }
    return r
  }

  low(name: string): string[] {
    this.lows ??= new Map()
    let r = this.lows.get(name)
    if (r === undefined) {
      r = this.raw(name).map((s) => s.toLowerCase())
      this.lows.set(name, r)
    }
    return r
  }

  /** All string values of the event (searched through nested values), for keyword search. */
  allRaw(): string[] {
    if (this.allRawV === undefined) {
      const out: string[] = []
      for (const k in this.fields) pushStrings(this.fields[k], out, KEYWORD_DEPTH)
      this.allRawV = out
    }
    return this.allRawV
  }

  /** `allRaw()` lower-cased. */
  all(): string[] {
    if (this.allLow === undefined) this.allLow = this.allRaw().map((s) => s.toLowerCase())
    return this.allLow
  }
}

function pushStrings(v: unknown, out: string[], depth: number): void {
  if (typeof v === 'string') out.push(v)
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') out.push(String(v))
  else if (depth > 0 && v !== null && typeof v === 'object') {
    if (Array.isArray(v)) for (const x of v) pushStrings(x, out, depth - 1)
    else for (const k in v as Record<string, unknown>) pushStrings((v as Record<string, unknown>)[k], out, depth - 1)
  }
}

export type Matcher = (ev: EventContext) => boolean

/**
 * Literal requirement of a matcher, as clauses that all hold when the matcher returns true. A
 * clause holds when at least one of its entries' literal occurs in some lower-cased value of its
 * field (field '' = any keyword-searched value). Matchers without a recorded requirement may match
 * anything.
 */
export interface ReqLit {
  f: string
  lit: string
}
/** One clause: any of these literals. */
export type Req = ReqLit[]

/** Clauses kept for one rule (the most selective): enough to rule out most candidates cheaply. */
const MAX_CLAUSES = 3

const REQS = new WeakMap<Matcher, Req[]>()

/** The literal requirement recorded for a matcher, if any: clauses that must all hold. */
export function matcherReq(m: Matcher): Req[] | undefined {
  return REQS.get(m)
}

function setReq(m: Matcher, clauses: Req[] | undefined): Matcher {
  if (clauses !== undefined && clauses.length > 0 && clauses.every((c) => c.length > 0)) REQS.set(m, clauses)
  return m
}

/** A leaf matcher's requirement: one clause. */
function leafReq(m: Matcher, clause: Req | undefined): Matcher {
  return setReq(m, clause === undefined ? undefined : [clause])
}

/** How selective a clause is: longer literals and fewer alternatives score higher. */
function clauseScore(c: Req): number {
  let minLen = Infinity
  for (const x of c) if (x.lit.length < minLen) minLen = x.lit.length
  return Math.min(minLen, 8) / c.length
}

/**
 * OR: every part needs a requirement. Whichever part matched, each of its clauses holds, so
 * clause i of the result is the union of every part's clause i (its last when it has fewer).
 */
function reqUnion(ms: Matcher[]): Req[] | undefined {
  const parts: Req[][] = []
  for (const m of ms) {
    const r = REQS.get(m)
    if (r === undefined) return undefined
    parts.push(r)
  }
  const n = Math.max(...parts.map((p) => p.length))
  const out: Req[] = []
  for (let i = 0; i < n; i++) {
    const clause: Req = []
    const seen = new Set<string>()
    for (const p of parts)
      for (const x of p[Math.min(i, p.length - 1)] as Req) {
        const k = `${x.f}\u0000${x.lit}`
        if (seen.has(k)) continue
        seen.add(k)
        clause.push(x)
      }
    out.push(clause)
  }
  return out
}

/** AND: every part's clauses hold; keep the most selective few, best first. */
function reqPick(ms: Matcher[]): Req[] | undefined {
  const all = new Map<string, Req>()
  for (const m of ms)
    for (const c of REQS.get(m) ?? []) {
      const k = c
        .map((x) => `${x.f}\u0000${x.lit}`)
        .sort()
        .join('\u0001')
      all.set(k, c)
    }
  if (all.size === 0) return undefined
  return [...all.values()].sort((a, b) => clauseScore(b) - clauseScore(a)).slice(0, MAX_CLAUSES)
}

// ---------------------------------------------------------------- YAML -> plain values

/** YAML node -> JS value where numbers keep their source text (strings). */
export function plain(node: unknown): unknown {
  if (isAlias(node)) throw new CompileError('YAML aliases are not supported')
  if (isMap(node)) {
    const o: Record<string, unknown> = {}
    for (const it of node.items) {
      const k = plain(it.key)
      o[String(k)] = plain(it.value)
    }
    return o
  }
  if (isSeq(node)) return node.items.map(plain)
  if (isScalar(node)) {
    const v = node.value
    if (typeof v === 'number' || typeof v === 'bigint') return node.source ?? String(v)
    return v
  }
  if (node === null || node === undefined) return null
  return node
}

export function docToPlain(doc: Document): unknown {
  return plain(doc.contents)
}

// ---------------------------------------------------------------- string patterns

const STAR = 0
const QMARK = 1
type Token = string | typeof STAR | typeof QMARK
type Pattern = Token[]

/** Parse a Sigma string: `*`/`?` wildcards, `\` escapes only `*`, `?`, `\`. */
export function parsePattern(s: string): Pattern {
  const out: Pattern = []
  let lit = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === '\\') {
      const n = s[i + 1]
      if (n === '*' || n === '?' || n === '\\') {
        lit += n
        i++
      } else lit += c
    } else if (c === '*' || c === '?') {
      if (lit !== '') out.push(lit)
      lit = ''
      out.push(c === '*' ? STAR : QMARK)
    } else lit += c
  }
  if (lit !== '') out.push(lit)
  return out
}

function isPlainLiteral(p: Pattern): boolean {
  return p.every((t) => typeof t === 'string')
}

function literalOf(p: Pattern, mod: string): string {
  if (!isPlainLiteral(p)) throw new CompileError(`${mod} modifier on a value with wildcards`)
  return (p as string[]).join('')
}

function mapLiterals(p: Pattern, f: (s: string) => string): Pattern {
  return p.map((t) => (typeof t === 'string' ? f(t) : t))
}

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

type Shape =
  | { k: 'any' }
  | { k: 'eq' | 'starts' | 'ends' | 'contains'; v: string }
  | { k: 're'; re: RegExp }

/** Classify a (case-normalised) pattern into the cheapest string test. */
function patternShape(p: Pattern, lower: boolean): Shape {
  const toks = lower ? mapLiterals(p, (s) => s.toLowerCase()) : p
  // normalise: merge adjacent stars and adjacent literals
  const t: Pattern = []
  for (const x of toks) {
    if (x === STAR && t[t.length - 1] === STAR) continue
    if (typeof x === 'string' && typeof t[t.length - 1] === 'string') t[t.length - 1] = (t[t.length - 1] as string) + x
    else t.push(x)
  }
  if (t.length === 0) return { k: 'eq', v: '' }
  if (t.length === 1) {
    const a = t[0]
    if (a === STAR) return { k: 'any' }
    if (typeof a === 'string') return { k: 'eq', v: a }
  }
  if (t.length === 2) {
    const [a, b] = t
    if (a === STAR && typeof b === 'string') return { k: 'ends', v: b }
    if (b === STAR && typeof a === 'string') return { k: 'starts', v: a }
  }
  if (t.length === 3) {
    const [a, b, c] = t
    if (a === STAR && c === STAR && typeof b === 'string') return { k: 'contains', v: b }
  }
  let src = '^'
  for (const x of t) src += x === STAR ? '.*' : x === QMARK ? '.' : reEscape(x)
  src += '$'
  return { k: 're', re: new RegExp(src, 's') }
}

/**
 * Compile patterns (OR) into one tester over already case-normalised strings: equality via a
 * Set, prefix/suffix/substring lists via plain loops, the rest via anchored regexes.
 */
function patternsTester(pats: Pattern[], lower: boolean): (s: string) => boolean {
  const eq = new Set<string>()
  const starts: string[] = []
  const ends: string[] = []
  const contains: string[] = []
  const res: RegExp[] = []
  for (const p of pats) {
    const sh = patternShape(p, lower)
    switch (sh.k) {
      case 'any':
        return () => true
      case 'eq':
        eq.add(sh.v)
        break
      case 'starts':
        starts.push(sh.v)
        break
      case 'ends':
        ends.push(sh.v)
        break
      case 'contains':
        contains.push(sh.v)
        break
      case 're':
        res.push(sh.re)
        break
    }
  }
  const only = (eq.size > 0 ? 1 : 0) + (starts.length > 0 ? 1 : 0) + (ends.length > 0 ? 1 : 0) + (contains.length > 0 ? 1 : 0) + (res.length > 0 ? 1 : 0)
  if (only === 1) {
    if (eq.size === 1) {
      const [v] = eq
      return (s) => s === v
    }
    if (eq.size > 0) return (s) => eq.has(s)
    if (ends.length === 1) {
      const v = ends[0] as string
      return (s) => s.endsWith(v)
    }
    if (starts.length === 1) {
      const v = starts[0] as string
      return (s) => s.startsWith(v)
    }
    if (contains.length === 1) {
      const v = contains[0] as string
      return (s) => s.includes(v)
    }
  }
  return (s) => {
    if (eq.size > 0 && eq.has(s)) return true
    for (let i = 0; i < ends.length; i++) if (s.endsWith(ends[i] as string)) return true
    for (let i = 0; i < starts.length; i++) if (s.startsWith(starts[i] as string)) return true
    for (let i = 0; i < contains.length; i++) if (s.includes(contains[i] as string)) return true
    for (let i = 0; i < res.length; i++) if ((res[i] as RegExp).test(s)) return true
    return false
  }
}

// ---------------------------------------------------------------- value transforms

function utf16le(s: string): Buffer {
  return Buffer.from(s, 'utf16le')
}
function utf16be(s: string): Buffer {
  const b = Buffer.from(s, 'utf16le')
  for (let i = 0; i + 1 < b.length; i += 2) {
    const x = b[i] as number
    b[i] = b[i + 1] as number
    b[i + 1] = x
  }
  return b
}

/** A value during modifier processing: a pattern, or bytes from an encoding modifier. */
type Val = { kind: 'str'; p: Pattern } | { kind: 'bytes'; b: Buffer }

function toBytes(v: Val, mod: string): Buffer {
  return v.kind === 'bytes' ? v.b : Buffer.from(literalOf(v.p, mod), 'utf8')
}
function toPattern(v: Val): Pattern {
  // bytes never reach a matcher without base64; treat as latin1 text if they do
  return v.kind === 'str' ? v.p : [v.b.toString('latin1')]
}

const WINDASH = ['-', '/', '\u2013', '\u2014', '\u2015']
const WINDASH_RE = /(?<![\w])[-/](?=\w)/g

function windash(p: Pattern): Pattern[] {
  // positions: (token index, char index) of dashes/slashes at a word start
  const pos: Array<[number, number]> = []
  p.forEach((t, i) => {
    if (typeof t !== 'string') return
    for (const m of t.matchAll(WINDASH_RE)) pos.push([i, m.index])
  })
  if (pos.length === 0) return [p]
  const combos: string[][] = []
  if (pos.length <= 3) {
    const rec = (acc: string[]): void => {
      if (acc.length === pos.length) {
        combos.push(acc)
        return
      }
      for (const d of WINDASH) rec([...acc, d])
    }
    rec([])
  } else for (const d of WINDASH) combos.push(pos.map(() => d))
  return combos.map((combo) => {
    const out = p.slice()
    pos.forEach(([ti, ci], k) => {
      const t = out[ti] as string
      out[ti] = t.slice(0, ci) + (combo[k] as string) + t.slice(ci + 1)
    })
    return out
  })
}

function base64offset(b: Buffer): string[] {
  const start = [0, 2, 3]
  const endTrim = [0, 3, 2]
  const out: string[] = []
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i, 0x20), b]).toString('base64')
    const trim = endTrim[(b.length + i) % 3] as number
    out.push(enc.slice(start[i] as number, trim === 0 ? undefined : enc.length - trim))
  }
  return out
}

// ---------------------------------------------------------------- CIDR

/** Sigma's `cidr` modifier: a bad range is a rule compile error. */
function cidrTesterOf(spec: string): (s: string) => boolean {
  try {
    return cidrTester(spec)
  } catch (err) {
    throw new CompileError((err as Error).message)
  }
}

// ---------------------------------------------------------------- regex

function compileRegex(src: string, flags: Set<string>): RegExp {
  let f = ''
  let s = src
  const m = /^\(\?([imsx]+)\)/.exec(s)
  if (m) {
    for (const c of m[1] as string) {
      if (c === 'x') throw new CompileError('inline (?x) is not supported')
      flags.add(c)
    }
    s = s.slice(m[0].length)
  }
  if (flags.has('i')) f += 'i'
  if (flags.has('m')) f += 'm'
  if (flags.has('s')) f += 's'
  try {
    return new RegExp(s, f)
  } catch (e) {
    throw new CompileError(`bad regex ${JSON.stringify(src)}: ${(e as Error).message}`)
  }
}

/**
 * A lower-cased ASCII literal that every match of the regex contains (case-insensitively), taken
 * from the top-level sequence: runs of plain or escaped punctuation / alphanumeric characters
 * that are not optional. Undefined when none is found or the regex has a top-level `|`.
 */
export function regexLiteral(src: string): string | undefined {
  let best = ''
  let run = ''
  const end = (): void => {
    if (run.length > best.length) best = run
    run = ''
  }
  const isQuant = (c: string | undefined): boolean => c === '?' || c === '*' || c === '{'
  let i = 0
  while (i < src.length) {
    const c = src[i] as string
    if (c === '|') return undefined
    if (c === ')') return undefined
    if (c === '(') {
      end()
      let depth = 0
      for (; i < src.length; i++) {
        const d = src[i] as string
        if (d === '\\') i++
        else if (d === '[') {
          i++
          while (i < src.length && src[i] !== ']') {
            if (src[i] === '\\') i++
            i++
          }
        } else if (d === '(') depth++
        else if (d === ')' && --depth === 0) break
      }
      if (depth !== 0) return undefined
      i++
      continue
    }
    if (c === '{') {
      // quantifier (or a literal brace): skip its contents
      end()
      const close = src.indexOf('}', i)
      if (close < 0) return undefined
      i = close + 1
      continue
    }
    if (c === '[') {
      end()
      i++
      while (i < src.length && src[i] !== ']') {
        if (src[i] === '\\') i++
        i++
      }
      if (i >= src.length) return undefined
      i++
      continue
    }
    let lit: string | undefined
    let len = 1
    if (c === '\\') {
      const n = src[i + 1]
      len = 2
      if (n !== undefined && /^[!-\/:-@[-`{-~]$/.test(n)) lit = n
    } else if (/^[A-Za-z0-9 !"#%&',\-/:;<=>@_`~]$/.test(c)) lit = c
    const q = src[i + len]
    if (lit === undefined || isQuant(q)) {
      end()
      i += len
      continue
    }
    run += lit.toLowerCase()
    if (q === '+') end()
    i += len
  }
  end()
  return best === '' ? undefined : best
}

// ---------------------------------------------------------------- field matcher

export interface CompileOptions {
  /** Values for `expand` placeholders (`%name%` -> alternatives). Absent => never matches. */
  placeholders?: Record<string, string[]>
}

const KNOWN_MODS = new Set([
  'contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'base64', 'base64offset',
  'utf16le', 'utf16be', 'utf16', 'wide', 'windash', 'cidr', 'exists', 'lt', 'lte', 'gt', 'gte',
  'fieldref', 'cased', 'expand',
])

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  return undefined
}

/** Compile `field|mods: values` (field '' = keyword search). */
export function compileFieldItem(key: string, value: unknown, opts: CompileOptions): Matcher {
  const [field = '', ...mods] = key.split('|')
  for (const m of mods) if (!KNOWN_MODS.has(m)) throw new CompileError(`unsupported modifier '${m}'`)
  const has = (m: string): boolean => mods.includes(m)
  const values = Array.isArray(value) ? value : [value]
  const isKeyword = field === ''

  if (has('exists')) {
    if (isKeyword) throw new CompileError('exists without a field')
    const want = String(values[0]).toLowerCase() === 'true'
    return (ev) => {
      const v = ev.fields[field]
      return (v !== undefined && v !== null) === want
    }
  }

  const tests: Matcher[] = []
  const all = has('all')
  const lower = !has('cased')
  const pooled: Pattern[] = []
  let hasNull = false
  for (const raw of values) {
    if (raw === null) {
      hasNull = true
      continue
    }
    const s = scalarString(raw)
    if (s === undefined) throw new CompileError(`unsupported value type for ${key}`)
    const c = compileValue(field, s, mods, opts)
    if (Array.isArray(c)) tests.push(...c)
    else if (all) tests.push(fieldPats(field, lower, c.pats))
    else pooled.push(...c.pats) // OR of plain patterns: one grouped tester
  }
  if (pooled.length > 0) tests.push(fieldPats(field, lower, pooled))
  if (hasNull) {
    const nullTest: Matcher = (ev) => {
      const v = ev.fields[field]
      return v === undefined || v === null
    }
    if (isKeyword) throw new CompileError('null keyword')
    tests.push(nullTest)
  }
  if (tests.length === 0) return () => false
  if (tests.length === 1) return tests[0] as Matcher
  if (all)
    return setReq((ev) => {
      for (const t of tests) if (!t(ev)) return false
      return true
    }, reqPick(tests))
  return setReq((ev) => {
    for (const t of tests) if (t(ev)) return true
    return false
  }, reqUnion(tests))
}

function orMatchers(ms: Matcher[]): Matcher {
  if (ms.length === 1) return ms[0] as Matcher
  return setReq((ev) => {
    for (const m of ms) if (m(ev)) return true
    return false
  }, reqUnion(ms))
}

/** Requirement of an OR of case-insensitive patterns: one literal token of each pattern. */
function patternsReq(field: string, pats: Pattern[]): Req | undefined {
  const out: Req = []
  for (const p of pats) {
    let best = ''
    for (const t of p) if (typeof t === 'string' && t.length > best.length) best = t
    if (best === '') return undefined
    out.push({ f: field, lit: best.toLowerCase() })
  }
  return out
}

/** `fieldStrings` over `patternsTester(pats)`, recording the literal requirement (lower only). */
function fieldPats(field: string, lower: boolean, pats: Pattern[]): Matcher {
  const m = fieldStrings(field, lower, patternsTester(pats, lower))
  return lower ? leafReq(m, patternsReq(field, pats)) : m
}

/** Build a matcher over a set of string testers applied to the field (or keyword) strings. */
function fieldStrings(field: string, lower: boolean, test: (s: string) => boolean): Matcher {
  if (field === '')
    return lower
      ? (ev) => ev.all().some(test)
      : (ev) => ev.allRaw().some(test)
  if (lower)
    return (ev) => {
      const xs = ev.low(field)
      for (const x of xs) if (test(x)) return true
      return false
    }
  return (ev) => {
    const xs = ev.raw(field)
    for (const x of xs) if (test(x)) return true
    return false
  }
}

function expandPlaceholders(s: string, opts: CompileOptions): string[] | undefined {
  const names = [...s.matchAll(/%([A-Za-z0-9_.-]+)%/g)].map((m) => m[1] as string)
  if (names.length === 0) return [s]
  let outs = [s]
  for (const n of names) {
    const alts = opts.placeholders?.[n]
    if (alts === undefined) return undefined
    outs = outs.flatMap((o) => alts.map((a) => o.replace(`%${n}%`, a)))
  }
  return outs
}

/** Either ready matchers, or string patterns (OR) to be tested against the field. */
function compileValue(field: string, s: string, mods: string[], opts: CompileOptions): Matcher[] | { pats: Pattern[] } {
  const has = (m: string): boolean => mods.includes(m)
  const isKeyword = field === ''

  if (has('expand')) {
    const expanded = expandPlaceholders(s, opts)
    if (expanded === undefined) return [() => false]
    const rest = mods.filter((m) => m !== 'expand')
    const lower = !has('cased')
    return expanded.map((e) => {
      const c = compileValue(field, e, rest, opts)
      return Array.isArray(c) ? orMatchers(c) : fieldPats(field, lower, c.pats)
    })
  }

  if (has('re')) {
    const flags = new Set<string>()
    for (const f of ['i', 'm', 's']) if (has(f)) flags.add(f)
    const re = compileRegex(s, flags)
    const lit = regexLiteral(re.source)
    return [leafReq(fieldStrings(field, false, (x) => re.test(x)), lit === undefined ? undefined : [{ f: field, lit }])]
  }

  if (has('cidr')) return [fieldStrings(field, false, cidrTesterOf(s))]

  for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
    if (!has(op)) continue
    const n = Number(s)
    if (Number.isNaN(n)) throw new CompileError(`${op} needs a number, got ${s}`)
    const cmp =
      op === 'lt' ? (x: number) => x < n : op === 'lte' ? (x: number) => x <= n : op === 'gt' ? (x: number) => x > n : (x: number) => x >= n
    return [
      fieldStrings(field, false, (x) => {
        if (x.trim() === '') return false
        const v = Number(x)
        return !Number.isNaN(v) && cmp(v)
      }),
    ]
  }

  const lower = !has('cased')

  if (has('fieldref')) {
    if (isKeyword) throw new CompileError('fieldref without a field')
    const ref = s
    const mode = has('contains') ? 'c' : has('startswith') ? 's' : has('endswith') ? 'e' : '='
    const get = lower ? (ev: EventContext, f: string) => ev.low(f) : (ev: EventContext, f: string) => ev.raw(f)
    return [
      (ev) => {
        const rs = get(ev, ref)
        if (rs.length === 0) return false
        for (const a of get(ev, field))
          for (const b of rs) {
            if (mode === '=' ? a === b : mode === 'c' ? a.includes(b) : mode === 's' ? a.startsWith(b) : a.endsWith(b))
              return true
          }
        return false
      },
    ]
  }

  // string value pipeline: transforms in modifier order, then match-type wrapping
  let vals: Val[] = [{ kind: 'str', p: parsePattern(s) }]
  for (const m of mods) {
    switch (m) {
      case 'wide':
      case 'utf16le':
        vals = vals.map((v) => ({ kind: 'bytes', b: utf16le(v.kind === 'bytes' ? v.b.toString('utf8') : literalOf(v.p, m)) }))
        break
      case 'utf16be':
        vals = vals.map((v) => ({ kind: 'bytes', b: utf16be(v.kind === 'bytes' ? v.b.toString('utf8') : literalOf(v.p, m)) }))
        break
      case 'utf16':
        vals = vals.map((v) => ({
          kind: 'bytes',
          b: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(v.kind === 'bytes' ? v.b.toString('utf8') : literalOf(v.p, m))]),
        }))
        break
      case 'base64':
        vals = vals.map((v) => ({ kind: 'str', p: [toBytes(v, m).toString('base64')] }))
        break
      case 'base64offset':
        vals = vals.flatMap((v) => base64offset(toBytes(v, m)).map((x): Val => ({ kind: 'str', p: [x] })))
        break
      case 'windash':
        vals = vals.flatMap((v) => windash(toPattern(v)).map((p): Val => ({ kind: 'str', p })))
        break
      default:
        break
    }
  }
  let pats = vals.map(toPattern)
  if (has('contains') || isKeyword)
    pats = pats.map((p) => [...(p[0] === STAR ? [] : [STAR]), ...p, ...(p[p.length - 1] === STAR ? [] : [STAR])] as Pattern)
  else if (has('startswith')) pats = pats.map((p) => (p[p.length - 1] === STAR ? p : [...p, STAR]))
  else if (has('endswith')) pats = pats.map((p) => (p[0] === STAR ? p : [STAR, ...p]))
  return { pats }
}

// ---------------------------------------------------------------- detection

function compileSelection(name: string, def: unknown, opts: CompileOptions): Matcher {
  if (def === null || def === undefined) throw new CompileError(`empty selection '${name}'`)
  if (Array.isArray(def)) {
    if (def.length === 0) return () => false
    if (def.every((x) => typeof x !== 'object' || x === null)) return compileFieldItem('', def, opts)
    const parts = def.map((d, i) => compileSelection(`${name}[${i}]`, d, opts))
    return setReq((ev) => {
      for (const p of parts) if (p(ev)) return true
      return false
    }, reqUnion(parts))
  }
  if (typeof def === 'object') {
    const parts = Object.entries(def as Record<string, unknown>).map(([k, v]) => compileFieldItem(k, v, opts))
    if (parts.length === 0) return () => false
    if (parts.length === 1) return parts[0] as Matcher
    return setReq((ev) => {
      for (const p of parts) if (!p(ev)) return false
      return true
    }, reqPick(parts))
  }
  return compileFieldItem('', def, opts)
}

// ---------------------------------------------------------------- condition

type Tok = { t: '(' | ')' | 'and' | 'or' | 'not' | 'them' } | { t: 'of'; q: 'all' | number } | { t: 'id'; v: string }

function tokenize(cond: string): Tok[] {
  const out: Tok[] = []
  const re = /\s*(\(|\)|[^\s()]+)/gy
  const words: string[] = []
  let m: RegExpExecArray | null
  while ((m = re.exec(cond)) !== null) {
    words.push(m[1] as string)
    if (re.lastIndex >= cond.length) break
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string
    const lw = w.toLowerCase()
    if (w === '(' || w === ')') out.push({ t: w })
    else if (lw === 'and' || lw === 'or' || lw === 'not') out.push({ t: lw })
    else if (lw === 'them') out.push({ t: 'them' })
    else if (w === '|') throw new CompileError('aggregation conditions are not supported')
    else if ((lw === 'all' || /^\d+$/.test(lw) || lw === 'any') && words[i + 1]?.toLowerCase() === 'of') {
      out.push({ t: 'of', q: lw === 'all' ? 'all' : lw === 'any' ? 1 : Number(lw) })
      i++
    } else out.push({ t: 'id', v: w })
  }
  return out
}

function globRe(p: string): RegExp {
  return new RegExp('^' + p.split('*').map(reEscape).join('.*') + '$')
}

function compileCondition(cond: string, sels: Map<string, Matcher>): Matcher {
  const toks = tokenize(cond)
  let i = 0
  const peek = (): Tok | undefined => toks[i]
  const orExpr = (): Matcher => {
    const parts = [andExpr()]
    while (peek()?.t === 'or') {
      i++
      parts.push(andExpr())
    }
    if (parts.length === 1) return parts[0] as Matcher
    return setReq((ev) => {
      for (const p of parts) if (p(ev)) return true
      return false
    }, reqUnion(parts))
  }
  const andExpr = (): Matcher => {
    const parts = [notExpr()]
    while (peek()?.t === 'and') {
      i++
      parts.push(notExpr())
    }
    if (parts.length === 1) return parts[0] as Matcher
    return setReq((ev) => {
      for (const p of parts) if (!p(ev)) return false
      return true
    }, reqPick(parts))
  }
  const notExpr = (): Matcher => {
    if (peek()?.t === 'not') {
      i++
      const inner = notExpr()
      return (ev) => !inner(ev)
    }
    return atom()
  }
  const atom = (): Matcher => {
    const tk = toks[i++]
    if (tk === undefined) throw new CompileError(`unexpected end of condition '${cond}'`)
    if (tk.t === '(') {
      const e = orExpr()
      if (toks[i++]?.t !== ')') throw new CompileError(`missing ')' in '${cond}'`)
      return e
    }
    if (tk.t === 'id') {
      const m = sels.get(tk.v)
      if (m === undefined) throw new CompileError(`unknown selection '${tk.v}'`)
      return m
    }
    if (tk.t === 'of') {
      const target = toks[i++]
      let names: string[]
      if (target?.t === 'them') names = [...sels.keys()].filter((n) => !n.startsWith('_'))
      else if (target?.t === 'id') {
        const re = globRe(target.v)
        names = [...sels.keys()].filter((n) => re.test(n))
      } else throw new CompileError(`bad 'of' target in '${cond}'`)
      if (names.length === 0) throw new CompileError(`'of' matches no selection in '${cond}'`)
      const ms = names.map((n) => sels.get(n) as Matcher)
      const q = tk.q
      if (q === 'all')
        return setReq((ev) => {
          for (const m of ms) if (!m(ev)) return false
          return true
        }, reqPick(ms))
      if (q === 1)
        return setReq((ev) => {
          for (const m of ms) if (m(ev)) return true
          return false
        }, reqUnion(ms))
      return setReq((ev) => {
        let n = 0
        for (const m of ms) if (m(ev) && ++n >= q) return true
        return false
      }, q >= 1 ? reqUnion(ms) : undefined)
    }
    throw new CompileError(`unexpected '${tk.t}' in condition '${cond}'`)
  }
  const e = orExpr()
  if (i !== toks.length) throw new CompileError(`trailing tokens in condition '${cond}'`)
  return e
}

// ---------------------------------------------------------------- rule

export interface CompiledRule {
  id: string
  /** Sigma `name`: how correlation rules may refer to this rule. */
  name?: string | undefined
  title: string
  level: string
  tags: string[]
  logsource: RuleLogsource
  match: Matcher
  /** Field names the detection reads (including `fieldref` targets). */
  fields: string[]
  /** The detection searches every value (keyword selections). */
  keywords: boolean
}

/** The fields a detection section reads, and whether it has keyword (field-less) selections. */
export function detectionFields(det: Record<string, unknown>): { fields: string[]; keywords: boolean } {
  const fields = new Set<string>()
  let keywords = false
  const visit = (def: unknown): void => {
    if (Array.isArray(def)) {
      if (def.every((x) => typeof x !== 'object' || x === null)) keywords = true
      else def.forEach(visit)
      return
    }
    if (def !== null && typeof def === 'object') {
      for (const [k, v] of Object.entries(def as Record<string, unknown>)) {
        const [f, ...mods] = k.split('|')
        if (f === undefined || f === '') keywords = true
        else fields.add(f)
        if (mods.includes('fieldref')) for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') fields.add(x)
      }
      return
    }
    keywords = true
  }
  for (const [name, def] of Object.entries(det)) if (name !== 'condition' && name !== 'timeframe') visit(def)
  return { fields: [...fields], keywords }
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** Compile a parsed (plain) Sigma rule document. Throws CompileError. */
export function compileRule(rule: unknown, opts: CompileOptions = {}): CompiledRule {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw new CompileError('rule is not a mapping')
  const r = rule as Record<string, unknown>
  const det = r.detection
  if (typeof det !== 'object' || det === null || Array.isArray(det)) throw new CompileError('missing detection')
  const d = det as Record<string, unknown>
  let cond = d.condition
  if (Array.isArray(cond)) {
    if (cond.length !== 1) throw new CompileError('multiple conditions are not supported')
    cond = cond[0]
  }
  if (typeof cond !== 'string') throw new CompileError('missing condition')
  const sels = new Map<string, Matcher>()
  for (const [name, def] of Object.entries(d)) {
    if (name === 'condition' || name === 'timeframe') continue
    sels.set(name, compileSelection(name, def, opts))
  }
  const match = compileCondition(cond, sels)
  const ls = (typeof r.logsource === 'object' && r.logsource !== null ? r.logsource : {}) as Record<string, unknown>
  const tags = Array.isArray(r.tags) ? r.tags.filter((t): t is string => typeof t === 'string') : []
  return {
    id: optStr(r.id) ?? '',
    name: optStr(r.name),
    title: optStr(r.title) ?? '',
    level: optStr(r.level) ?? '',
    tags,
    logsource: { product: optStr(ls.product), category: optStr(ls.category), service: optStr(ls.service) },
    match,
    ...detectionFields(d),
  }
}
