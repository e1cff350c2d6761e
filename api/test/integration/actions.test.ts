/**
 * Analyst actions through the API: authentication and roles, the lifecycle state machine (allowed
 * and refused transitions), the seed API's simpler actions, the status history, the audit log,
 * Grafana's proxy header, and token management. Real server, real ClickHouse engine.
 */
import { readFileSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
let admin: string
const tokens: Record<string, string> = {}

// one host and account per address, so each address's brute force is its own incident
const fail = (s: number, ip: string, m = 0) => {
  const n = ip.split('.').at(-1)
  return `Nov 23 10:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')} web${n} sshd[${4000 + s}]: Failed password for user${n} from ${ip} port ${40000 + s} ssh2`
}
const burst = (ip: string, m = 0) => Array.from({ length: 10 }, (_, i) => fail(i, ip, m)).join('\n')

async function call(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, json: (await res.json()) as any }
}

async function incidentOf(ip: string): Promise<any> {
  const list = await call('GET', `/api/incidents?source_ip=${ip}`)
  return list.json.incidents[0]
}

beforeAll(async () => {
  server = await startTestServer()
  expect(server.adminToken).toBeDefined()
  admin = server.adminToken!.token
  for (const role of ['viewer', 'analyst', 'ingest', 'proxy']) {
    const r = await call('POST', '/api/tokens', admin, { name: `${role}-1`, role })
    expect(r.status).toBe(201)
    tokens[role] = r.json.token
  }
  for (const ip of ['203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13', '203.0.113.14', '203.0.113.15', '203.0.113.16', '203.0.113.17', '203.0.113.18']) expect((await post(`${server.url}/api/ingest`, burst(ip), 'text/plain')).status).toBe(202)
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

describe('first start', () => {
  it('writes the admin token to a file only the user can read, and creates no second one', async () => {
    const file = server.adminToken!.file
    expect(readFileSync(file, 'utf8').trim()).toBe(admin)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(server.pipeline.services.tokens.list().filter((t) => t.created_by === 'bootstrap')).toHaveLength(1)
  })
})

describe('authorization', () => {
  it('refuses actions without a token, with an unknown token, and with roles that may not act', async () => {
    const inc = await incidentOf('203.0.113.10')
    const path = `/api/incident/${inc.id}/action`
    expect((await call('POST', path, undefined, { action: 'reviewed' })).status).toBe(401)
    expect((await call('POST', path, 'wf_admin_not-a-real-token', { action: 'reviewed' })).status).toBe(401)
    for (const role of ['viewer', 'ingest']) {
      const r = await call('POST', path, tokens[role], { action: 'reviewed' })
      expect(r.status, role).toBe(403)
      expect(r.json.error.code).toBe('AUTH_FORBIDDEN')
    }
    // token management is for admins only
    expect((await call('GET', '/api/tokens', tokens.analyst)).status).toBe(403)
    expect((await call('POST', '/api/tokens', tokens.analyst, { name: 'x', role: 'admin' })).status).toBe(403)
  })

  it('trusts X-Grafana-User only with the proxy token', async () => {
    const inc = await incidentOf('203.0.113.11')
    expect((await call('POST', `/api/incident/${inc.id}/status`, tokens.proxy, { status: 'in_progress' })).status).toBe(403) // no user named
    const viaProxy = await call('POST', `/api/incident/${inc.id}/status`, tokens.proxy, { status: 'in_progress' }, { 'x-grafana-user': 'alice' })
    expect(viaProxy.status).toBe(200)
    expect(viaProxy.json.status_history.at(-1)).toMatchObject({ by: 'grafana:alice', from: 'new', to: 'in_progress' })
    const spoofed = await call('POST', `/api/incident/${inc.id}/status`, tokens.analyst, { status: 'triaged' }, { 'x-grafana-user': 'mallory' })
    expect(spoofed.status).toBe(200)
    expect(spoofed.json.status_history.at(-1).by).toBe('analyst-1')
  })
})

describe('lifecycle', () => {
  it('walks the state machine, refuses what it does not allow, and keeps the history', async () => {
    const inc = await incidentOf('203.0.113.12')
    const to = (status: string, extra: Record<string, string> = {}) => call('POST', `/api/incident/${inc.id}/status`, tokens.analyst, { status, ...extra })
    expect((await to('new')).status).toBe(409) // nothing goes back to new
    expect((await to('in_progress')).status).toBe(200)
    expect((await to('in_progress')).status).toBe(409) // already there
    expect((await to('escalated')).status).toBe(200)
    const noReason = await to('closed')
    expect(noReason.status).toBe(409)
    expect(noReason.json.error.message).toMatch(/close_reason/)
    expect((await to('closed', { close_reason: 'true_positive' })).status).toBe(200)
    expect((await to('triaged')).status).toBe(409) // a closed incident reopens to in_progress only
    expect((await to('in_progress')).status).toBe(409) // ... and with a reason
    const reopened = await to('in_progress', { reason: 'new evidence from the proxy logs' })
    expect(reopened.status).toBe(200)
    expect(reopened.json.status_history.map((h: { from: string; to: string }) => `${h.from}>${h.to}`)).toEqual(['new>in_progress', 'in_progress>escalated', 'escalated>closed', 'closed>in_progress'])
    expect(reopened.json.status_history[2]).toMatchObject({ by: 'analyst-1', close_reason: 'true_positive' })
    // the stored incident has the same history
    const stored = await call('GET', `/api/incident/${inc.id}`)
    expect(stored.json.status).toBe('in_progress')
    expect(stored.json.status_history).toHaveLength(4)
    expect((await call('POST', '/api/incident/no-such-incident/status', tokens.analyst, { status: 'triaged' })).status).toBe(404)
    expect((await call('POST', `/api/incident/${inc.id}/status`, tokens.analyst, { status: 'bogus' })).status).toBe(400)
  })

  it('keeps the seed actions: reviewed, dismissed (closed as false positive), escalated', async () => {
    const inc = await incidentOf('203.0.113.13')
    const act = (action: string) => call('POST', `/api/incident/${inc.id}/action`, tokens.analyst, { action })
    expect((await act('reviewed')).json.status).toBe('triaged')
    expect((await act('escalated')).json.status).toBe('escalated')
    const dismissed = await act('dismissed')
    expect(dismissed.json).toMatchObject({ status: 'closed', close_reason: 'false_positive' })
    expect((await act('unknown')).status).toBe(400)
    // a closed incident takes no more alerts: the next burst opens a new incident
    expect((await post(`${server.url}/api/ingest`, burst('203.0.113.13', 6), 'text/plain')).status).toBe(202)
    const list = await call('GET', '/api/incidents?source_ip=203.0.113.13')
    expect(list.json.total).toBe(2)
    expect(list.json.incidents.map((i: { status: string }) => i.status).sort()).toEqual(['closed', 'new'])
  })
})

describe('audit log and tokens', () => {
  it('records every mutating request with actor, role, action, target and before/after', async () => {
    const rs = await server.pipeline.store.client.query({ query: 'SELECT actor, role, action, target, before, after FROM audit_log ORDER BY ts', format: 'JSONEachRow' })
    const rows = await rs.json<{ actor: string; role: string; action: string; target: string; before: string; after: string }>()
    expect(rows.filter((r) => r.action === 'token:create')).toHaveLength(4)
    const dismissal = rows.find((r) => r.action === 'action:dismissed')!
    expect(dismissal).toMatchObject({ actor: 'analyst-1', role: 'analyst' })
    expect(JSON.parse(dismissal.before)).toEqual({ status: 'escalated' })
    expect(JSON.parse(dismissal.after)).toEqual({ status: 'closed', close_reason: 'false_positive' })
    expect(rows.some((r) => r.actor === 'grafana:alice' && r.role === 'proxy')).toBe(true)
    // refused requests change nothing and are not audited as changes
    expect(rows.filter((r) => r.actor === 'viewer-1')).toHaveLength(0)
  })

  it('lists tokens without secrets and revokes them', async () => {
    const list = await call('GET', '/api/tokens', admin)
    expect(list.status).toBe(200)
    expect(list.json.tokens.map((t: { role: string }) => t.role).sort()).toEqual(['admin', 'analyst', 'ingest', 'proxy', 'viewer'])
    expect(JSON.stringify(list.json)).not.toMatch(/wf_|token_hash/)
    const viewer = list.json.tokens.find((t: { role: string }) => t.role === 'viewer')
    expect((await call('DELETE', `/api/tokens/${viewer.token_id}`, admin)).status).toBe(200)
    const inc = await incidentOf('203.0.113.10')
    expect((await call('POST', `/api/incident/${inc.id}/action`, tokens.viewer, { action: 'reviewed' })).status).toBe(401)
    // only hashes are stored
    const rs = await server.pipeline.store.client.query({ query: 'SELECT token_hash FROM api_tokens', format: 'JSONEachRow' })
    const stored = (await rs.json<{ token_hash: string }>()).map((r) => r.token_hash)
    for (const t of [admin, ...Object.values(tokens)]) expect(stored).not.toContain(t)
  })
})

describe('assignment, comments, triage, bulk, reports', () => {
  it('assigns, comments and records a triage with the AI suggestion shown', async () => {
    const inc = await incidentOf('203.0.113.14')
    const base = `/api/incident/${inc.id}`
    expect((await call('POST', `${base}/assign`, tokens.analyst, { assignee: 'carol' })).json.assignee).toBe('carol')
    const commented = await call('POST', `${base}/comment`, tokens.analyst, { text: 'source is a known scanner =1+1' })
    expect(commented.json.comments).toEqual([expect.objectContaining({ by: 'analyst-1', text: 'source is a known scanner =1+1' })])
    const triaged = await call('POST', `${base}/triage`, tokens.analyst, { verdict: 'true_positive', severity: inc.severity, accepted: true })
    expect(triaged.status).toBe(200)
    expect(triaged.json.triage_submissions[0]).toMatchObject({ by: 'analyst-1', verdict: 'true_positive', severity: inc.severity, accepted: true, ai: { severity: inc.severity, triager: 'heuristic/1' } })
    expect((await call('POST', `${base}/triage`, tokens.viewer, { verdict: 'true_positive', severity: 'HIGH', accepted: true })).status).toBe(401) // revoked above
    expect((await call('POST', `${base}/assign`, tokens.ingest, { assignee: 'x' })).status).toBe(403)
    const stored = await call('GET', base)
    expect(stored.json).toMatchObject({ assignee: 'carol', comments: [expect.any(Object)], triage_submissions: [expect.any(Object)] })
  })

  it('applies a bulk change to each incident and reports each one', async () => {
    const a = await incidentOf('203.0.113.15')
    const b = await incidentOf('203.0.113.16')
    const closedA = await call('POST', `/api/incident/${a.id}/status`, tokens.analyst, { status: 'closed', close_reason: 'duplicate' })
    expect(closedA.status).toBe(200)
    const bulk = await call('POST', '/api/incidents/bulk', tokens.analyst, { ids: [a.id, b.id, 'missing'], status: 'escalated' })
    expect(bulk.status).toBe(200)
    expect(bulk.json.results).toEqual([
      { id: a.id, ok: false, error: { code: 'INCIDENT_CHANGE_REFUSED', message: expect.stringContaining('closed -> escalated') } },
      { id: b.id, ok: true, status: 'escalated' },
      { id: 'missing', ok: false, error: { code: 'INCIDENT_NOT_FOUND', message: expect.any(String) } },
    ])
    expect((await call('POST', '/api/incidents/bulk', tokens.analyst, { ids: [b.id] })).status).toBe(400)
  })

  it('serves KPIs and the CSV export to readers, and the audit log to admins', async () => {
    expect((await call('GET', '/api/metrics.json')).status).toBe(401)
    const kpis = await call('GET', '/api/metrics.json', tokens.analyst)
    expect(kpis.status).toBe(200)
    expect(kpis.json.triage_submissions).toBe(1)
    expect(kpis.json.acceptance_rate).toBe(1)
    expect(kpis.json.mttr_seconds.overall.count).toBeGreaterThanOrEqual(3)
    // closed now: one dismissed (false positive), one duplicate; the true positive was reopened
    expect(kpis.json.rule_precision['SSH Brute Force']).toMatchObject({ true_positive: 0, false_positive: 1, duplicate: 1, precision: 0 })
    const csv = await fetch(`${server.url}/api/export.csv`, { headers: { authorization: `Bearer ${tokens.proxy}`, 'x-grafana-user': 'alice' } })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/)
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toMatch(/^id,title,severity,status,assignee/)
    expect(lines.length).toBeGreaterThanOrEqual(8)
    // a range: every incident here was opened just now, so last year's export has only the header
    const old = await fetch(`${server.url}/api/export.csv?from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z`, { headers: { authorization: `Bearer ${tokens.analyst}` } })
    expect((await old.text()).trim().split('\r\n')).toEqual([lines[0]])
    expect((await call('GET', '/api/metrics.json?from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z', tokens.analyst)).json.incidents).toBe(0)
    // read a page at a time (here three a page): every incident once, in the order they were opened
    const paged: string[] = []
    for await (const page of server.pipeline.services.incidents.pages({ from: new Date(Date.now() - 3600_000).toISOString(), to: new Date().toISOString() }, 3)) {
      expect(page.length).toBeLessThanOrEqual(3)
      paged.push(...page.map((i) => i.id))
    }
    expect(new Set(paged).size).toBe(paged.length)
    expect(paged.sort()).toEqual(lines.slice(1).map((l) => l.split(',')[0]!).sort())
    expect((await call('GET', '/api/audit?action=assign', tokens.analyst)).status).toBe(403)
    const audit = await call('GET', '/api/audit?action=assign', admin)
    expect(audit.json.entries).toEqual([expect.objectContaining({ actor: 'analyst-1', action: 'assign', before: { assignee: null }, after: { assignee: 'carol' } })])
    expect((await call('GET', '/api/audit?since=yesterday', admin)).status).toBe(400)
  })
})

describe('merge', () => {
  it('merges incidents into one and closes them as its duplicates', async () => {
    const target = await incidentOf('203.0.113.17')
    const other = await incidentOf('203.0.113.18')
    const merged = await call('POST', '/api/incidents/merge', tokens.analyst, { into: target.id, ids: [other.id] })
    expect(merged.status).toBe(200)
    expect(merged.json.alert_count).toBe(2)
    expect(merged.json.entities).toEqual(expect.arrayContaining(['source_ip=203.0.113.17', 'source_ip=203.0.113.18']))
    expect(merged.json.links.at(-1)).toMatchObject({ reason: 'merged', entity: `incident=${other.id}` })
    const closed = await call('GET', `/api/incident/${other.id}`)
    expect(closed.json).toMatchObject({ status: 'closed', close_reason: 'duplicate' })
    expect(closed.json.status_history.at(-1)).toMatchObject({ by: 'analyst-1', reason: `merged into ${target.id}` })
    // nothing merges into a closed incident, and a closed incident is not merged again
    expect((await call('POST', '/api/incidents/merge', tokens.analyst, { into: other.id, ids: [target.id] })).status).toBe(409)
    expect((await call('POST', '/api/incidents/merge', tokens.analyst, { into: target.id, ids: [other.id] })).status).toBe(409)
    expect((await call('POST', '/api/incidents/merge', tokens.viewer, { into: target.id, ids: [other.id] })).status).toBe(401)
  })
})
