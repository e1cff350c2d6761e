/**
 * KPIs from the incidents' status histories and triage submissions (latest version of each
 * incident in ClickHouse):
 * - AI-analyst agreement rate: submissions whose severity equals the AI's suggestion shown;
 * - LLM agreement rate: of the submissions made with an LLM second opinion shown, those whose
 *   verdict (true/benign/false positive) and severity equal the LLM's;
 * - acceptance rate: submissions where the analyst said they accepted the suggestion;
 * - average time in each lifecycle state (from the incident's creation to the first change, then between changes;
 *   the current state counts up to now);
 * - MTTA (created -> first In Progress) and MTTR (created -> first Closed), by severity, by
 *   analyst (who made that change) and by rule (the incident's rules);
 * - per-rule precision from close reasons: true positives / (true + benign + false positives);
 *   duplicates are left out.
 */
import type { Incident } from '@watchfloor/contracts'

interface Stat {
  count: number
  mean_seconds: number
}

export interface Kpis {
  incidents: number
  triage_submissions: number
  ai_agreement_rate: number | null
  /** Submissions made with an LLM second opinion shown, and the share that agreed with it (verdict and severity). */
  llm_submissions: number
  llm_agreement_rate: number | null
  acceptance_rate: number | null
  time_in_state_seconds: Record<string, Stat>
  mtta_seconds: { overall: Stat | null; by_severity: Record<string, Stat>; by_analyst: Record<string, Stat>; by_rule: Record<string, Stat> }
  mttr_seconds: { overall: Stat | null; by_severity: Record<string, Stat>; by_analyst: Record<string, Stat>; by_rule: Record<string, Stat> }
  rule_precision: Record<string, { true_positive: number; benign_positive: number; false_positive: number; duplicate: number; precision: number | null }>
}

class Acc {
  private readonly m = new Map<string, { n: number; sum: number }>()
  add(k: string, v: number): void {
    const e = this.m.get(k) ?? { n: 0, sum: 0 }
    e.n++
    e.sum += v
    this.m.set(k, e)
  }
  out(): Record<string, Stat> {
    return Object.fromEntries([...this.m].sort(([a], [b]) => a.localeCompare(b)).map(([k, e]) => [k, { count: e.n, mean_seconds: round(e.sum / e.n) }]))
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000
const secs = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000

/** The first time an incident entered `to`, and who moved it. */
function firstTo(inc: Incident, to: string): { at: string; by: string } | undefined {
  const h = (inc.status_history ?? []).find((c) => c.to === to)
  return h === undefined ? undefined : { at: h.at, by: h.by }
}

/** KPIs built one incident at a time: any number of incidents in bounded memory. */
export class KpiAccumulator {
  private n = 0
  private subs = 0
  private agree = 0
  private accepted = 0
  private llmSubs = 0
  private llmAgree = 0
  private readonly inState = new Acc()
  private readonly mtta = { all: new Acc(), sev: new Acc(), analyst: new Acc(), rule: new Acc() }
  private readonly mttr = { all: new Acc(), sev: new Acc(), analyst: new Acc(), rule: new Acc() }
  private readonly precision: Kpis['rule_precision'] = {}

  constructor(private readonly now = new Date().toISOString()) {}

  add(inc: Incident): void {
    this.n++
    for (const s of inc.triage_submissions ?? []) {
      this.subs++
      if (s.severity === s.ai.severity) this.agree++
      if (s.accepted) this.accepted++
      if (s.ai.llm !== undefined) {
        this.llmSubs++
        if (s.verdict === s.ai.llm.disposition && s.severity === s.ai.llm.severity) this.llmAgree++
      }
    }
    // time in each state: created -> first change -> ... -> now. Processing time throughout: when the
    // incident was opened here, not when its events happened (first_seen may be years earlier in a replay)
    let since = inc.created_at
    let state: string = 'new'
    for (const c of inc.status_history ?? []) {
      this.inState.add(state, Math.max(0, secs(since, c.at)))
      state = c.to
      since = c.at
    }
    this.inState.add(state, Math.max(0, secs(since, this.now)))
    const rules = Object.values(inc.rules ?? {}).map((r) => r.title)
    for (const [to, acc] of [
      ['in_progress', this.mtta],
      ['closed', this.mttr],
    ] as const) {
      const first = firstTo(inc, to)
      if (first === undefined) continue
      const d = Math.max(0, secs(inc.created_at, first.at))
      acc.all.add('all', d)
      acc.sev.add(inc.severity, d)
      acc.analyst.add(first.by, d)
      for (const r of rules) acc.rule.add(r, d)
    }
    if (inc.status === 'closed' && inc.close_reason !== undefined)
      for (const r of rules) {
        const p = (this.precision[r] ??= { true_positive: 0, benign_positive: 0, false_positive: 0, duplicate: 0, precision: null })
        p[inc.close_reason]++
      }
  }

  result(): Kpis {
    for (const p of Object.values(this.precision)) {
      const judged = p.true_positive + p.benign_positive + p.false_positive
      p.precision = judged === 0 ? null : round(p.true_positive / judged)
    }
    const overall = (a: Acc) => a.out().all ?? null
    const { subs, agree, accepted, llmSubs, llmAgree, mtta, mttr } = this
    return {
      incidents: this.n,
      triage_submissions: subs,
      ai_agreement_rate: subs === 0 ? null : round(agree / subs),
      llm_submissions: llmSubs,
      llm_agreement_rate: llmSubs === 0 ? null : round(llmAgree / llmSubs),
      acceptance_rate: subs === 0 ? null : round(accepted / subs),
      time_in_state_seconds: this.inState.out(),
      mtta_seconds: { overall: overall(mtta.all), by_severity: mtta.sev.out(), by_analyst: mtta.analyst.out(), by_rule: mtta.rule.out() },
      mttr_seconds: { overall: overall(mttr.all), by_severity: mttr.sev.out(), by_analyst: mttr.analyst.out(), by_rule: mttr.rule.out() },
      rule_precision: Object.fromEntries(Object.entries(this.precision).sort(([a], [b]) => a.localeCompare(b))),
    }
  }
}

export function computeKpis(incidents: readonly Incident[], now = new Date().toISOString()): Kpis {
  const acc = new KpiAccumulator(now)
  for (const inc of incidents) acc.add(inc)
  return acc.result()
}

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)
  // formula injection: a leading = + - @ (or a tab / carriage return before one) makes a formula
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const CSV_HEADER = ['id', 'title', 'severity', 'status', 'assignee', 'close_reason', 'first_seen', 'last_seen', 'alert_count', 'risk_score', 'confidence', 'threat_type', 'ai_severity', 'analyst_severity', 'accepted', 'mtta_seconds', 'mttr_seconds', 'rules']

function csvRow(inc: Incident): string {
  const last = inc.triage_submissions?.at(-1)
  const ack = firstTo(inc, 'in_progress')
  const res = firstTo(inc, 'closed')
  return [
    inc.id,
    inc.title,
    inc.severity,
    inc.status,
    inc.assignee ?? '',
    inc.close_reason ?? '',
    inc.first_seen,
    inc.last_seen,
    inc.alert_count,
    inc.risk_score,
    inc.confidence,
    inc.verdict?.threat_type ?? '',
    inc.verdict?.severity ?? '',
    last?.severity ?? '',
    last === undefined ? '' : last.accepted,
    ack ? round(secs(inc.created_at, ack.at)) : '',
    res ? round(secs(inc.created_at, res.at)) : '',
    Object.values(inc.rules ?? {}).map((r) => r.title).join('; '),
  ]
    .map(csvCell)
    .join(',')
}

export function incidentsCsv(incidents: readonly Incident[]): string {
  return [CSV_HEADER.join(','), ...incidents.map(csvRow)].join('\r\n') + '\r\n'
}

/** The CSV of pages of incidents, a page at a time (the export streams, whatever the range). */
export async function* incidentsCsvStream(pages: AsyncIterable<Incident[]>): AsyncGenerator<string> {
  yield `${CSV_HEADER.join(',')}\r\n`
  for await (const page of pages) if (page.length > 0) yield page.map((inc) => `${csvRow(inc)}\r\n`).join('')
}
