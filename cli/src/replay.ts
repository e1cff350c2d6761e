/**
 * `watchfloor replay --out DIR [--rules DIR ...] INPUT...`: runs the pipeline's own transforms
 * (the same worker code as live ingest) over files, with no servers, deterministically: event ids
 * derive from (input, record number), records are processed and written in input order.
 *
 * Writes DIR/records.ndjson (one line per input record), DIR/alerts.ndjson (Sigma rules from
 * --rules or SIGMA_RULES_DIRS, matched in the workers), DIR/incidents.ndjson and DIR/summary.json.
 * Correlation and triage are not part of the pipeline yet, so incidents stay empty and a record's
 * severity comes from its alerts alone.
 */
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs'
import path from 'node:path'
import { SEVERITY_RANK, createTransformPool, loadConfig, alertId, attackFromTags, readRecords, severityOf, stableId, type FileRecord, type FramedRecord, type Severity, type TaskAlert, type TransformResult, type TransformFailure } from '@watchfloor/pipeline'

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

  const pool = createTransformPool({ youngGenerationMb: loadConfig().pipeline.workerYoungGenerationMb })
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
      const task = { framing: 'records', text: '', records: framed, source: 'file', ingested, firstLine: 1, maxRecordBytes: 16 * 1024 * 1024, maxDepth: 64, sigmaRulesDirs: args.rules.map((d) => path.resolve(d)) }
      const res = (await pool.run(task)) as TransformResult | TransformFailure
      done += batch.length
      progress(done, records.length)
      return res
    }),
  )
  await pool.destroy()

  const out = createWriteStream(path.join(args.out, 'records.ndjson'))
  const alertsOut = createWriteStream(path.join(args.out, 'alerts.ndjson'))
  const byRule: Record<string, number> = {}
  const byLevel: Record<string, number> = {}
  const byTechnique: Record<string, number> = {}
  let alertCount = 0
  const failures: Record<string, number> = {}
  const decoders: Record<string, number> = {}
  const statuses: Record<string, number> = {}
  let accepted = 0
  for (let b = 0; b < batches.length; b++) {
    const res = results[b]!
    const batch = batches[b]!
    if (!res.ok) throw new Error(`replay batch failed: ${res.code} ${res.reason}`)
    const errors = new Map(res.errors.map((e) => [e.index, e]))
    const alertsOf = new Map<number, TaskAlert[]>()
    for (const a of res.alerts) alertsOf.set(a.index, [...(alertsOf.get(a.index) ?? []), a])
    let lines = ''
    let alertLines = ''
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!
      const err = errors.get(i)
      if (err) failures[err.code] = (failures[err.code] ?? 0) + 1
      else accepted++
      const alerts = (alertsOf.get(i) ?? []).sort((x, y) => x.rule.id.localeCompare(y.rule.id))
      let severity: Severity = 'NONE'
      const alertIds: string[] = []
      for (const a of alerts) {
        const id = alertId(a)
        const sev = severityOf(a.rule.level)
        if (SEVERITY_RANK[sev] > SEVERITY_RANK[severity]) severity = sev
        const attack = attackFromTags(a.tags)
        alertIds.push(id)
        alertLines += JSON.stringify({ id, '@timestamp': a.timestamp, rule: a.rule, severity: sev, attack, entities: a.entities, records: [{ input: r.input, line: r.line }] }) + '\n'
        alertCount++
        byRule[`${a.rule.id} ${a.rule.title}`] = (byRule[`${a.rule.id} ${a.rule.title}`] ?? 0) + 1
        byLevel[a.rule.level] = (byLevel[a.rule.level] ?? 0) + 1
        for (const t of attack.techniques) byTechnique[t] = (byTechnique[t] ?? 0) + 1
      }
      const line: Record<string, unknown> = { input: r.input, line: r.line, severity, risk_score: 0, alert_ids: alertIds, incident_id: null }
      if (err) line.decode_error = { code: err.code, reason: err.reason }
      else line.event_id = replayId(r.input, r.line)
      lines += JSON.stringify(line) + '\n'
    }
    if (!out.write(lines)) await new Promise<void>((r) => out.once('drain', () => r()))
    if (alertLines && !alertsOut.write(alertLines)) await new Promise<void>((r) => alertsOut.once('drain', () => r()))
    for (const [k, v] of Object.entries(res.decoders)) decoders[k] = (decoders[k] ?? 0) + v
    for (const [k, v] of Object.entries(res.statuses)) statuses[k] = (statuses[k] ?? 0) + v
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
    rules_dirs: args.rules,
    detection: args.rules.length > 0 ? 'sigma' : 'no rules given (--rules DIR or SIGMA_RULES_DIRS): no alerts',
  }
  writeFileSync(path.join(args.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
  process.stdout.write(`${records.length.toLocaleString('en-US')} records (${accepted.toLocaleString('en-US')} decoded, ${(records.length - accepted).toLocaleString('en-US')} failed), ${alertCount.toLocaleString('en-US')} alerts -> ${args.out}\n`)
  return problems.length > 0 && records.length === 0 ? 1 : 0
}
