/** KPIs against values computed by hand on a small fixture, and CSV cells safe from formula injection. */
import type { Incident, IncidentRule } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { computeKpis, csvCell, incidentsCsv } from './kpis.js'

const rule = (title: string): IncidentRule => ({ title, level: 'high', severity: 'HIGH', techniques: [], tactics: [], named_tactics: [], correlation: false, count: 1, first_alert: 'a' })
const t = (min: number) => new Date(Date.UTC(2026, 10, 23, 10, min)).toISOString()

function incident(p: Partial<Incident> & { id: string }): Incident {
  return {
    title: 'x',
    status: 'new',
    created_at: t(0),
    first_seen: t(0),
    last_seen: t(0),
    severity: 'HIGH',
    risk_score: 50,
    confidence: 60,
    verdict: { severity: 'HIGH', confidence: 60, threat_type: 'brute_force', attack: { techniques: [], tactics: [] }, ip_reputation: { ip: null, reputation: 'unknown', risk_score: 0, lists: [] }, analysis: '', recommendations: [], auto_escalate: false, iocs: { ips: [], users: [], hosts: [], domains: [], urls: [] }, triager: 'heuristic/1' },
    entities: [],
    alert_ids: [],
    alert_count: 1,
    fingerprints: {},
    links: [],
    event_ids: [],
    rules: {},
    source_ips: {},
    version: 1,
    ...p,
  }
}

const ai = { verdict: 'review' as const, severity: 'HIGH' as const, threat_type: 'brute_force', auto_escalate: false, triager: 'heuristic/1' }

// A: HIGH, ack by alice after 10 min, closed TP by alice at 40 min; analyst agreed with the AI and accepted.
// B: MEDIUM, ack by bob after 20 min, closed FP at 30 min; analyst said LOW (disagrees), did not accept.
// C: HIGH, still new; no triage.
const fixture: Incident[] = [
  incident({
    id: 'A',
    severity: 'HIGH',
    rules: { r1: rule('SSH Brute Force') },
    status: 'closed',
    close_reason: 'true_positive',
    status_history: [
      { at: t(10), by: 'alice', from: 'new', to: 'in_progress' },
      { at: t(40), by: 'alice', from: 'in_progress', to: 'closed', close_reason: 'true_positive' },
    ],
    triage_submissions: [{ at: t(30), by: 'alice', verdict: 'true_positive', severity: 'HIGH', ai, accepted: true }],
  }),
  incident({
    id: 'B',
    severity: 'MEDIUM',
    rules: { r1: rule('SSH Brute Force'), r2: rule('Port Scan') },
    status: 'closed',
    close_reason: 'false_positive',
    status_history: [
      { at: t(20), by: 'bob', from: 'new', to: 'in_progress' },
      { at: t(30), by: 'bob', from: 'in_progress', to: 'closed', close_reason: 'false_positive' },
    ],
    triage_submissions: [
      { at: t(25), by: 'bob', verdict: 'false_positive', severity: 'LOW', ai, accepted: false },
      // an LLM second opinion was shown: bob agreed with its verdict and severity
      { at: t(26), by: 'bob', verdict: 'false_positive', severity: 'LOW', ai: { ...ai, llm: { disposition: 'false_positive', severity: 'LOW', model: 'm' } }, accepted: true },
    ],
  }),
  incident({ id: 'C', severity: 'HIGH', created_at: t(50), first_seen: t(50), rules: { r2: rule('Port Scan') } }),
]

describe('KPIs', () => {
  const k = computeKpis(fixture, t(60))
  it('computes agreement and acceptance from the triage submissions', () => {
    expect(k.triage_submissions).toBe(3)
    expect(k.ai_agreement_rate).toBe(0.333)
    expect(k.acceptance_rate).toBe(0.667)
  })
  it('measures agreement with the LLM on the verdict (true/false positive) and severity, over the submissions that showed it', () => {
    expect(k.llm_submissions).toBe(1)
    expect(k.llm_agreement_rate).toBe(1)
    const disagreed = computeKpis([{ ...fixture[1]!, triage_submissions: [{ ...fixture[1]!.triage_submissions![1]!, verdict: 'true_positive' }] }], t(60))
    expect(disagreed.llm_agreement_rate).toBe(0)
  })
  it('computes the time in each state', () => {
    // new: A 10 min, B 20 min, C 10 min (50 -> 60) = 40 min / 3; in_progress: A 30, B 10 = 20 min avg; closed: A 20, B 30
    expect(k.time_in_state_seconds.new).toEqual({ count: 3, mean_seconds: 800 })
    expect(k.time_in_state_seconds.in_progress).toEqual({ count: 2, mean_seconds: 1200 })
    expect(k.time_in_state_seconds.closed).toEqual({ count: 2, mean_seconds: 1500 })
  })
  it('measures from when the incident was created here, not from its events (a replay of old logs)', () => {
    // events from 2020, the incident opened at t(0) and acknowledged 60 s later: MTTA is 60 s, not years
    const old = computeKpis([incident({ id: 'R', first_seen: '2020-01-01T00:00:00.000Z', status: 'in_progress', status_history: [{ at: t(1), by: 'alice', from: 'new', to: 'in_progress' }] })], t(2))
    expect(old.mtta_seconds.overall).toEqual({ count: 1, mean_seconds: 60 })
    expect(old.time_in_state_seconds.new).toEqual({ count: 1, mean_seconds: 60 })
  })
  it('computes MTTA and MTTR by severity, analyst and rule', () => {
    expect(k.mtta_seconds.overall).toEqual({ count: 2, mean_seconds: 900 })
    expect(k.mtta_seconds.by_severity).toEqual({ HIGH: { count: 1, mean_seconds: 600 }, MEDIUM: { count: 1, mean_seconds: 1200 } })
    expect(k.mtta_seconds.by_analyst).toEqual({ alice: { count: 1, mean_seconds: 600 }, bob: { count: 1, mean_seconds: 1200 } })
    expect(k.mtta_seconds.by_rule).toEqual({ 'Port Scan': { count: 1, mean_seconds: 1200 }, 'SSH Brute Force': { count: 2, mean_seconds: 900 } })
    expect(k.mttr_seconds.overall).toEqual({ count: 2, mean_seconds: 2100 })
    expect(k.mttr_seconds.by_analyst).toEqual({ alice: { count: 1, mean_seconds: 2400 }, bob: { count: 1, mean_seconds: 1800 } })
  })
  it('computes per-rule precision from close reasons', () => {
    expect(k.rule_precision['SSH Brute Force']).toEqual({ true_positive: 1, benign_positive: 0, false_positive: 1, duplicate: 0, precision: 0.5 })
    expect(k.rule_precision['Port Scan']).toEqual({ true_positive: 0, benign_positive: 0, false_positive: 1, duplicate: 0, precision: 0 })
  })
})

describe('CSV export', () => {
  it('neutralises spreadsheet formulas and quotes what needs it', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`)
    expect(csvCell('+1+1')).toBe("'+1+1")
    expect(csvCell('-2')).toBe("'-2")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('\t=1')).toBe("'\t=1")
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell(42)).toBe('42')
  })
  it('writes one row per incident with its timings', () => {
    const csv = incidentsCsv([incident({ ...fixture[0]!, title: '=cmd|" /C calc"!A0' })])
    const [header, row] = csv.trim().split('\r\n')
    expect(header).toMatch(/^id,title,severity,status/)
    expect(row).toContain(`"'=cmd|"" /C calc""!A0"`)
    expect(row).toContain(',600,2400,')
  })
})
