/**
 * `watchfloor bench detect`: rule evaluation speed with the built-in pack and every configured
 * rule loaded (SIGMA_RULES_DIRS, else the SigmaHQ rules under ../shared/data/sigma), per core over
 * the OTRF Windows events and over a synthetic mix, then the end-to-end embedded figure with
 * detection on. Per-core figures cover matching the original record and the canonical event and
 * feeding the correlator; decoding is measured by `bench ingest`.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUILTIN_RULES_DIR, SigmaEngine, StreamCorrelator, decodeRecord, loadConfig, taskSignal } from '@watchfloor/pipeline'
import type { CanonicalEvent } from '@watchfloor/contracts'
import { loadCorpus, otrfJsonLines } from './corpus.js'
import { benchIngest } from './ingest.js'
import { fmt } from './util.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/** The configured Sigma rules (SIGMA_RULES_DIRS, as `start` reads it), else SigmaHQ's from the shared data. */
function ruleDirs(): string[] {
  const configured = loadConfig().detect.sigmaRulesDirs
  if (configured.length > 0) return [...configured]
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

type Pair = [unknown, CanonicalEvent | undefined]

function decoded(records: unknown[]): Pair[] {
  return records.map((r, i) => {
    const res = decodeRecord(r, { id: `e${i}`, ingested: '2026-01-01T00:00:00.000Z', source: 'bench' })
    return [r, res.ok ? res.event : undefined]
  })
}

/** One pass: detect on every event, signals through one correlator. Returns alerts (single + correlation). */
function pass(engine: SigmaEngine, events: Pair[]): number {
  const correlator = new StreamCorrelator(engine.correlations)
  let alerts = 0
  for (const [rec, ev] of events) {
    const { matches, signals } = engine.detect(rec, ev)
    alerts += matches.length
    if (signals.length > 0 && ev !== undefined) {
      const sigs = signals.map((s) => taskSignal(s, { index: 0, eventId: ev.event.id, timestamp: ev['@timestamp'], entities: {} }))
      alerts += correlator.feed(sigs).alerts.length
    }
  }
  return alerts
}

/**
 * Events/s of detection over `events`: after a warm-up pass, `rounds` rounds of at least
 * `roundMs` each. The median is the figure; the range shows how much this machine varies.
 */
function rate(engine: SigmaEngine, events: Pair[], rounds = 7, roundMs = 1500): { median: number; min: number; max: number; rounds: number; matches: number } {
  const matches = pass(engine, events)
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    let n = 0
    const t0 = performance.now()
    do {
      pass(engine, events)
      n += events.length
    } while (performance.now() - t0 < roundMs)
    rates.push(n / ((performance.now() - t0) / 1000))
  }
  rates.sort((a, b) => a - b)
  return { median: rates[Math.floor(rates.length / 2)] as number, min: rates[0] as number, max: rates[rates.length - 1] as number, rounds, matches }
}

const figure = (r: { median: number; min: number; max: number; rounds: number }) => `${fmt(r.median)} events/s on one core (median of ${r.rounds} rounds; ${fmt(r.min)}-${fmt(r.max)})`

export async function benchDetect(args: string[]): Promise<number> {
  const dirs = ruleDirs()
  if (dirs.length === 0) {
    process.stderr.write('no Sigma rules: set SIGMA_RULES_DIRS\n')
    return 2
  }
  const t0 = performance.now()
  const engine = SigmaEngine.fromDirs([BUILTIN_RULES_DIR, ...dirs])
  process.stdout.write(`rules (built-in pack + ${dirs.length} directories): ${fmt(engine.stats.compiled)} compiled of ${fmt(engine.stats.rules)}, ${engine.stats.correlations} correlations, ${engine.stats.errors.length} failed, in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  const windows = decoded(otrfWindows())
  if (windows.length > 0) {
    const r = rate(engine, windows)
    process.stdout.write(`rule evaluation, OTRF Windows events (${fmt(windows.length)}): ${figure(r)}, ${fmt(r.matches)} alerts per pass\n`)
  }
  const mix = decoded(loadCorpus(path.resolve(ROOT, '../shared'), 'compact').map((l) => JSON.parse(l) as unknown))
  const m = rate(engine, mix)
  process.stdout.write(`rule evaluation, synthetic mix (legacy, Suricata, Zeek, ECS, AIT; ${fmt(mix.length)}): ${figure(m)}, ${fmt(m.matches)} alerts per pass\n`)
  const i = args.indexOf('--events')
  const events = i >= 0 ? (args[i + 1] ?? '500000') : '500000'
  process.stdout.write(`\nend to end with detection on (the server loads the same rules):\n`)
  return benchIngest(['--events', events, '--corpus', 'mixed'], { SIGMA_RULES_DIRS: dirs.join(path.delimiter) })
}
