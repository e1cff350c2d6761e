/**
 * Load Sigma rules: every `*.yml` / `*.yaml` under the given directories (recursive).
 * Multi-document files: rule documents and correlation documents are compiled; meta-filter
 * documents are reported as unsupported. Failures are collected, never thrown.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { compileRule, docToPlain, type CompileOptions, type CompiledRule } from './compile.js'
import { compileCorrelation, type CorrelationRule } from './correlation.js'

export interface LoadError {
  file: string
  reason: string
}

export interface LoadResult {
  rules: CompiledRule[]
  correlations: CorrelationRule[]
  errors: LoadError[]
  /** Number of rule documents seen (compiled + failed). */
  total: number
}

function walk(dir: string, out: string[]): void {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (e.isFile() && (e.name.endsWith('.yml') || e.name.endsWith('.yaml'))) out.push(p)
  }
}

export function listRuleFiles(dirs: string[]): string[] {
  const files: string[] = []
  for (const d of dirs) walk(d, files)
  return files.sort()
}

/** Parse and compile the rules of one YAML text. */
export function loadText(text: string, file: string, res: LoadResult, opts: CompileOptions = {}): void {
  let docs
  try {
    docs = parseAllDocuments(text)
  } catch (e) {
    res.total++
    res.errors.push({ file, reason: `yaml: ${(e as Error).message}` })
    return
  }
  const list = Array.isArray(docs) ? docs : [docs]
  for (const doc of list) {
    if (doc.errors.length > 0) {
      res.total++
      res.errors.push({ file, reason: `yaml: ${doc.errors[0]?.message ?? 'parse error'}` })
      continue
    }
    let v: unknown
    try {
      v = docToPlain(doc)
    } catch (e) {
      res.total++
      res.errors.push({ file, reason: (e as Error).message })
      continue
    }
    if (v === null || v === undefined) continue
    if (typeof v === 'object' && !Array.isArray(v) && ('correlation' in v || 'filter' in v)) {
      res.total++
      if ('filter' in v) {
        res.errors.push({ file, reason: 'meta filter documents are not supported' })
        continue
      }
      try {
        res.correlations.push(compileCorrelation(v as Record<string, unknown>))
      } catch (e) {
        res.errors.push({ file, reason: `correlation: ${(e as Error).message}` })
      }
      continue
    }
    res.total++
    try {
      res.rules.push(compileRule(v, opts))
    } catch (e) {
      res.errors.push({ file, reason: (e as Error).message })
    }
  }
}

export function loadDirs(dirs: string[], opts: CompileOptions = {}): LoadResult {
  const res: LoadResult = { rules: [], correlations: [], errors: [], total: 0 }
  for (const f of listRuleFiles(dirs)) {
    let text: string
    try {
      text = readFileSync(f, 'utf8')
    } catch (e) {
      res.total++
      res.errors.push({ file: f, reason: `read: ${(e as Error).message}` })
      continue
    }
    loadText(text, f, res, opts)
  }
  return res
}
