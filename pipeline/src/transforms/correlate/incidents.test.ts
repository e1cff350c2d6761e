/**
 * Alerts -> incidents: grouping by shared entity within the window (with the reason stored),
 * repeat counters, and every field of the heuristic verdict.
 */
import { describe, expect, it } from 'vitest'
import { RFC1918_AND_LOCAL } from '../../lib/cidr.js'
import { ProfileStore } from '../profile/store.js'
import { TriageStage } from '../triage/stage.js'
import { HeuristicTriager } from '../triage/heuristic.js'
import { ThreatIntel } from '../triage/intel.js'
import { IncidentBuilder, type IncidentAlert } from './incidents.js'

const MIN = 60_000
let n = 0
function alert(p: { t: number; rule?: string; title?: string; severity?: string; techniques?: string[]; tactics?: string[]; src?: string; dst?: string; user?: string; host?: string; correlation?: boolean }): IncidentAlert {
  const rule = p.rule ?? 'r1'
  return {
    id: `a${++n}`,
    timestamp: new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + p.t).toISOString(),
    rule: { id: rule, title: p.title ?? `Rule ${rule}`, level: (p.severity ?? 'MEDIUM').toLowerCase() },
    severity: p.severity ?? 'MEDIUM',
    techniques: p.techniques ?? ['T1110.001'],
    tactics: p.tactics ?? ['credential-access'],
    namedTactics: p.tactics ?? ['credential-access'],
    entities: { ...(p.src ? { source_ip: p.src } : {}), ...(p.dst ? { destination_ip: p.dst } : {}), ...(p.user ? { user: p.user } : {}), ...(p.host ? { host: p.host } : {}) },
    eventIds: [`ev${n}`],
    correlation: p.correlation ?? false,
  }
}

/** The builder with the triage stage after it, as the pipeline runs them: every changed incident gets its verdict. */
const builder = (intel?: ThreatIntel, profiles?: ProfileStore) => {
  const b = new IncidentBuilder({ windowMs: 30 * MIN }, profiles, intel)
  const triage = new TriageStage(b, new HeuristicTriager())
  return Object.assign(b, {
    add(alerts: Parameters<IncidentBuilder['add']>[0]) {
      const r = IncidentBuilder.prototype.add.call(b, alerts)
      triage.retriage(r.incidents)
      return r
    },
  })
}

describe('grouping', () => {
  it('keeps an incident bounded when a scan from thousands of addresses joins it: 200 repeat counters, every alert still counted', () => {
    const b = builder()
    const alerts = Array.from({ length: 3000 }, (_, i) => alert({ t: i * 100, rule: 'scan', src: `203.0.${i >> 8}.${i & 255}`, dst: '10.0.0.8' }))
    alerts.push(alert({ t: 400_000, rule: 'scan', src: '203.0.0.0', dst: '10.0.0.8' }))
    const { incidents } = b.add(alerts)
    expect(incidents).toHaveLength(1)
    const inc = incidents[0]!
    expect(inc.alert_count).toBe(3001)
    expect(Object.keys(inc.fingerprints)).toHaveLength(200)
    // the first address's counter still counts its repeat
    expect(inc.fingerprints['scan|source_ip=203.0.0.0']!.count).toBe(2)
    expect(JSON.stringify(inc).length).toBeLessThan(120_000)
  })

  it('links a host and an account however their sources spell them (FQDN or short name, DOMAIN\\user, user@domain), and shows each as written', () => {
    const b = builder()
    const windows = alert({ t: 0, rule: 'svc', host: 'SRV-SQL-01.corp.example', user: 'CORP\\alice' })
    const beats = alert({ t: 2 * MIN, rule: 'dns', src: '10.20.1.5', host: 'srv-sql-01' })
    const cloud = alert({ t: 3 * MIN, rule: 'cloud', user: 'Alice@corp.example' })
    const other = alert({ t: 4 * MIN, rule: 'other', host: 'srv-sql-02.corp.example', user: 'bob' })
    const { incidents, incidentOf } = b.add([windows, beats, cloud, other])
    expect(incidents).toHaveLength(2)
    expect(incidentOf.get(beats.id)).toBe(incidentOf.get(windows.id))
    expect(incidentOf.get(cloud.id)).toBe(incidentOf.get(windows.id))
    expect(incidentOf.get(other.id)).not.toBe(incidentOf.get(windows.id))
    const inc = incidents.find((i) => i.id === incidentOf.get(windows.id))!
    expect(inc.entities).toEqual(['user=CORP\\alice', 'host=SRV-SQL-01.corp.example', 'source_ip=10.20.1.5', 'host=srv-sql-01', 'user=Alice@corp.example'])
  })

  it('joins alerts that share an entity within the window and records why', () => {
    const b = builder()
    const first = alert({ t: 0, rule: 'scan', src: '203.0.113.9', dst: '10.0.0.5' })
    const second = alert({ t: 5 * MIN, rule: 'brute', src: '203.0.113.9', user: 'jdoe' })
    const third = alert({ t: 9 * MIN, rule: 'shell', user: 'jdoe', host: 'web1' })
    const { incidents, incidentOf } = b.add([first, second, third])
    expect(incidents).toHaveLength(1)
    const inc = incidents[0]!
    expect(new Set(incidentOf.values())).toEqual(new Set([inc.id]))
    expect(inc.links).toEqual([
      { alert_id: first.id, rule: { id: 'scan', title: 'Rule scan' }, reason: 'first', gap_ms: 0 },
      { alert_id: second.id, rule: { id: 'brute', title: 'Rule brute' }, reason: 'shared_entity', entity: 'source_ip=203.0.113.9', gap_ms: 5 * MIN },
      { alert_id: third.id, rule: { id: 'shell', title: 'Rule shell' }, reason: 'shared_entity', entity: 'user=jdoe', gap_ms: 4 * MIN },
    ])
    expect(inc.entities).toEqual(['source_ip=203.0.113.9', 'destination_ip=10.0.0.5', 'user=jdoe', 'host=web1'])
    expect(inc).toMatchObject({ alert_count: 3, first_seen: first.timestamp, last_seen: third.timestamp, status: 'new' })
  })

  it('opens a new incident after the window, and for unrelated entities', () => {
    const b = builder()
    const a = b.add([alert({ t: 0, src: '203.0.113.9' })]).incidents[0]!
    const later = b.add([alert({ t: 31 * MIN, src: '203.0.113.9' })]).incidents[0]!
    const other = b.add([alert({ t: 32 * MIN, src: '198.51.100.1' })]).incidents[0]!
    expect(new Set([a.id, later.id, other.id]).size).toBe(3)
  })

  it('counts repeats of a fingerprint instead of adding links or incidents', () => {
    const b = builder()
    const alerts = Array.from({ length: 25 }, (_, i) => alert({ t: i * MIN, rule: 'brute', src: '203.0.113.9' }))
    const { incidents } = b.add(alerts)
    expect(incidents).toHaveLength(1)
    const inc = incidents[0]!
    expect(inc.alert_count).toBe(25)
    expect(inc.links).toHaveLength(1)
    expect(inc.fingerprints['brute|source_ip=203.0.113.9']).toEqual({ rule_id: 'brute', count: 25, first_seen: alerts[0]!.timestamp, last_seen: alerts[24]!.timestamp })
    // the window slides with the incident's activity: 25 minutes of repeats stay one incident
    expect(b.add([alert({ t: 50 * MIN, rule: 'brute', src: '203.0.113.9' })]).incidents[0]!.id).toBe(inc.id)
  })

  it('versions an incident each time it changes', () => {
    const b = builder()
    const v1 = structuredClone(b.add([alert({ t: 0, src: '203.0.113.9' })]).incidents[0]!)
    const v2 = b.add([alert({ t: MIN, src: '203.0.113.9', rule: 'r2' })]).incidents[0]!
    expect(v2.id).toBe(v1.id)
    expect(v2.version).toBeGreaterThan(v1.version)
  })
})

describe('heuristic verdict', () => {
  it('keeps a single medium detection at MEDIUM with moderate confidence and no escalation', () => {
    const inc = builder().add([alert({ t: 0, rule: 'scan', title: 'Port Scan', techniques: ['T1046'], tactics: ['discovery'], src: '203.0.113.9' })]).incidents[0]!
    expect(inc.severity).toBe('MEDIUM')
    expect(inc.verdict).toMatchObject({ severity: 'MEDIUM', threat_type: 'reconnaissance', auto_escalate: false, triager: 'heuristic/1', attack: { techniques: ['T1046'], tactics: ['discovery'] } })
    expect(inc.confidence).toBeGreaterThanOrEqual(40)
    expect(inc.confidence).toBeLessThan(75)
    expect(inc.verdict.analysis).toContain('Port Scan (MEDIUM)')
    expect(inc.verdict.recommendations.length).toBeGreaterThan(0)
  })

  it('raises severity and confidence when independent detections agree, and escalates', () => {
    const one = builder().add([alert({ t: 0, rule: 'brute', severity: 'HIGH', src: '203.0.113.9', user: 'jdoe' })]).incidents[0]!
    const b = builder()
    const inc = b.add([
      alert({ t: 0, rule: 'brute', severity: 'HIGH', src: '203.0.113.9', user: 'jdoe' }),
      alert({ t: MIN, rule: 'lsass', severity: 'HIGH', techniques: ['T1003.001'], tactics: ['credential-access'], user: 'jdoe', host: 'dc1' }),
      alert({ t: 2 * MIN, rule: 'psexec', severity: 'HIGH', techniques: ['T1021.002'], tactics: ['lateral-movement'], host: 'dc1' }),
      alert({ t: 3 * MIN, rule: 'runkey', severity: 'MEDIUM', techniques: ['T1547.001'], tactics: ['persistence'], host: 'dc1' }),
    ]).incidents[0]!
    expect(one.severity).toBe('HIGH')
    expect(inc.severity).toBe('CRITICAL')
    expect(inc.confidence).toBeGreaterThan(one.confidence)
    expect(inc.verdict.auto_escalate).toBe(true)
    expect(inc.verdict.threat_type).toBe('credential_access')
    expect(inc.verdict.analysis).toMatch(/raised from HIGH to CRITICAL: 4 distinct detections; 3 ATT&CK tactics/)
    expect(inc.verdict.iocs).toEqual({ ips: ['203.0.113.9'], users: ['jdoe'], hosts: ['dc1'], domains: [], urls: [] })
  })

  it('uses threat-intel lists and the profile for the IP reputation', () => {
    const intel = new ThreatIntel()
    intel.addList('blocklist', '# known scanners\n203.0.113.0/24\n198.51.100.7\nnot-an-ip\n')
    expect(intel.errors).toEqual([{ file: 'blocklist', line: 4, reason: 'not an IP address: not-an-ip' }])
    const profiles = new ProfileStore({ maxInMemory: 100, halfLifeMs: 3_600_000, internalCidrs: RFC1918_AND_LOCAL })
    const b = builder(intel, profiles)
    const listed = b.add([alert({ t: 0, rule: 'scan', src: '203.0.113.9' })]).incidents[0]!
    expect(listed.verdict.ip_reputation).toEqual({ ip: '203.0.113.9', reputation: 'malicious', risk_score: 0, lists: ['blocklist'] })
    expect(listed.severity).toBe('HIGH') // MEDIUM raised by the list hit
    const internal = b.add([alert({ t: 0, rule: 'scan', src: '10.1.2.3' })]).incidents[0]!
    expect(internal.verdict.ip_reputation.reputation).toBe('internal')
    expect(internal.verdict.iocs.ips).toEqual([])
    for (let i = 0; i < 3; i++) profiles.applyAlert({ timestamp: '2026-11-23T10:00:00.000Z', severity: 'HIGH', techniques: [], tactics: [], entities: { source_ip: '192.0.2.44' } })
    const risky = b.add([alert({ t: 0, rule: 'scan', src: '192.0.2.44' })]).incidents[0]!
    expect(risky.verdict.ip_reputation).toMatchObject({ reputation: 'suspicious', risk_score: 100 })
    expect(risky.risk_score).toBe(100)
    const none = b.add([alert({ t: 0, rule: 'x', host: 'h9' })]).incidents[0]!
    expect(none.verdict.ip_reputation).toEqual({ ip: null, reputation: 'unknown', risk_score: 0, lists: [] })
  })

  it('makes any detection on an entity at the risk threshold HIGH (risk-based alerting)', () => {
    const profiles = new ProfileStore({ maxInMemory: 100, halfLifeMs: 3_600_000, internalCidrs: RFC1918_AND_LOCAL })
    const b = builder(undefined, profiles)
    for (let i = 0; i < 3; i++) profiles.applyAlert({ timestamp: '2026-11-23T10:00:00.000Z', severity: 'HIGH', techniques: [], tactics: [], entities: { host: 'web1' } })
    const inc = b.add([alert({ t: 0, rule: 'anomaly', severity: 'LOW', host: 'web1' })]).incidents[0]!
    expect(inc.severity).toBe('HIGH')
    expect(inc.verdict.analysis).toMatch(/raised from MEDIUM to HIGH: an entity's risk is 100\/100 \(threshold 90\)/)
    const quiet = b.add([alert({ t: 0, rule: 'anomaly', severity: 'LOW', host: 'web2' })]).incidents[0]!
    expect(quiet.severity).toBe('LOW')
  })

  it('does not let several low-value detections alone reach HIGH', () => {
    const inc = builder().add([
      alert({ t: 0, rule: 'a', severity: 'LOW', src: '203.0.113.9' }),
      alert({ t: MIN, rule: 'b', severity: 'LOW', src: '203.0.113.9' }),
      alert({ t: 2 * MIN, rule: 'c', severity: 'LOW', src: '203.0.113.9' }),
    ]).incidents[0]!
    expect(inc.severity).toBe('MEDIUM')
  })
})

describe('generic accounts', () => {
  it('does not join incidents by SYSTEM, NETWORK SERVICE, machine accounts or root alone, and reports none as an IOC', () => {
    for (const user of ['SYSTEM', 'NT AUTHORITY\\NETWORK SERVICE', 'WORKSTATION6$', 'root']) {
      const b = builder()
      const a = b.add([alert({ t: 0, rule: 'smbexec', user, host: 'ws1' })]).incidents[0]!
      const c = b.add([alert({ t: MIN, rule: 'runkey', user, host: 'ws9' })]).incidents[0]!
      expect(c.id, user).not.toBe(a.id)
      expect(a.entities).toContain(`user=${user}`) // still shown
      expect(a.verdict.iocs.users, user).toEqual([])
    }
    // a named user still links
    const b = builder()
    const a = b.add([alert({ t: 0, rule: 'smbexec', user: 'jdoe', host: 'ws1' })]).incidents[0]!
    expect(b.add([alert({ t: MIN, rule: 'runkey', user: 'jdoe', host: 'ws9' })]).incidents[0]!.id).toBe(a.id)
  })
})

describe('incident times', () => {
  it('keeps event time in first_seen/last_seen and processing time in created_at', () => {
    const b = new IncidentBuilder({ windowMs: 30 * MIN, clock: () => '2026-11-29T12:00:00.000Z' })
    const inc = b.add([alert({ t: 0, src: '203.0.113.9' })]).incidents[0]!
    expect(inc.created_at).toBe('2026-11-29T12:00:00.000Z')
    expect(inc.first_seen).not.toBe(inc.created_at)
    expect(inc.first_seen).toBe(inc.last_seen)
  })
})


describe('topCounts', () => {
  it('gives what a stable sort by count then the first k gives', async () => {
    const { topCounts } = await import('./incidents.js')
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (const size of [0, 3, 50, 51, 400]) {
      const m = new Map<string, number>()
      for (let i = 0; i < size; i++) m.set(`10.0.${i >> 8}.${i & 255}`, 1 + Math.floor(rnd() * 6))
      expect(topCounts(m, 50)).toEqual([...m].sort((x, y) => y[1] - x[1]).slice(0, 50))
    }
  })
})
