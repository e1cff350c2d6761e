/**
 * The import graph reads as the data flow and its arrows point one way (STYLE.md, principle 12):
 * api -> the pipeline's public surface -> services / topology -> workers -> sources, sinks ->
 * transforms -> config, errors, telemetry -> contracts. A module may import its own layer or a
 * lower one, never a higher one; sources and sinks do not import each other; nothing forms a
 * cycle; the API imports the pipeline only through its public surface and never builds it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SRC = path.join(ROOT, 'pipeline/src')

/** Layer of a module by its path under pipeline/src (first match wins). */
const LAYERS: ReadonlyArray<[RegExp, number, string]> = [
  [/^index\.ts$/, 9, 'public surface'],
  [/^main\.ts$/, 8, 'entry point'],
  [/^topology\//, 7, 'topology'],
  [/^services\//, 6, 'services'],
  [/^workers\//, 5, 'workers'],
  [/^(sources|sinks|buffers)\//, 4, 'sources and sinks'],
  [/^transforms\//, 3, 'transforms'],
  [/^(config|telemetry)\//, 2, 'config and telemetry'],
  [/^(errors\.ts|lib\/)/, 1, 'errors and helpers'],
]

function layerOf(rel: string): { rank: number; name: string } {
  for (const [re, rank, name] of LAYERS) if (re.test(rel)) return { rank, name }
  throw new Error(`${rel} is in no layer: add its folder to LAYERS`)
}

function sources(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sources(p))
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

/** Module specifiers a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) out.push((m[1] ?? m[2])!)
  return out
}

/** Relative imports resolved to paths under pipeline/src (`.js` -> `.ts`). */
function edges(): Array<{ from: string; to: string }> {
  const out: Array<{ from: string; to: string }> = []
  for (const file of sources(SRC)) {
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) continue
      const to = path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts')
      out.push({ from: path.relative(SRC, file), to })
    }
  }
  return out
}

/** Pairs of edges that point up the layers, as `from -> to`. */
export function backArrows(list = edges()): string[] {
  const bad: string[] = []
  for (const { from, to } of list) {
    const a = layerOf(from)
    const b = layerOf(to)
    const sideways = a.rank === 4 && b.rank === 4 && from.split('/')[0] !== to.split('/')[0] && !(from.startsWith('sinks/') && to.startsWith('buffers/')) && !(from.startsWith('buffers/') && to.startsWith('sinks/'))
    if (b.rank > a.rank || sideways) bad.push(`${from} (${a.name}) -> ${to} (${b.name})`)
  }
  return bad
}

function cycles(list = edges()): string[][] {
  const graph = new Map<string, string[]>()
  for (const { from, to } of list) graph.set(from, [...(graph.get(from) ?? []), to])
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (n: string): void => {
    state.set(n, 'open')
    stack.push(n)
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m])
      else if (state.get(m) === undefined) visit(m)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of graph.keys()) if (state.get(n) === undefined) visit(n)
  return found
}

describe('the import graph', () => {
  it('puts every module in a layer and resolves every relative import to a file', () => {
    const files = new Set(sources(SRC).map((f) => path.relative(SRC, f)))
    for (const { from, to } of edges()) {
      expect(files.has(to), `${from} imports ${to}, which does not exist`).toBe(true)
      layerOf(to)
    }
  })

  it('has no arrow from a lower layer to a higher one, and none between sources and sinks', () => {
    expect(backArrows()).toEqual([])
  })

  it('has no import cycle', () => {
    expect(cycles().map((c) => c.join(' -> '))).toEqual([])
  })

  it('sees a back-arrow when there is one (the check itself can fail)', () => {
    expect(backArrows([{ from: 'transforms/detect/alerts.ts', to: 'sinks/clickhouse/values.ts' }])).toHaveLength(1)
    expect(backArrows([{ from: 'sources/kafka/kafka.ts', to: 'sinks/kafka/producer.ts' }])).toHaveLength(1)
    expect(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }])).toHaveLength(1)
  })
})

describe('the API', () => {
  const api = sources(path.join(ROOT, 'api/src'))
  it('imports the pipeline only through its public surface', () => {
    const deep = api.flatMap((f) => specifiers(f).filter((s) => s.startsWith('@watchfloor/pipeline/') || s.includes('pipeline/src')).map((s) => `${path.relative(ROOT, f)}: ${s}`))
    expect(deep).toEqual([])
  })

  it('never builds the pipeline nor reaches into it', () => {
    const found: string[] = []
    for (const f of api) {
      const text = readFileSync(f, 'utf8')
      for (const re of [/new Pipeline\(/, /\bpipeline\.(pool|analyzer|buffer|sinks|stages|storage)\b/, /\bnew (ClickHouseSink|KafkaSource|KafkaProducer|TokenStore)\(/, /\bstore\.client\b/])
        if (re.test(text)) found.push(`${path.relative(ROOT, f)}: ${re.source}`)
    }
    expect(found).toEqual([])
  })
})
