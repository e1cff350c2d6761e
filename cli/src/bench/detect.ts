/**
 * `watchfloor bench detect`: Sigma rule evaluation speed with every configured rule loaded
 * (SIGMA_RULES_DIRS, else the SigmaHQ rules under ../shared/data/sigma), per core over the OTRF
 * Windows events and over a synthetic mix, then the end-to-end embedded figure with detection on.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SigmaEngine } from '@watchfloor/pipeline'
import { loadCorpus, otrfJsonLines } from './corpus.js'
import { benchIngest } from './ingest.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

function ruleDirs(): string[] {
  const env = process.env.SIGMA_RULES_DIRS
  if (env) return env.split(path.delimiter).filter(Boolean)
  const base = path.resolve(ROOT, '../shared/data/sigma')
  return ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => path.join(base, d)).filter((d) => existsSync(d))
}

function otrfWindows(): unknown[] {
  const out: unknown[] = []
  for (const line of otrfJsonLines(path.resolve(ROOT, '../shared'), 'SDWIN')) {
    try {
      out.push(JSON.parse(line))
    } catch {
      // a truncated line in the archive
    }
  }
  return out
}

/** Events/s of engine.match over `events`, repeated to at least `minMs`, after a warm-up pass. */
function rate(engine: SigmaEngine, events: unknown[], minMs = 3000): { perSecond: number; matches: number } {
  let matches = 0
  for (const e of events) matches += engine.match(e).length
  let n = 0
  const t0 = performance.now()
  do {
    for (const e of events) engine.match(e)
    n += events.length
  } while (performance.now() - t0 < minMs)
  return { perSecond: n / ((performance.now() - t0) / 1000), matches }
}

export async function benchDetect(args: string[]): Promise<number> {
  const dirs = ruleDirs()
  if (dirs.length === 0) {
    process.stderr.write('no Sigma rules: set SIGMA_RULES_DIRS\n')
    return 2
  }
  const t0 = performance.now()
  const engine = SigmaEngine.fromDirs(dirs)
  process.stdout.write(`rules: ${fmt(engine.stats.compiled)} compiled of ${fmt(engine.stats.rules)} (${engine.stats.errors.length} failed) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  const windows = otrfWindows()
  if (windows.length > 0) {
    const r = rate(engine, windows)
    process.stdout.write(`rule evaluation, OTRF Windows events (${fmt(windows.length)}): ${fmt(r.perSecond)} events/s on one core, ${fmt(r.matches)} matches per pass\n`)
  }
  const mix = loadCorpus(path.resolve(ROOT, '../shared'), 'compact').map((l) => JSON.parse(l) as unknown)
  const m = rate(engine, mix)
  process.stdout.write(`rule evaluation, synthetic mix (legacy, Suricata, Zeek, ECS, AIT; ${fmt(mix.length)}): ${fmt(m.perSecond)} events/s on one core, ${fmt(m.matches)} matches per pass\n`)
  const i = args.indexOf('--events')
  const events = i >= 0 ? (args[i + 1] ?? '500000') : '500000'
  process.env.SIGMA_RULES_DIRS = dirs.join(path.delimiter)
  process.stdout.write(`\nend to end with detection on (the server loads the same rules):\n`)
  return benchIngest(['--events', events, '--corpus', 'mixed'])
}
