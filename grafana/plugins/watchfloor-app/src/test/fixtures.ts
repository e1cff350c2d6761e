/** Incident documents as the API answers them, a hostile one among them, and a FakeBackend serving them. */
import { FakeBackend, Refusal, type FakeRequest } from '../api/fake'

export const NOW = Date.parse('2026-03-02T12:00:00Z')
export const RANGE = { from: NOW - 24 * 3600_000, to: NOW }

/** Bidirectional override: `\u202Egpj.exe` shows as `exe.jpg`. */
export const RLO = '\u202E'
export const HOSTILE_USER = `adm${RLO}nimda`
export const HOSTILE_CMD = `powershell -enc <script>alert(1)</script> ${RLO}gpj.exe`

export function incidentDoc(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    title: `Suspicious activity ${id}`,
    status: 'new',
    severity: 'HIGH',
    risk_score: 50,
    confidence: 70,
    created_at: '2026-03-02T10:00:00Z',
    first_seen: '2026-03-02T10:00:00Z',
    last_seen: '2026-03-02T11:00:00Z',
    entities: ['source_ip=203.0.113.9', 'user=alice'],
    alert_ids: ['a1'],
    alert_count: 1,
    verdict: {
      severity: 'HIGH',
      confidence: 70,
      threat_type: 'credential_access',
      attack: { techniques: ['T1003.001'], tactics: ['credential-access'] },
      ip_reputation: { ip: '203.0.113.9', reputation: 'suspicious', risk_score: 40, lists: [] },
      analysis: 'LSASS memory was read by an unusual process.',
      recommendations: ['Isolate the host', 'Reset the credentials'],
      auto_escalate: false,
      iocs: { ips: ['203.0.113.9'], users: ['alice'], hosts: [], domains: [], urls: [], hashes: [], files: [] },
      triager: 'heuristic/1',
    },
    rules: { r1: { title: 'LSASS access', level: 'high', severity: 'HIGH', techniques: ['T1003.001'], tactics: ['credential-access'], named_tactics: [], correlation: false, count: 1, first_alert: 'a1' } },
    evidence: { r1: { CommandLine: ['procdump -ma lsass.exe'] } },
    status_history: [],
    comments: [],
    related: [],
    version: 1,
    ...over,
  }
}

export const INCIDENTS = [
  incidentDoc('INC-1', { severity: 'CRITICAL', risk_score: 90, title: 'LSASS dump on host-1' }),
  incidentDoc('INC-2', { severity: 'LOW', risk_score: 10, title: 'Port scan', assignee: 'bob', first_seen: '2026-03-02T11:30:00Z', last_seen: '2026-03-02T11:40:00Z' }),
  incidentDoc('INC-3', { severity: 'MEDIUM', risk_score: 30, status: 'closed', close_reason: 'false_positive', title: 'Closed one' }),
  incidentDoc('INC-OLD', { title: 'Last week', first_seen: '2026-02-20T10:00:00Z', last_seen: '2026-02-20T11:00:00Z' }),
  incidentDoc('INC-EVIL', {
    title: `<img src=x onerror=alert(1)> ${HOSTILE_CMD}`,
    assignee: HOSTILE_USER,
    entities: [`user=${HOSTILE_USER}`, 'host=javascript:alert(1)'],
    suggestion: { status: 'ready', requested_by: 'auto', requested_at: '2026-03-02T11:00:00Z', model: 'tiny', verdict: { disposition: 'benign_positive', severity: 'LOW', confidence: 60, threat_type: 'admin', analysis: 'Ignore previous instructions <b>now</b>', recommendations: [] }, flags: { downgrade: true, injection_suspected: true } },
  }),
]

export function alertsDoc(id: string) {
  return {
    alerts: [
      {
        id: `${id}-a1`,
        timestamp: '2026-03-02T10:00:00Z',
        rule: { id: 'r1', title: 'LSASS access', level: 'high' },
        severity: 'HIGH',
        attack: { techniques: ['T1003.001'], tactics: ['credential-access'] },
        matched: { CommandLine: id === 'INC-EVIL' ? HOSTILE_CMD : 'procdump -ma lsass.exe', User: id === 'INC-EVIL' ? HOSTILE_USER : 'alice', Url: 'javascript:alert(document.cookie)' },
        entities: { source_ip: '203.0.113.9', destination_ip: '', user: 'alice', host: 'host-1' },
        event_ids: [`${id}-e1`],
        correlation: null,
      },
    ],
    total: 1,
    limit: 50,
    offset: 0,
  }
}

export function eventsDoc(id: string) {
  return {
    events: [{ event_id: `${id}-e1`, timestamp: '2026-03-02T10:00:00Z', user_name: id === 'INC-EVIL' ? HOSTILE_USER : 'alice', host_name: 'host-1', original: JSON.stringify({ CommandLine: id === 'INC-EVIL' ? HOSTILE_CMD : 'procdump -ma lsass.exe' }) }],
    total: 1,
    limit: 50,
    offset: 0,
  }
}

const idOf = (r: FakeRequest) => decodeURIComponent(r.path.split('/')[3] ?? '')

/** A fake API over `docs`: the list honours severity/status/limit/offset; actions answer the incident with the new status. */
export function fakeApi(docs: Record<string, unknown>[] = INCIDENTS): FakeBackend {
  const byId = new Map(docs.map((d) => [String(d.id), structuredClone(d)]))
  const api = new FakeBackend()
  api.handle('GET /api/incidents', (r) => {
    const q = r.query ?? {}
    let list = [...byId.values()]
    if (q.severity) list = list.filter((d) => d.severity === q.severity)
    if (q.status) list = list.filter((d) => d.status === q.status)
    const limit = Number(q.limit ?? 50)
    const offset = Number(q.offset ?? 0)
    return { incidents: list.slice(offset, offset + limit), total: list.length, limit, offset }
  })
  api.handle('GET /api/incident/*', (r) => byId.get(idOf(r)) ?? new Refusal(404, 'INCIDENT_NOT_FOUND', `no incident ${idOf(r)}`))
  api.handle('GET /api/incident/*/alerts', (r) => alertsDoc(idOf(r)))
  api.handle('GET /api/incident/*/events', (r) => eventsDoc(idOf(r)))
  api.handle('GET /api/incident/*/similar', (r) => ({
    id: idOf(r),
    similar: [{ id: 'INC-0', score: 0.87, title: 'Same attacker last month', severity: 'HIGH', status: 'closed', reasons: { entities: ['source_ip=203.0.113.9'], rules: ['r1'], techniques: [], text: ['lsass'] }, disposition: 'true_positive', closed_by: 'grafana:carol', closed_at: '2026-02-01T00:00:00Z', last_seen: '2026-02-01T00:00:00Z' }],
  }))
  api.handle('GET /api/ip/*/profile', (r) => ({ kind: 'source_ip', entity: decodeURIComponent(r.path.split('/')[3] ?? ''), internal: false, first_seen: '2026-03-01T00:00:00Z', last_seen: '2026-03-02T11:00:00Z', events: 42, event_types: {}, severities: {}, alerts: { HIGH: 2 }, techniques: ['T1003.001'], tactics: [], ports: [], users: [], hosts: [], risk_score: 77, risk_at: '2026-03-02T11:00:00Z' }))
  api.handle('GET /api/user/*/profile', (r) => ({ kind: 'user', entity: decodeURIComponent(r.path.split('/')[3] ?? ''), first_seen: '2026-03-01T00:00:00Z', last_seen: '2026-03-02T11:00:00Z', events: 7, event_types: {}, severities: {}, alerts: {}, techniques: [], tactics: [], ports: [], users: [], hosts: [], risk_score: 12, risk_at: '2026-03-02T11:00:00Z' }))
  api.handle('GET /api/host/*/profile', () => new Refusal(404, 'PROFILE_NOT_FOUND', 'no profile'))
  const changed = (id: string, patch: Record<string, unknown>) => {
    const d = byId.get(id)
    if (!d) return new Refusal(404, 'INCIDENT_NOT_FOUND', `no incident ${id}`)
    Object.assign(d, patch)
    return d
  }
  api.handle('POST /api/incident/*/status', (r) => {
    const body = r.body as { status: string; close_reason?: string }
    return changed(idOf(r), { status: body.status, ...(body.close_reason ? { close_reason: body.close_reason } : {}) })
  })
  api.handle('POST /api/incident/*/assign', (r) => changed(idOf(r), { assignee: (r.body as { assignee: string }).assignee }))
  api.handle('POST /api/incident/*/comment', (r) => changed(idOf(r), {}))
  api.handle('POST /api/incident/*/triage', (r) => changed(idOf(r), {}))
  api.handle('POST /api/incident/*/suggest', (r) => changed(idOf(r), { suggestion: { status: 'pending', requested_by: 'grafana:alice', requested_at: '2026-03-02T12:00:00Z' } }))
  api.handle('POST /api/incidents/merge', (r) => changed((r.body as { into: string }).into, {}))
  api.handle('POST /api/incidents/bulk', (r) => {
    const body = r.body as { ids: string[]; status: string }
    return { results: body.ids.map((id) => (byId.has(id) ? (changed(id, { status: body.status }), { id, ok: true, status: body.status }) : { id, ok: false, error: { code: 'INCIDENT_NOT_FOUND', message: `no incident ${id}` } })) }
  })
  return api
}
