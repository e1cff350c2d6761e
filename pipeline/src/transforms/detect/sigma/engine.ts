/**
 * Sigma engine: loaded rules indexed by logsource, matched against a decoded original record and,
 * for Watchfloor's own rules (`logsource.product: watchfloor`), against the canonical ECS event.
 * Correlation rules are loaded with the rules: a match of a rule they reference becomes a signal
 * for the main thread's `Correlator` (see correlation.ts).
 */
import type { CanonicalEvent } from '@watchfloor/contracts'
import { EventContext, matcherReq, type CompileOptions, type CompiledRule } from './compile.js'
import { signalsFor, silencedRefs, type CorrelationRule, type Signal } from './correlation.js'
import { fieldView, withDotted, type FieldView } from './fields.js'
import { loadDirs, loadText, type LoadError, type LoadResult } from './load.js'
import { aliasFields, eventLogsource, LogsourceIndex, type EventLogsource } from './logsource.js'
import { Prefilter, type RulePrefilter } from './prefilter.js'

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

/** The canonical event as a Sigma field view: nested keys plus dotted paths (`source.ip`, `event.category`). */
export function canonicalView(ev: CanonicalEvent): FieldView {
  return withDotted(ev as unknown as Record<string, unknown>)
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
        this.syscalls.set(serial, f)
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

const routeKey = (ls: EventLogsource) => `${ls.product ?? '\u0001'}\u0000${ls.categories.join('\u0002')}\u0000${ls.services.join('\u0002')}`

export class SigmaEngine {
  readonly stats: EngineStats
  readonly correlations: readonly CorrelationRule[]
  private readonly index = new LogsourceIndex<Entry>()
  private readonly canonicalIndex = new LogsourceIndex<Entry>()
  /** Routing result per event logsource (product, categories, services). */
  private readonly routes = new Map<string, Entry[]>()
  private readonly prefilter = new Prefilter()
  private readonly auditd = new AuditdJoin()
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
      if (r.logsource.product?.toLowerCase() === CANONICAL_PRODUCT) {
        this.canonicalIndex.add(r.logsource, entry)
        canonical++
      } else this.index.add(r.logsource, entry)
    }
    this.hasCanonicalRules = canonical > 0
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

  /** Alerts and correlation signals of one event. */
  detect(record: unknown, canonical?: CanonicalEvent): Detection {
    const matches: Match[] = []
    const signals: Signal[] = []
    this.run(record, canonical, (e, views) => {
      if (e.generate) matches.push(matchOf(e.rule))
      if (e.correlated) for (const s of signalsFor(this.correlations, e.rule, views)) signals.push(s)
    })
    return { matches, signals }
  }

  private candidates(index: LogsourceIndex<Entry>, ls: EventLogsource, prefix: string): Entry[] {
    const rk = prefix + routeKey(ls)
    let cands = this.routes.get(rk)
    if (cands === undefined) {
      cands = index.candidates(ls, [])
      if (this.routes.size < 4096) this.routes.set(rk, cands)
    }
    return cands
  }

  private matchView(f: FieldView, ls: EventLogsource, cv: FieldView | undefined, prefix: string, hit: (e: Entry, views: (FieldView | undefined)[]) => void): void {
    const cands = this.candidates(this.index, ls, prefix)
    if (cands.length === 0) return
    const ev = new EventContext(f)
    const views = [f, cv]
    const pf = this.prefilter
    for (let i = 0; i < cands.length; i++) {
      const e = cands[i] as Entry
      if (e.pre !== undefined && !pf.possible(e.pre, ev)) continue
      if (e.rule.match(ev)) hit(e, views)
    }
  }

  private run(record: unknown, canonical: CanonicalEvent | undefined, hit: (e: Entry, views: (FieldView | undefined)[]) => void): void {
    const f = fieldView(record)
    const cv = canonical !== undefined && (this.hasCanonicalRules || this.correlations.length > 0) ? canonicalView(canonical) : undefined
    const pf = this.prefilter
    pf.begin()
    if (f !== undefined) {
      const ls = eventLogsource(f)
      aliasFields(f, ls)
      this.matchView(f, ls, cv, 'r', hit)
      if (ls.product === 'linux' && ls.services[0] === 'auditd') {
        const joined = this.auditd.add(f)
        if (joined !== undefined) {
          pf.begin()
          this.matchView(joined, LINUX_PROCESS_CREATION, cv, 'r', hit)
        }
      }
    }
    if (cv !== undefined && this.hasCanonicalRules) {
      const cands = this.candidates(this.canonicalIndex, canonicalLogsource(canonical!), 'c')
      if (cands.length > 0) {
        const ev = new EventContext(cv)
        pf.begin()
        const views = [cv]
        for (let i = 0; i < cands.length; i++) {
          const e = cands[i] as Entry
          if (e.pre !== undefined && !pf.possible(e.pre, ev)) continue
          if (e.rule.match(ev)) hit(e, views)
        }
      }
    }
  }
}

function matchOf(r: CompiledRule): Match {
  return { id: r.id, title: r.title, level: r.level, tags: r.tags }
}
