import { describe, expect, it } from 'vitest'
import { ContractError, checkContract, isIncident, parseIncident } from './validate.js'
import { IncidentSchema, type Incident } from './incident.js'

/** A closed brute-force incident as the pipeline stores it, with every optional field present. */
function incident(): Incident {
  return {
    id: 'inc-7f3a9c1e2b4d',
    title: 'SSH brute force',
    status: 'closed',
    status_history: [
      { at: '2026-11-23T10:05:00.000Z', by: 'alice', from: 'new', to: 'in_progress' },
      { at: '2026-11-23T10:20:00.000Z', by: 'alice', from: 'in_progress', to: 'triaged' },
      { at: '2026-11-23T10:30:00.000Z', by: 'bob', from: 'triaged', to: 'closed', reason: 'password spray from a known scanner, blocked at the edge', close_reason: 'true_positive' },
    ],
    close_reason: 'true_positive',
    assignee: 'alice',
    comments: [{ at: '2026-11-23T10:06:00.000Z', by: 'alice', text: 'Same source hit the VPN yesterday.' }],
    triage_submissions: [
      {
        at: '2026-11-23T10:20:00.000Z',
        by: 'alice',
        verdict: 'true_positive',
        severity: 'HIGH',
        ai: { verdict: 'escalate', severity: 'HIGH', threat_type: 'brute_force', auto_escalate: true, triager: 'heuristic/1' },
        accepted: true,
      },
    ],
    created_at: '2026-11-23T09:58:12.345Z',
    first_seen: '2026-11-23T09:58:12.345Z',
    last_seen: '2026-11-23T10:01:44.002Z',
    severity: 'HIGH',
    risk_score: 78.5,
    confidence: 82,
    verdict: {
      severity: 'HIGH',
      confidence: 82,
      threat_type: 'brute_force',
      attack: { techniques: ['T1110', 'T1110.001'], tactics: ['credential-access'] },
      ip_reputation: { ip: '203.0.113.9', reputation: 'malicious', risk_score: 78.5, lists: ['blocklist.txt'] },
      analysis: '25 alerts from 1 detection over 4 min (2026-11-23T09:58:12.345Z to 2026-11-23T10:01:44.002Z).',
      recommendations: ['Block the source address at the perimeter.', 'Reset the targeted accounts.'],
      auto_escalate: true,
      iocs: { ips: ['203.0.113.9'], users: ['root'], hosts: ['web1'], domains: [], urls: [] },
      triager: 'heuristic/1',
    },
    entities: ['source_ip=203.0.113.9', 'destination_ip=10.0.0.5', 'user=root', 'host=web1'],
    alert_ids: ['al-1', 'al-2'],
    alert_count: 25,
    fingerprints: { 'brute|source_ip=203.0.113.9': { rule_id: 'brute', count: 25, first_seen: '2026-11-23T09:58:12.345Z', last_seen: '2026-11-23T10:01:44.002Z' } },
    links: [
      { alert_id: 'al-1', rule: { id: 'brute', title: 'SSH brute force' }, reason: 'first', gap_ms: 0 },
      { alert_id: 'al-2', rule: { id: 'root-login', title: 'Root login after failures' }, reason: 'shared_entity', entity: 'source_ip=203.0.113.9', gap_ms: 1200 },
    ],
    event_ids: ['ev-1', 'ev-2', 'ev-3'],
    rules: {
      brute: {
        title: 'SSH brute force',
        level: 'high',
        severity: 'HIGH',
        techniques: ['T1110'],
        tactics: ['TA0006'],
        named_tactics: ['credential-access'],
        correlation: false,
        count: 25,
        first_alert: 'al-1',
      },
    },
    source_ips: { '203.0.113.9': 25 },
    version: 7,
  }
}

/** The incident as stored (JSON), after `change` edited its plain-object form. */
function stored(change: (doc: Record<string, unknown> & { verdict: Record<string, unknown> }) => void): string {
  const doc = JSON.parse(JSON.stringify(incident())) as Record<string, unknown> & { verdict: Record<string, unknown> }
  change(doc)
  return JSON.stringify(doc)
}

function refusal(json: string): ContractError {
  try {
    parseIncident(json)
  } catch (e) {
    if (e instanceof ContractError) return e
    throw e
  }
  throw new Error('the document was accepted')
}

describe('incident contract', () => {
  it('accepts a stored incident with every field and returns it unchanged', () => {
    const json = JSON.stringify(incident())
    expect(parseIncident(json)).toEqual(incident())
    expect(isIncident(incident())).toBe(true)
  })

  it('accepts an incident without the optional fields (a new, untouched incident)', () => {
    const json = stored((d) => {
      for (const k of ['status_history', 'close_reason', 'assignee', 'comments', 'triage_submissions']) delete d[k]
      d.status = 'new'
    })
    expect(parseIncident(json).status).toBe('new')
  })

  it('refuses a document without a verdict, naming the path', () => {
    const e = refusal(stored((d) => delete d.verdict))
    expect(e).toMatchObject({ name: 'ContractError', code: 'CONTRACT_INVALID', what: 'incident' })
    expect(e.issues[0]).toEqual({ path: '/verdict', message: 'Expected required property' })
    expect(e.message).toBe('incident: /verdict: Expected required property')
  })

  it('refuses a severity outside the list, in the verdict and on the incident', () => {
    expect(refusal(stored((d) => (d.verdict.severity = 'SEVERE'))).message).toBe('incident: /verdict/severity: Expected union value')
    expect(refusal(stored((d) => (d.severity = 'high'))).message).toBe('incident: /severity: Expected union value')
  })

  it("refuses the seed systems' `status: 'open'`", () => {
    expect(refusal(stored((d) => (d.status = 'open'))).message).toBe('incident: /status: Expected union value')
  })

  it('refuses a risk score that is not a number', () => {
    const e = refusal(stored((d) => (d.risk_score = '78.5')))
    expect(e.issues).toEqual([{ path: '/risk_score', message: 'Expected number' }])
  })

  it('names the first three failing paths and counts the others', () => {
    const e = refusal(
      stored((d) => {
        d.risk_score = null
        d.status = 'open'
        d.alert_count = '25'
        d.source_ips = { '203.0.113.9': 'many' }
      }),
    )
    expect(e.issues.map((i) => i.path)).toEqual(['/status', '/risk_score', '/alert_count', '/source_ips/203.0.113.9'])
    expect(e.message).toBe('incident: /status: Expected union value; /risk_score: Expected number; /alert_count: Expected number (and 1 more)')
  })

  it('refuses text that is not JSON, and a value that is not an object', () => {
    expect(refusal('{"id": "inc-1",').issues[0]?.path).toBe('/')
    expect(refusal('{"id": "inc-1",').message).toMatch(/^incident: \/: not JSON \(/)
    expect(refusal('null').message).toBe('incident: /: Expected object')
  })

  // Stored documents may come from another version of Watchfloor: a field this version does not
  // know is kept, not a reason to refuse the document (see the header of incident.ts).
  it('accepts and keeps unknown properties on a stored document', () => {
    const json = stored((d) => {
      d.llm_summary = 'written by a later version'
      d.verdict.model_latency_ms = 812
    })
    const inc = parseIncident(json)
    expect(inc).toMatchObject({ llm_summary: 'written by a later version', verdict: { model_latency_ms: 812 } })
  })

  it('checks any contract through checkContract, with the name given', () => {
    expect(checkContract(IncidentSchema, incident(), 'worker result')).toEqual(incident())
    expect(() => checkContract(IncidentSchema, { ...incident(), version: '7' }, 'worker result')).toThrow('worker result: /version: Expected number')
    expect(isIncident({ ...incident(), links: [{ alert_id: 'al-1' }] })).toBe(false)
  })
})
