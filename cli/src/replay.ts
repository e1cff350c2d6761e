/**
 * `watchfloor replay --out DIR [--rules DIR ...] INPUT...`: runs the pipeline's own transforms
 * (the same worker code as live ingest) over files, with no servers, deterministically: event ids
 * derive from (input, record number), records are processed and written in input order.
 *
 * Writes DIR/records.ndjson (one line per input record), DIR/alerts.ndjson (the built-in rule pack
 * plus Sigma rules from --rules or SIGMA_RULES_DIRS, matched in the workers; correlation rules
 * evaluated here, on one correlator, as in the live pipeline), DIR/incidents.ndjson and
 * DIR/summary.json. Profiles, incidents and triage run on one `Stages`, as live; a record's
 * severity is the highest of its alerts and its incident. The configuration is `start`'s (the
 * environment and WATCHFLOOR_CONFIG), with --rules in place of SIGMA_RULES_DIRS.
 */
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs'
import path from 'node:path'
import { FileSource, LlmTriager, SEVERITY_RANK, Stages, inGrayZone, triageInputOf, createTransformPool, fileRecordId, loadConfig, makeTask, mergeResults, runIsolated, type FileRecord, type IngestOutcome, type IngestRequest, type Severity, type SourceOutput, type TransformPool, type TransformResult } from '@watchfloor/pipeline'
import type { Incident } from '@watchfloor/contracts'

/**
 * Replay's output: each batch of the file source runs through the worker pool as one task (no
 * storage rows) and its result is kept by batch number; the stages then run over the results in
 * input order. The ingest time is fixed: the output must not depend on when the replay ran.
 */
class ReplayOutput implements SourceOutput {
  readonly results: TransformResult[] = []
  readonly stopping = false

  constructor(
    private readonly pool: TransformPool,
    private readonly tasks: ReturnType<typeof makeTask>,
    private readonly timeoutMs: number,
  ) {}

  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    const batch = Number(/^file\/(\d+)$/.exec(req.requestId)?.[1])
    const split = this.tasks.split({ framing: 'records', records: req.records ?? [], source: req.source, ingested: '1970-01-01T00:00:00.000Z', skipRows: true })
    if (!Number.isInteger(batch) || split.length !== 1) throw new Error(`replay: unexpected batch ${req.requestId} (${split.length} tasks)`)
    // a record that stops its worker (PIPELINE_TASK_TIMEOUT_MS) is refused with its reason, as live
    const res = mergeResults(await runIsolated(this.pool, split[0]!, { timeoutMs: this.timeoutMs, onPoison: (p) => process.stderr.write(`replay: a record stopped its worker and was refused: ${p.reason}\n`) }))
    if (!res.ok) throw new Error(`replay batch failed: ${res.code} ${res.reason}`)
    this.results[batch] = res
    return { accepted: res.ids.length, rejected: res.errors.length, ids: res.ids, errors: res.errors.map(({ raw: _raw, ...e }) => e) }
  }

  async deadLetters(): Promise<void> {
    // replay keeps refused records in records.ndjson (decode_error), not in a store
  }
}

interface Args {
  out: string
  rules: string[]
  inputs: string[]
  /** Progress lines on stderr even when it is not a terminal. */
  progress: boolean
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { out: '', rules: [], inputs: [], progress: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--out') args.out = argv[++i] ?? ''
    else if (a === '--rules') args.rules.push(argv[++i] ?? '')
    else if (a === '--progress') args.progress = true
    else if (a.startsWith('--') && a !== '-') return `unknown option ${a}`
    else args.inputs.push(a)
  }
  if (!args.out) return '--out DIR is required'
  if (args.inputs.length === 0) return 'at least one INPUT (file, archive, or - for stdin) is required'
  return args
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal; with --progress elsewhere, a line
 * every two seconds (records, records a second, alerts so far) and one at the end.
 */
function progressReporter(lines: boolean, alerts: () => number): (done: number, total: number) => void {
  const started = Date.now()
  let last = 0
  return (done, total) => {
    const tty = process.stderr.isTTY === true
    if (!tty && !lines) return
    const now = Date.now()
    const rate = Math.round(done / Math.max(0.001, (now - started) / 1000))
    const text = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')} records/s, ${alerts().toLocaleString('en-US')} alerts`
    if (tty) {
      const width = 30
      const filled = total === 0 ? width : Math.round((done / total) * width)
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${text}`)
      if (done === total) process.stderr.write('\n')
    } else if (done === total || now - last >= 2000) {
      last = now
      process.stderr.write(`watchfloor replay: ${text}\n`)
    }
  }
}

export async function replay(argv: string[]): Promise<number> {
  const args = parseArgs(argv)
  if (typeof args === 'string') {
    process.stderr.write(`watchfloor replay: ${args}\nusage: watchfloor replay --out DIR [--rules DIR ...] [--progress] INPUT...\n`)
    return 2
  }
  mkdirSync(args.out, { recursive: true })
  const config = loadConfig({ overrides: args.rules.length > 0 ? { detect: { sigmaRulesDirs: args.rules.map((d) => path.resolve(d)) } } : {} })
  const pool = createTransformPool(config)
  const dirs = pool.settings.ruleDirs
  // The file source delivers batches of PIPELINE_BATCH_RECORDS, a few per worker in flight (the
  // framed copies of the records exist only for those); each batch is one task.
  const perTask = config.pipeline.batchRecords
  const output = new ReplayOutput(pool, makeTask(config), config.pipeline.taskTimeoutMs)
  // the workers' single-event alerts so far (correlations come after, on the whole stream)
  const progress = progressReporter(args.progress, () => output.results.reduce((n, r) => n + (r?.alerts.length ?? 0), 0))
  const source = new FileSource(args.inputs, { batchRecords: perTask, inFlight: Math.max(2, config.pipeline.workers * 2), progress })
  try {
    await source.start(output)
  } finally {
    await pool.destroy()
  }
  const { records, problems } = source
  for (const p of problems) process.stderr.write(`watchfloor replay: ${p.input}: ${p.reason}\n`)
  const results = output.results
  const batches: FileRecord[][] = []
  for (let i = 0; i < records.length; i += perTask) batches.push(records.slice(i, i + perTask))

  // Alerts are collected first: a correlation alert fires on the last event of a burst but lists
  // (and is listed by) every record that made it fire, including records of earlier batches; an
  // incident's final verdict is known only at the end.
  // processing time is the replay's fixed ingest time: the output must not depend on when it ran
  const analyzer = new Stages(config, { maxProfiles: Number.MAX_SAFE_INTEGER, clock: () => '1970-01-01T00:00:00.000Z' })
  // second opinions: the incidents the gray zone would send to the LLM (counted with or without one),
  // and, when an LLM is configured (OPENAI_*), its answers on them
  const adviser = LlmTriager.fromConfig(config)
  const asked = new Map<string, Promise<void>>()
  const suggestions = new Map<string, Awaited<ReturnType<NonNullable<typeof adviser>['suggest']>>>()
  analyzer.add({
    name: 'suggest',
    process: (batch) => {
      for (const inc of batch.incidents) {
        if (asked.has(inc.id) || inc.status === 'closed') continue
        const input = triageInputOf(inc)
        if (!inGrayZone(config.llm, input, inc.verdict)) continue
        const snapshot = structuredClone(inc)
        asked.set(
          inc.id,
          adviser === undefined
            ? Promise.resolve()
            : adviser.suggest({ incident: snapshot, input, heuristic: snapshot.verdict, profiles: [], similar: [] }).then((r) => {
                suggestions.set(inc.id, r)
              }),
        )
      }
    },
  })
  const alertIdsOf = new Map<number, string[]>()
  const recordSeverity = new Map<number, Severity>()
  const recordOfEvent = new Map<string, number>()
  const alertOut: Array<{ line: Record<string, unknown>; records: number[] }> = []
  const alertEntry = new Map<string, { line: Record<string, unknown>; records: number[] }>()
  const incidentOfAlert = new Map<string, string>()
  const incidents = new Map<string, Incident>()
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
  let base = 0
  for (let b = 0; b < batches.length; b++) {
    const res = results[b]!
    const batch = batches[b]!
    for (const e of res.errors) failures[e.code] = (failures[e.code] ?? 0) + 1
    accepted += batch.length - res.errors.length
    res.alerts.sort((x, y) => x.index - y.index || x.rule.id.localeCompare(y.rule.id))
    for (const a of res.alerts) recordOfEvent.set(a.eventId, base + a.index)
    for (const s of res.signals) recordOfEvent.set(s.eventId, base + s.index)
    const analysis = analyzer.process(res)
    for (const { id, alert: a, severity, techniques, tactics } of analysis.alerts) {
      const sev = severity as Severity
      const line: Record<string, unknown> = { id, '@timestamp': a.timestamp, rule: a.rule, severity: sev, attack: { techniques, tactics }, entities: a.entities }
      if ('correlation' in a) line.correlation = a.correlation
      const recs = ('eventIds' in a ? a.eventIds : [a.eventId]).map((e) => recordOfEvent.get(e)).filter((r): r is number => r !== undefined)
      const entry = { line, records: recs }
      alertOut.push(entry)
      alertEntry.set(id, entry)
      for (const r of recs) link(r, id, sev)
      byRule[`${a.rule.id} ${a.rule.title}`] = (byRule[`${a.rule.id} ${a.rule.title}`] ?? 0) + 1
      byLevel[a.rule.level] = (byLevel[a.rule.level] ?? 0) + 1
      for (const t of techniques) byTechnique[t] = (byTechnique[t] ?? 0) + 1
    }
    for (const j of analysis.joined) {
      const entry = alertEntry.get(j.alertId)
      const rec = recordOfEvent.get(j.eventId)
      if (entry === undefined || rec === undefined) continue
      if (!entry.records.includes(rec)) entry.records.push(rec)
      link(rec, j.alertId, entry.line.severity as Severity)
    }
    for (const [a, i] of analysis.incidentOf) incidentOfAlert.set(a, i)
    for (const inc of analysis.incidents) incidents.set(inc.id, inc)
    for (const [k, v] of Object.entries(res.decoders)) decoders[k] = (decoders[k] ?? 0) + v
    for (const [k, v] of Object.entries(res.statuses)) statuses[k] = (statuses[k] ?? 0) + v
    base += batch.length
  }
  // Each record takes the incident of its most severe alert; its severity is the highest of its
  // alerts and that incident, its risk the incident's.
  const recordIncident = new Map<number, Incident>()
  const incidentRecords = new Map<string, Set<number>>()
  for (const [rec, ids] of alertIdsOf) {
    for (const id of ids) {
      const inc = incidents.get(incidentOfAlert.get(id) ?? '')
      if (inc === undefined) continue
      let set = incidentRecords.get(inc.id)
      if (set === undefined) incidentRecords.set(inc.id, (set = new Set()))
      set.add(rec)
      const cur = recordIncident.get(rec)
      if (cur === undefined || SEVERITY_RANK[inc.severity] > SEVERITY_RANK[cur.severity] || (inc.severity === cur.severity && inc.risk_score > cur.risk_score)) recordIncident.set(rec, inc)
    }
    const inc = recordIncident.get(rec)
    if (inc !== undefined && SEVERITY_RANK[inc.severity] > SEVERITY_RANK[recordSeverity.get(rec) ?? 'NONE']) recordSeverity.set(rec, inc.severity)
  }
  const alertCount = alertOut.length
  await Promise.all(asked.values())

  const alertsOut = createWriteStream(path.join(args.out, 'alerts.ndjson'))
  for (const { line, records: recs } of alertOut) {
    const refs = recs.sort((x, y) => x - y).map((i) => ({ input: records[i]!.input, line: records[i]!.line }))
    if (!alertsOut.write(JSON.stringify({ ...line, records: refs }) + '\n')) await new Promise<void>((r) => alertsOut.once('drain', () => r()))
  }
  const out = createWriteStream(path.join(args.out, 'records.ndjson'))
  base = 0
  for (let b = 0; b < batches.length; b++) {
    const res = results[b]!
    const batch = batches[b]!
    const errors = new Map(res.errors.map((e) => [e.index, e]))
    let lines = ''
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!
      const err = errors.get(i)
      const inc = recordIncident.get(base + i)
      const line: Record<string, unknown> = { input: r.input, line: r.line, severity: recordSeverity.get(base + i) ?? 'NONE', risk_score: inc?.risk_score ?? 0, alert_ids: alertIdsOf.get(base + i) ?? [], incident_id: inc?.id ?? null }
      if (err) line.decode_error = { code: err.code, reason: err.reason }
      else line.event_id = fileRecordId(r.input, r.line)
      lines += JSON.stringify(line) + '\n'
    }
    if (!out.write(lines)) await new Promise<void>((r) => out.once('drain', () => r()))
    base += batch.length
  }
  for (const s of [out, alertsOut]) await new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))
  const alertsOfIncident = new Map<string, string[]>()
  for (const { line } of alertOut) {
    const id = line.id as string
    const inc = incidentOfAlert.get(id)
    if (inc === undefined) continue
    const list = alertsOfIncident.get(inc)
    if (list === undefined) alertsOfIncident.set(inc, [id])
    else list.push(id)
  }
  const incidentLines = [...incidents.values()]
    .sort((a, b) => a.first_seen.localeCompare(b.first_seen) || a.id.localeCompare(b.id))
    .map((inc) => {
      const recs = [...(incidentRecords.get(inc.id) ?? [])].sort((x, y) => x - y).map((i) => ({ input: records[i]!.input, line: records[i]!.line }))
      // every alert of the incident (the live incident keeps the first 200 ids; its count is exact)
      const suggestion = suggestions.get(inc.id)
      return JSON.stringify({ ...inc, alert_ids: alertsOfIncident.get(inc.id) ?? inc.alert_ids, attack: inc.verdict.attack, records: recs, ...(suggestion ? { suggestion } : {}) }) + '\n'
    })
  writeFileSync(path.join(args.out, 'incidents.ndjson'), incidentLines.join(''))
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
    incidents: incidents.size,
    incidents_by_severity: sortKeys([...incidents.values()].reduce<Record<string, number>>((m, i) => ((m[i.severity] = (m[i.severity] ?? 0) + 1), m), {})),
    by_rule: sortKeys(byRule),
    by_level: sortKeys(byLevel),
    by_technique: sortKeys(byTechnique),
    rules_dirs: dirs,
    correlation_rules: analyzer.correlator?.rules.length ?? 0,
    profiles: analyzer.profiles?.size ?? 0,
    // automatic second opinions: the gray zone's requests (one per incident), and what the LLM did with them when one is configured
    llm: { configured: adviser !== undefined, model: adviser?.model ?? null, automatic_requests: asked.size, per_1000_records: records.length === 0 ? 0 : Math.round((asked.size / records.length) * 1000 * 1000) / 1000, ...(adviser ? adviser.stats() : { calls: 0, tokens: 0, failures: 0, cached: 0 }) },
  }
  writeFileSync(path.join(args.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
  process.stdout.write(`${records.length.toLocaleString('en-US')} records (${accepted.toLocaleString('en-US')} decoded, ${(records.length - accepted).toLocaleString('en-US')} failed), ${alertCount.toLocaleString('en-US')} alerts -> ${args.out}\n`)
  return problems.length > 0 && records.length === 0 ? 1 : 0
}
