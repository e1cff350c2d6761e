/**
 * `watchfloor help` and the README name every bench the CLI dispatches, each with the defaults its
 * source really uses (read from the bench sources, so a changed default fails here until both say it).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { USAGE } from './usage.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(here, '../..')
const read = (p: string) => readFileSync(p, 'utf8')

/** Subcommand -> the bench module it calls, from the `case 'x': return benchX(rest)` lines and imports of bench/index.ts. */
function dispatched(): Map<string, string> {
  const src = read(path.join(here, 'bench/index.ts'))
  const moduleOf = new Map<string, string>()
  for (const m of src.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/([\w-]+)\.js'/g)) for (const name of m[1]!.split(',')) moduleOf.set(name.trim(), m[2]!)
  const out = new Map<string, string>()
  for (const m of src.matchAll(/case\s+'([\w-]+)':\s*return\s+(\w+)\(/g)) {
    const mod = moduleOf.get(m[2]!)
    if (mod === undefined) throw new Error(`bench/index.ts: ${m[2]} is not imported from a bench module`)
    out.set(m[1]!, mod)
  }
  return out
}

/** `--name` -> default, as the bench source parses its numeric options. */
function defaultsIn(mod: string): Map<string, number> {
  const src = read(path.join(here, 'bench', `${mod}.ts`))
  const out = new Map<string, number>()
  // arg(args, 'events', 1_000_000) / positiveIntArg(args, 'ips', 1_000_000)
  for (const m of src.matchAll(/\w+\(args,\s*'([\w-]+)',\s*([\d_]+)\)/g)) out.set(m[1]!, Number(m[2]!.replaceAll('_', '')))
  // const i = args.indexOf('--events'); ... i >= 0 ? (args[i + 1] ?? '500000') : '500000'
  for (const m of src.matchAll(/args\.indexOf\('--([\w-]+)'\)[^\n]*\n[^\n]*:\s*'(\d+)'/g)) out.set(m[1]!, Number(m[2]))
  return out
}

/** The help lines of one bench subcommand: its own line and the indented option lines after it. */
function helpOf(sub: string): string {
  const lines = USAGE.split('\n')
  const i = lines.findIndex((l) => l.trimStart().startsWith(`bench ${sub} `))
  if (i < 0) return ''
  let j = i + 1
  while (j < lines.length && /^\s{20,}\S/.test(lines[j]!)) j++
  return lines.slice(i, j).join('\n')
}

describe('watchfloor help', () => {
  const subs = dispatched()

  it('names every bench subcommand that bench/index.ts dispatches', () => {
    expect([...subs.keys()].sort()).toEqual(['detect', 'ingest', 'kafka', 'profiles', 'similar', 'soak'])
    for (const sub of subs.keys()) expect(helpOf(sub), `help lacks "bench ${sub}"`).not.toBe('')
  })

  it('gives each bench option the default its source uses', () => {
    for (const [sub, mod] of subs) {
      const defaults = defaultsIn(mod)
      expect(defaults.size, `no numeric option found in bench/${mod}.ts`).toBeGreaterThan(0)
      for (const [name, dflt] of defaults) expect(helpOf(sub), `bench ${sub} --${name}`).toContain(`--${name} N (default ${dflt})`)
    }
  })

  it('lists every top-level command main.ts handles', () => {
    const main = read(path.join(here, 'main.ts'))
    const commands = [...main.matchAll(/case\s+'([a-z][\w-]*)':/g)].map((m) => m[1]!).filter((c) => c !== 'help')
    expect(commands).toEqual(expect.arrayContaining(['start', 'replay', 'bench', 'config']))
    for (const c of commands) expect(USAGE, `help lacks "${c}"`).toMatch(new RegExp(`^  ${c}\\b`, 'm'))
  })
})

describe('README benchmarks', () => {
  const readme = read(path.join(ROOT, 'README.md'))

  it('shows each bench with the defaults its source uses', () => {
    for (const [sub, mod] of dispatched()) {
      const line = new RegExp(`^npx watchfloor bench ${sub}\\b.*$`, 'm').exec(readme)?.[0]
      expect(line, `README has no "npx watchfloor bench ${sub}" line`).toBeDefined()
      for (const [name, dflt] of defaultsIn(mod)) expect(line, `README bench ${sub} --${name}`).toContain(`--${name} ${dflt}`)
    }
  })
})
