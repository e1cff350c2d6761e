/**
 * Sigma engine: loaded rules indexed by logsource, matched against a decoded original record.
 */
import { EventContext, type CompileOptions, type CompiledRule } from './compile.js'
import { fieldView } from './fields.js'
import { loadDirs, loadText, type LoadError, type LoadResult } from './load.js'
import { aliasFields, eventLogsource, LogsourceIndex } from './logsource.js'

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
  private readonly index = new LogsourceIndex<CompiledRule>()
  private readonly scratch: CompiledRule[] = []

  constructor(loaded: LoadResult) {
    for (const r of loaded.rules) this.index.add(r.logsource, r)
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
    const cands = this.index.candidates(ls, this.scratch)
    const out: Match[] = []
    try {
      if (cands.length === 0) return out
      const ev = new EventContext(f)
      for (const r of cands) {
        if (r.match(ev)) out.push({ id: r.id, title: r.title, level: r.level, tags: r.tags })
      }
    } finally {
      this.scratch.length = 0
    }
    return out
  }
}
