/**
 * Sigma engine: loaded rules indexed by logsource, matched against a decoded original record and,
 * for Watchfloor's own rules (`logsource.product: watchfloor`), against the canonical ECS event.
 * Correlation rules are loaded with the rules: a match of a rule they reference becomes a signal
 * for the main thread's `Correlator` (see correlation.ts).
 */
import type { CanonicalEvent } from '@watchfloor/contracts'
import { EventContext, matcherReq, type CompileOptions, type CompiledRule } from './compile.js'
import { signalsFor, silencedRefs, type CorrelationRule, type Signal } from './correlation.js'
import { fieldView, type FieldView } from './fields.js'
import { loadDirs, loadText, type LoadError, type LoadResult } from './load.js'
import { aliasFields, eventLogsource, LogsourceIndex, type EventLogsource } from './logsource.js'
import { ownCopy, Prefilter, type LiteralScanner, type RulePrefilter } from './prefilter.js'

/** The logsource product of rules written against the canonical (ECS) event. */
export const CANONICAL_PRODUCT = 'watchfloor'

interface Entry {
  rule: CompiledRule
  pre: RulePrefilter | undefined
  /** Referenced by a correlation: its matches feed the correlator. */
  correlated: boolean
  /** Its matches are alerts of their own (false when only a non-generating correlation uses it). */
  generate: boolean
}

export interface Match {
  id: string
  title: string
  level: string
  tags: string[]
  /** The values of the fields the rule reads, as the event had them (the evidence behind the alert); absent for keyword-only rules. */
  matched?: Record<string, string>
}

/** Fields kept per match, and the longest value kept (a command line, a URL, a path). */
const MATCHED_FIELDS = 12
const MATCHED_VALUE_CHARS = 1024

/** The values of the fields `rule` reads in the view it matched on. */
function matchedValues(rule: CompiledRule, view: FieldView | undefined): Record<string, string> | undefined {
  if (view === undefined || rule.fields.length === 0) return undefined
  const out: Record<string, string> = {}
  let n = 0
  for (const field of rule.fields) {
    const v = view[field]
    const text = Array.isArray(v) ? v.filter((x) => x !== null && typeof x !== 'object').join(', ') : v !== null && v !== undefined && typeof v !== 'object' ? String(v) : ''
    if (text === '') continue
    out[field] = text.length > MATCHED_VALUE_CHARS ? `${text.slice(0, MATCHED_VALUE_CHARS)}…` : text
    if (++n >= MATCHED_FIELDS) break
  }
  return n === 0 ? undefined : out
}

export interface Detection {
  /** Rules that alert on their own. */
  matches: Match[]
  /** Contributions to correlation rules. */
  signals: Signal[]
}

export interface EngineStats {
  /** Rule and correlation documents seen. */
  rules: number
  compiled: number
  correlations: number
  errors: LoadError[]
}

/**
 * The canonical event as a Sigma field view: leaves under their dotted paths (`source.ip`,
 * `event.category`, `process.parent.name`); arrays are leaves (a rule matches any element).
 * With `paths`, only those fields are read (the ones the loaded rules use), which is what keeps
 * this view cheap on every event.
 */
export function canonicalView(ev: CanonicalEvent, paths?: PathTree[]): FieldView {
  const out: FieldView = {}
  if (paths === undefined) flatten(ev as unknown as Record<string, unknown>, '', out, 0)
  else readTree(ev as unknown as Record<string, unknown>, paths, out)
  return out
}

/** Wanted dotted paths as a tree: one lookup per object level, a missing object skips its whole subtree. */
export interface PathTree {
  key: string
  /** Dotted name when this node is itself a wanted field. */
  name: string | undefined
  children: PathTree[]
}

export function pathTree(paths: Iterable<string>): PathTree[] {
  const root: PathTree = { key: '', name: undefined, children: [] }
  for (const p of paths) {
    let node = root
    for (const part of p.split('.')) {
      let next = node.children.find((c) => c.key === part)
      if (next === undefined) node.children.push((next = { key: part, name: undefined, children: [] }))
      node = next
    }
    node.name = p
  }
  return root.children
}

function readTree(o: Record<string, unknown>, nodes: PathTree | PathTree[], out: FieldView): void {
  const list = Array.isArray(nodes) ? nodes : nodes.children
  for (let i = 0; i < list.length; i++) {
    const n = list[i] as PathTree
    const v = o[n.key]
    if (v === undefined) continue
    if (n.name !== undefined) out[n.name] = v
    if (n.children.length > 0 && v !== null && typeof v === 'object' && !Array.isArray(v)) readTree(v as Record<string, unknown>, n, out)
  }
}

function flatten(o: Record<string, unknown>, prefix: string, out: FieldView, depth: number): void {
  for (const k in o) {
    const v = o[k]
    if (v === undefined) continue
    const key = prefix === '' ? k : `${prefix}.${k}`
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 4) flatten(v as Record<string, unknown>, key, out, depth + 1)
    else out[key] = v
  }
}

function canonicalLogsource(ev: CanonicalEvent): EventLogsource {
  return { product: CANONICAL_PRODUCT, categories: ev.event.category ?? [], services: [ev.watchfloor.decoder] }
}

const LINUX_PROCESS_CREATION: EventLogsource = { product: 'linux', categories: ['process_creation'], services: [] }

/**
 * Linux auditd writes one program start as several lines sharing the record serial: SYSCALL
 * (execve: exe, pid, ppid, uid), EXECVE (the arguments), CWD. The engine keeps the last SYSCALL
 * execve lines and, when the EXECVE line of the same serial arrives, matches SigmaHQ's
 * `linux/process_creation` rules against the joined event (Image, CommandLine, ...). Lines of one
 * program start that land in different workers are not joined (a replay or batch rarely splits
 * them: they are adjacent).
 */
class AuditdJoin {
  private readonly syscalls = new Map<string, FieldView>()

  add(f: FieldView): FieldView | undefined {
    const serial = `${String(f.timestamp)}:${String(f.serial)}`
    if (f.type === 'SYSCALL') {
      if (f.SYSCALL === 'execve' || f.SYSCALL === 'execveat') {
        // only the joined fields, as copies: the line's values would keep its whole request body alive
        const kept: FieldView = {}
        for (const k of ['exe', 'pid', 'ppid', 'uid', 'auid', 'SYSCALL', 'comm']) if (f[k] !== undefined) kept[k] = typeof f[k] === 'string' ? ownCopy(f[k]) : f[k]
        this.syscalls.set(ownCopy(serial), kept)
        if (this.syscalls.size > 256) this.syscalls.delete(this.syscalls.keys().next().value as string)
      }
      return undefined
    }
    if (f.type !== 'EXECVE') return undefined
    const sc = this.syscalls.get(serial)
    if (sc === undefined) return undefined
    this.syscalls.delete(serial)
    const argc = Number(f.argc)
    const args: string[] = []
    for (let i = 0; i < (Number.isFinite(argc) ? argc : 64); i++) {
      const a = f[`a${i}`]
      if (a === undefined) break
      args.push(String(a))
    }
    const out: FieldView = { Image: sc.exe, CommandLine: args.join(' '), ProcessId: sc.pid, ParentProcessId: sc.ppid, User: sc.uid, LogonId: sc.auid, type: 'EXECVE', SYSCALL: sc.SYSCALL }
    for (let i = 0; i < args.length; i++) out[`a${i}`] = args[i]
    if (sc.comm !== undefined) out.comm = sc.comm
    return out
  }
}

/**
 * The rules one event logsource routes to: those without a literal requirement (always
 * evaluated), and those with one (evaluated only when the prefilter saw one of their literals),
 * with the field slots to scan for them.
 */
interface Route {
  unfiltered: Entry[]
  member: Uint8Array
  slots: Int32Array
  /** Scanner of the keyword literals of the route's rules. */
  keywords: LiteralScanner | undefined
  empty: boolean
}

const routeKey = (ls: EventLogsource) => `${ls.product ?? '\u0001'}\u0000${ls.categories.join('\u0002')}\u0000${ls.services.join('\u0002')}`

export class SigmaEngine {
  readonly stats: EngineStats
  readonly correlations: readonly CorrelationRule[]
  private readonly index = new LogsourceIndex<Entry>()
  private readonly canonicalIndex = new LogsourceIndex<Entry>()
  /** Routing result per event logsource (product, categories, services). */
  private readonly routes = new Map<string, Route>()
  /** Prefilter id -> entry. */
  private readonly byPre: Entry[] = []
  private readonly prefilter = new Prefilter()
  private readonly auditd = new AuditdJoin()
  private readonly canonicalPaths: PathTree[] | undefined
  readonly hasCanonicalRules: boolean

  constructor(loaded: LoadResult) {
    this.correlations = loaded.correlations
    const { silenced } = silencedRefs(loaded.correlations)
    const refs = new Set(loaded.correlations.flatMap((c) => c.rules))
    let canonical = 0
    for (const r of loaded.rules) {
      const req = matcherReq(r.match)
      const named = (x: Set<string>) => x.has(r.id) || (r.name !== undefined && x.has(r.name))
      const entry: Entry = { rule: r, pre: req === undefined ? undefined : this.prefilter.add(req), correlated: named(refs), generate: !named(silenced) }
      if (entry.pre !== undefined) this.byPre[entry.pre.id] = entry
      if (r.logsource.product?.toLowerCase() === CANONICAL_PRODUCT) {
        this.canonicalIndex.add(r.logsource, entry)
        canonical++
      } else this.index.add(r.logsource, entry)
    }
    this.hasCanonicalRules = canonical > 0
    // Canonical fields the rules and correlations read; a keyword rule needs them all.
    const used = new Set<string>()
    let all = false
    for (const r of loaded.rules)
      if (r.logsource.product?.toLowerCase() === CANONICAL_PRODUCT) {
        for (const f of r.fields) used.add(f)
        all ||= r.keywords
      }
    for (const c of loaded.correlations) {
      for (const g of c.groupBy) used.add(g)
      if (c.field !== undefined) used.add(c.field)
      for (const m of Object.values(c.aliases)) for (const f of Object.values(m)) used.add(f)
    }
    this.canonicalPaths = all ? undefined : pathTree(used)
    this.prefilter.build()
    this.stats = { rules: loaded.total, compiled: loaded.rules.length + loaded.correlations.length, correlations: loaded.correlations.length, errors: loaded.errors }
  }

  static fromDirs(dirs: string[], opts: CompileOptions = {}): SigmaEngine {
    return new SigmaEngine(loadDirs(dirs, opts))
  }

  /** Build an engine from YAML texts (tests, embedded rules). */
  static fromYaml(texts: string[], opts: CompileOptions = {}): SigmaEngine {
    const res: LoadResult = { rules: [], correlations: [], errors: [], total: 0 }
    texts.forEach((t, i) => loadText(t, `<yaml ${i}>`, res, opts))
    return new SigmaEngine(res)
  }

  /** Every rule that matches the record (alerting or not), e.g. for conformance tests. */
  match(record: unknown, canonical?: CanonicalEvent): Match[] {
    const out: Match[] = []
    this.run(record, canonical, (e) => out.push(matchOf(e.rule)))
    return out
  }

  /**
   * Every rule that matches, found by evaluating every rule of the event's routes with no literal
   * prefilter: the reference the prefilter is tested against (slow; not for the pipeline). The
   * auditd join is left out.
   */
  matchUnfiltered(record: unknown, canonical?: CanonicalEvent): Match[] {
    const out: Match[] = []
    const all = (index: LogsourceIndex<Entry>, f: FieldView, ls: EventLogsource) => {
      const ev = new EventContext(f)
      for (const e of index.candidates(ls, [])) if (e.rule.match(ev)) out.push(matchOf(e.rule))
    }
    const { f, ls, cv } = this.views(record, canonical)
    if (f !== undefined && ls !== undefined) all(this.index, f, ls)
    if (cv !== undefined && this.hasCanonicalRules) all(this.canonicalIndex, cv, canonicalLogsource(canonical!))
    return out
  }


  /** Alerts and correlation signals of one event. */
  detect(record: unknown, canonical?: CanonicalEvent): Detection {
    const matches: Match[] = []
    const signals: Signal[] = []
    this.run(record, canonical, (e, views) => {
      if (e.generate) {
        const m = matchOf(e.rule)
        const matched = matchedValues(e.rule, views[0])
        if (matched !== undefined) m.matched = matched
        matches.push(m)
      }
      if (e.correlated) for (const s of signalsFor(this.correlations, e.rule, views)) signals.push(s)
    })
    return { matches, signals }
  }

  private route(index: LogsourceIndex<Entry>, ls: EventLogsource, prefix: string): Route {
    const rk = prefix + routeKey(ls)
    let route = this.routes.get(rk)
    if (route === undefined) {
      const cands = index.candidates(ls, [])
      const member = new Uint8Array(this.prefilter.size)
      const slots = new Set<number>()
      const unfiltered: Entry[] = []
      const clauses: number[] = []
      for (const e of cands) {
        if (e.pre === undefined) unfiltered.push(e)
        else {
          member[e.pre.id] = 1
          for (const s of e.pre.slots) slots.add(s)
          for (const c of e.pre.clauses) clauses.push(c)
        }
      }
      const keywords = this.prefilter.keywordScanner(clauses)
      route = { unfiltered, member, slots: Int32Array.from(slots), keywords, empty: cands.length === 0 }
      if (this.routes.size < 4096) this.routes.set(rk, route)
    }
    return route
  }

  /** Match one view against its route: rules without literals always, the others when the prefilter saw one of their literals. Call `prefilter.begin()` first. */
  private matchView(index: LogsourceIndex<Entry>, f: FieldView, ls: EventLogsource, views: (FieldView | undefined)[], prefix: string, hit: (e: Entry, views: (FieldView | undefined)[]) => void): void {
    const route = this.route(index, ls, prefix)
    if (route.empty) return
    const ev = new EventContext(f)
    const pf = this.prefilter
    pf.scan(route.slots, ev)
    if (route.keywords !== undefined) pf.scanKeywords(route.keywords, ev)
    for (const e of route.unfiltered) if (e.rule.match(ev)) hit(e, views)
    const h = pf.hits
    const member = route.member
    // the list may grow while rules run (it does not: matching never scans), so read it once
    const n = h.count
    const list = h.list
    for (let i = 0; i < n; i++) {
      const id = list[i] as number
      if (member[id] !== 1) continue
      const e = this.byPre[id] as Entry
      if (pf.passes(e.pre as RulePrefilter) && e.rule.match(ev)) hit(e, views)
    }
  }

  /** The record's field view with its logsource (aliases added), and the canonical view: what both matching paths read. */
  private views(record: unknown, canonical: CanonicalEvent | undefined): { f: FieldView | undefined; ls: EventLogsource | undefined; cv: FieldView | undefined } {
    const f = fieldView(record)
    const cv = canonical !== undefined && (this.hasCanonicalRules || this.correlations.length > 0) ? canonicalView(canonical, this.canonicalPaths) : undefined
    if (f === undefined) return { f, ls: undefined, cv }
    const ls = eventLogsource(f)
    aliasFields(f, ls)
    return { f, ls, cv }
  }

  private run(record: unknown, canonical: CanonicalEvent | undefined, hit: (e: Entry, views: (FieldView | undefined)[]) => void): void {
    const { f, ls, cv } = this.views(record, canonical)
    const pf = this.prefilter
    pf.begin()
    if (f !== undefined && ls !== undefined) {
      this.matchView(this.index, f, ls, [f, cv], 'r', hit)
      if (ls.product === 'linux' && ls.services[0] === 'auditd') {
        const joined = this.auditd.add(f)
        if (joined !== undefined) {
          pf.begin()
          this.matchView(this.index, joined, LINUX_PROCESS_CREATION, [joined, cv], 'r', hit)
        }
      }
    }
    if (cv !== undefined && this.hasCanonicalRules) {
      pf.begin()
      this.matchView(this.canonicalIndex, cv, canonicalLogsource(canonical!), [cv], 'c', hit)
    }
  }

}

function matchOf(r: CompiledRule): Match {
  return { id: r.id, title: r.title, level: r.level, tags: r.tags }
}
