/**
 * Sigma engine: loaded rules indexed by logsource, matched against a decoded original record.
 */
import { EventContext, matcherReq, type CompileOptions, type CompiledRule } from './compile.js'
import { fieldView } from './fields.js'
import { loadDirs, loadText, type LoadError, type LoadResult } from './load.js'
import { aliasFields, eventLogsource, LogsourceIndex } from './logsource.js'
import { Prefilter, type RulePrefilter } from './prefilter.js'

interface Entry {
  rule: CompiledRule
  pre: RulePrefilter | undefined
}

export interface Match {
  id: string
  title: string
  level: string
  tags: string[]
}

export interface EngineStats {
  /** Rule documents seen. */
  rules: number
  compiled: number
  errors: LoadError[]
}

export class SigmaEngine {
  readonly stats: EngineStats
  private readonly index = new LogsourceIndex<Entry>()
  /** Routing result per event logsource (product, categories, services). */
  private readonly routes = new Map<string, Entry[]>()
  private readonly prefilter = new Prefilter()

  constructor(loaded: LoadResult) {
    for (const r of loaded.rules) {
      const req = matcherReq(r.match)
      this.index.add(r.logsource, { rule: r, pre: req === undefined ? undefined : this.prefilter.add(req) })
    }
    this.prefilter.build()
    this.stats = { rules: loaded.total, compiled: loaded.rules.length, errors: loaded.errors }
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

  match(record: unknown): Match[] {
    const f = fieldView(record)
    if (f === undefined) return []
    const ls = eventLogsource(f)
    aliasFields(f, ls)
    const rk = `${ls.product ?? '\u0001'}\u0000${ls.categories.join('\u0002')}\u0000${ls.services.join('\u0002')}`
    let cands = this.routes.get(rk)
    if (cands === undefined) {
      cands = this.index.candidates(ls, [])
      if (this.routes.size < 4096) this.routes.set(rk, cands)
    }
    const out: Match[] = []
    if (cands.length === 0) return out
    const ev = new EventContext(f)
    const pf = this.prefilter
    pf.begin()
    for (let i = 0; i < cands.length; i++) {
      const { rule: r, pre } = cands[i] as Entry
      if (pre !== undefined && !pf.possible(pre, ev)) continue
      if (r.match(ev)) out.push({ id: r.id, title: r.title, level: r.level, tags: r.tags })
    }
    return out
  }
}
