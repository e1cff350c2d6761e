/**
 * `watchfloor score --truth FILE DIR`: how a replay (DIR, written by `watchfloor replay`) did on
 * the attacks `watchfloor generate` wrote into its input (FILE, from `--truth`): per attack, the
 * steps detected (a record of the step is in an alert), the incidents its records ended up in
 * (ideally one), the time from its first record to its first alert, whether it was escalated
 * (HIGH/CRITICAL), and over all records the share of benign ones escalated.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { TruthStage } from './generate/index.js'

interface RecordLine {
  line: number
  severity: string
  alert_ids: string[]
  incident_id: string | null
}

interface AlertLine {
  id: string
  '@timestamp': string
  records?: { line: number }[]
}

export interface ChainScore {
  chain: string
  scenario: string
  stages: number
  detected: number
  missed: string[]
  incidents: number
  escalated: boolean
  /** Seconds from the attack's first record to its first alert (event time); null when never detected. */
  time_to_detect_s: number | null
}

export interface Score {
  chains: ChainScore[]
  stages: { total: number; detected: number }
  chains_in_one_incident: number
  benign: { records: number; escalated: number; rate: number }
}

const ndjson = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)

const ESCALATED = new Set(['HIGH', 'CRITICAL'])

export function score(truth: TruthStage[], records: RecordLine[], alerts: AlertLine[]): Score {
  const byLine = new Map(records.map((r) => [r.line, r]))
  const alertTime = new Map(alerts.map((a) => [a.id, Date.parse(a['@timestamp'])]))
  const attackLines = new Set(truth.flatMap((s) => s.records))
  const chains = new Map<string, TruthStage[]>()
  for (const s of truth) chains.set(s.chain, [...(chains.get(s.chain) ?? []), s])
  const out: ChainScore[] = []
  for (const [chain, stages] of chains) {
    const missed: string[] = []
    const incidents = new Set<string>()
    let escalated = false
    let firstAlert = Infinity
    for (const s of stages) {
      let hit = false
      for (const line of s.records) {
        const r = byLine.get(line)
        if (r === undefined) continue
        if (r.alert_ids.length > 0) hit = true
        if (r.incident_id !== null) incidents.add(r.incident_id)
        if (ESCALATED.has(r.severity)) escalated = true
        for (const id of r.alert_ids) firstAlert = Math.min(firstAlert, alertTime.get(id) ?? Infinity)
      }
      if (!hit) missed.push(s.stage)
    }
    const first = Math.min(...stages.map((s) => Date.parse(s.first)))
    out.push({
      chain,
      scenario: stages[0]!.scenario,
      stages: stages.length,
      detected: stages.length - missed.length,
      missed,
      incidents: incidents.size,
      escalated,
      time_to_detect_s: Number.isFinite(firstAlert) ? Math.max(0, Math.round((firstAlert - first) / 1000)) : null,
    })
  }
  const benign = records.filter((r) => !attackLines.has(r.line))
  const benignEscalated = benign.filter((r) => ESCALATED.has(r.severity)).length
  return {
    chains: out,
    stages: { total: truth.length, detected: out.reduce((n, c) => n + c.detected, 0) },
    chains_in_one_incident: out.filter((c) => c.incidents === 1).length,
    benign: { records: benign.length, escalated: benignEscalated, rate: benign.length === 0 ? 0 : benignEscalated / benign.length },
  }
}

function table(s: Score): string {
  const rows = s.chains.map((c) => `${c.chain.padEnd(28)} ${c.scenario.padEnd(24)} ${`${c.detected}/${c.stages}`.padStart(5)}  ${String(c.incidents).padStart(9)}  ${(c.escalated ? 'yes' : 'no').padStart(9)}  ${(c.time_to_detect_s === null ? '-' : `${c.time_to_detect_s} s`).padStart(14)}${c.missed.length > 0 ? `  missed: ${c.missed.join(', ')}` : ''}`)
  return [
    `${'attack'.padEnd(28)} ${'scenario'.padEnd(24)} steps  incidents  escalated  time to detect`,
    ...rows,
    '',
    `steps detected ${s.stages.detected}/${s.stages.total}; attacks in one incident ${s.chains_in_one_incident}/${s.chains.length}; benign records escalated ${s.benign.escalated}/${s.benign.records} = ${(100 * s.benign.rate).toFixed(2)}%`,
    '',
  ].join('\n')
}

export async function runScore(argv: string[]): Promise<number> {
  let truthFile: string | undefined
  let dir: string | undefined
  let json = false
  let strict = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--truth') truthFile = argv[++i]
    else if (a === '--json') json = true
    else if (a === '--strict') strict = true
    else if (a.startsWith('--')) {
      process.stderr.write(`watchfloor score: unknown option ${a}\n`)
      return 2
    } else dir = a
  }
  if (truthFile === undefined || dir === undefined) {
    process.stderr.write('usage: watchfloor score --truth FILE [--json] [--strict] DIR (DIR: the output of watchfloor replay)\n')
    return 2
  }
  const s = score(ndjson<TruthStage>(truthFile), ndjson<RecordLine>(path.join(dir, 'records.ndjson')), ndjson<AlertLine>(path.join(dir, 'alerts.ndjson')))
  process.stdout.write(json ? `${JSON.stringify(s, null, 2)}\n` : table(s))
  // --strict: every step detected and every attack one incident, or exit 1 (CI gates)
  return strict && (s.stages.detected < s.stages.total || s.chains_in_one_incident < s.chains.length) ? 1 : 0
}
