/**
 * `watchfloor replay --out DIR [--rules DIR ...] INPUT...`: runs the pipeline's own transforms
 * (the same worker code as live ingest) over files, with no servers, deterministically: event ids
 * derive from (input, record number), records are processed and written in input order.
 *
 * Writes DIR/records.ndjson (one line per input record), DIR/alerts.ndjson (the built-in rule pack
 * plus Sigma rules from --rules or SIGMA_RULES_DIRS, matched in the workers; correlation rules
 * evaluated here, on one correlator, as in the live pipeline), DIR/incidents.ndjson and
 * DIR/summary.json. Incidents and triage are not part of the pipeline yet, so incidents stay empty
 * and a record's severity comes from its alerts alone.
 */
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs'
import path from 'node:path'
import { SEVERITY_RANK, StreamCorrelator, createTransformPool, loadConfig, loadCorrelations, ruleDirs, alertId, attackFromTags, readRecords, severityOf, stableId, type CorrelationAlert, type FileRecord, type FramedRecord, type Severity, type TaskAlert, type TransformResult, type TransformFailure } from '@watchfloor/pipeline'

const BATCH = 2000

interface Args {
  out: string
  rules: string[]
  inputs: string[]
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { out: '', rules: [], inputs: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--out') args.out = argv[++i] ?? ''
    else if (a === '--rules') args.rules.push(argv[++i] ?? '')
    else if (a.startsWith('--') && a !== '-') return `unknown option ${a}`
    else args.inputs.push(a)
  }
  if (args.rules.length === 0 && process.env.SIGMA_RULES_DIRS) args.rules = process.env.SIGMA_RULES_DIRS.split(path.delimiter).filter(Boolean)
  if (!args.out) return '--out DIR is required'
  if (args.inputs.length === 0) return 'at least one INPUT (file, archive, or - for stdin) is required'
  return args
}

/** A UUID-shaped id that is the same for the same input and record number. */
export function replayId(input: string, line: number): string {
  return stableId(`${input}\u0000${line}`)
}

function progress(done: number, total: number): void {
  if (!process.stderr.isTTY) return
  const width = 30
  const filled = total === 0 ? width : Math.round((done / total) * width)
  process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} records`)
  if (done === total) process.stderr.write('\n')
}

export async function replay(argv: string[]): Promise<number> {
  const args = parseArgs(argv)
  if (typeof args === 'string') {
    process.stderr.write(`watchfloor replay: ${args}\nusage: watchfloor replay --out DIR [--rules DIR ...] INPUT...\n`)
    return 2
  }
  const { records, problems } = await readRecords(args.inputs)
  for (const p of problems) process.stderr.write(`watchfloor replay: ${p.input}: ${p.reason}\n`)
  mkdirSync(args.out, { recursive: true })

  const config = loadConfig()
  const dirs = ruleDirs({ detect: { ...config.detect, sigmaRulesDirs: args.rules.map((d) => path.resolve(d)) } })
  const pool = createTransformPool({ youngGenerationMb: config.pipeline.workerYoungGenerationMb })
  // Fixed ingest time: the output must not depend on when the replay ran.
  const ingested = '1970-01-01T00:00:00.000Z'
  const batches: FileRecord[][] = []
  for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH))
  let done = 0
  progress(0, records.length)
  const results = await Promise.all(
    batches.map(async (batch) => {
      const framed: FramedRecord[] = batch.map((r) => {
        const f: FramedRecord = { kind: r.kind, raw: r.raw, id: replayId(r.input, r.line) }
        if (r.cells) f.cells = r.cells
        return f
      })
      const task = { framing: 'records', text: '', records: framed, source: 'file', ingested, firstLine: 1, maxRecordBytes: 16 * 1024 * 1024, maxDepth: 64, sigmaRulesDirs: dirs }
      const res = (await pool.run(task)) as TransformResult | TransformFailure
      done += batch.length
      progress(done, records.length)
      return res
    }),
  )
  await pool.destroy()

  // Alerts are collected first: a correlation alert fires on the last event of a burst but lists
  // (and is listed by) every record that made it fire, including records of earlier batches.
  const correlations = loadCorrelations(dirs)
  const correlator = correlations.length > 0 ? new StreamCorrelator(correlations) : undefined
  const alertIdsOf = new Map<number, string[]>()
  const recordSeverity = new Map<number, Severity>()
  const recordOfEvent = new Map<string, number>()
  const alertOut: Array<{ line: Record<string, unknown>; records: number[] }> = []
  const correlationAlert = new Map<string, { line: Record<string, unknown>; records: number[] }>()
  const byRule: Record<string, number> = {}
  const byLevel: Record<string, number> = {}
  const byTechnique: Record<string, number> = {}
  const failures: Record<string, number> = {}
  const decoders: Record<string, number> = {}
  const statuses: Record<string, number> = {}
  let accepted = 0
  const link = (rec: number, id: string, sev: Severity) => {
    const ids = alertIdsOf.get(rec)
    if (ids === undefined) alertIdsOf.set(rec, [id])
    else if (!ids.includes(id)) ids.push(id)
    if (SEVERITY_RANK[sev] > SEVERITY_RANK[recordSeverity.get(rec) ?? 'NONE']) recordSeverity.set(rec, sev)
  }
  const addAlert = (a: TaskAlert | CorrelationAlert, records: number[]): void => {
    const id = alertId(a)
    const sev = severityOf(a.rule.level)
    const attack = attackFromTags(a.tags)
    const line: Record<string, unknown> = { id, '@timestamp': a.timestamp, rule: a.rule, severity: sev, attack, entities: a.entities }
    if ('correlation' in a) line.correlation = a.correlation
    const entry = { line, records }
    alertOut.push(entry)
    if ('correlation' in a) correlationAlert.set(id, entry)
    for (const r of records) link(r, id, sev)
    byRule[`${a.rule.id} ${a.rule.title}`] = (byRule[`${a.rule.id} ${a.rule.title}`] ?? 0) + 1
    byLevel[a.rule.level] = (byLevel[a.rule.level] ?? 0) + 1
    for (const t of attack.techniques) byTechnique[t] = (byTechnique[t] ?? 0) + 1
  }
  let base = 0
  for (let b = 0; b < batches.length; b++) {
    const res = results[b]!
    const batch = batches[b]!
    if (!res.ok) throw new Error(`replay batch failed: ${res.code} ${res.reason}`)
    for (const e of res.errors) failures[e.code] = (failures[e.code] ?? 0) + 1
    accepted += batch.length - res.errors.length
    const alerts = [...res.alerts].sort((x, y) => x.index - y.index || x.rule.id.localeCompare(y.rule.id))
    for (const a of alerts) addAlert(a, [base + a.index])
    if (correlator && res.signals.length > 0) {
      for (const s of res.signals) recordOfEvent.set(s.eventId, base + s.index)
      const { alerts: fired, joined } = correlator.feed(res.signals)
      for (const a of fired) addAlert(a, a.eventIds.map((id) => recordOfEvent.get(id)).filter((r): r is number => r !== undefined))
      for (const j of joined) {
        const entry = correlationAlert.get(j.alertId)
        const rec = recordOfEvent.get(j.eventId)
        if (entry === undefined || rec === undefined) continue
        if (!entry.records.includes(rec)) entry.records.push(rec)
        link(rec, j.alertId, entry.line.severity as Severity)
      }
    }
    for (const [k, v] of Object.entries(res.decoders)) decoders[k] = (decoders[k] ?? 0) + v
    for (const [k, v] of Object.entries(res.statuses)) statuses[k] = (statuses[k] ?? 0) + v
    base += batch.length
  }
  const alertCount = alertOut.length

  const alertsOut = createWriteStream(path.join(args.out, 'alerts.ndjson'))
  for (const { line, records: recs } of alertOut) {
    const refs = recs.sort((x, y) => x - y).map((i) => ({ input: records[i]!.input, line: records[i]!.line }))
    if (!alertsOut.write(JSON.stringify({ ...line, records: refs }) + '\n')) await new Promise<void>((r) => alertsOut.once('drain', () => r()))
  }
  const out = createWriteStream(path.join(args.out, 'records.ndjson'))
  base = 0
  for (let b = 0; b < batches.length; b++) {
    const res = results[b]! as TransformResult
    const batch = batches[b]!
    const errors = new Map(res.errors.map((e) => [e.index, e]))
    let lines = ''
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!
      const err = errors.get(i)
      const line: Record<string, unknown> = { input: r.input, line: r.line, severity: recordSeverity.get(base + i) ?? 'NONE', risk_score: 0, alert_ids: alertIdsOf.get(base + i) ?? [], incident_id: null }
      if (err) line.decode_error = { code: err.code, reason: err.reason }
      else line.event_id = replayId(r.input, r.line)
      lines += JSON.stringify(line) + '\n'
    }
    if (!out.write(lines)) await new Promise<void>((r) => out.once('drain', () => r()))
    base += batch.length
  }
  for (const s of [out, alertsOut]) await new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))
  writeFileSync(path.join(args.out, 'incidents.ndjson'), '')
  const sortKeys = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)))
  const summary = {
    inputs: args.inputs,
    input_problems: problems,
    records: records.length,
    decoded: accepted,
    decode_failures: { total: records.length - accepted, by_code: sortKeys(failures) },
    by_decoder: sortKeys(decoders),
    by_decode_status: sortKeys(statuses),
    alerts: alertCount,
    incidents: 0,
    by_rule: sortKeys(byRule),
    by_level: sortKeys(byLevel),
    by_technique: sortKeys(byTechnique),
    rules_dirs: dirs,
    correlation_rules: correlations.length,
  }
  writeFileSync(path.join(args.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
  process.stdout.write(`${records.length.toLocaleString('en-US')} records (${accepted.toLocaleString('en-US')} decoded, ${(records.length - accepted).toLocaleString('en-US')} failed), ${alertCount.toLocaleString('en-US')} alerts -> ${args.out}\n`)
  return problems.length > 0 && records.length === 0 ? 1 : 0
}
