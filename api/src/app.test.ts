/**
 * Every route through `inject()` on fakes of the pipeline's services: the API's own behaviour
 * (authentication, validation, status codes, catalogued errors, what it hands each service), with
 * no pipeline, store or worker behind it. The real-server tests under test/integration cover the
 * same routes end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { Incident } from '@watchfloor/contracts'
import { ERRORS, WatchfloorError, loadConfig, type ChangeContext, type Role, type Services, type StatusMove, type TokenRow } from '@watchfloor/pipeline'
import { buildApp } from './app.js'

const TOKENS: Record<string, Role> = { 'wf-viewer': 'viewer', 'wf-analyst': 'analyst', 'wf-admin': 'admin', 'wf-ingest': 'ingest', 'wf-proxy': 'proxy' }

function incident(id: string, status: Incident['status'] = 'new'): Incident {
  return {
    id,
    title: 'SSH brute force',
    status,
    created_at: '2026-11-20T08:00:00.000Z',
    first_seen: '2026-11-20T08:00:00.000Z',
    last_seen: '2026-11-20T08:05:00.000Z',
    severity: 'HIGH',
    risk_score: 60,
    confidence: 70,
    verdict: {
      severity: 'HIGH',
      confidence: 70,
      threat_type: 'brute_force',
      attack: { techniques: ['T1110'], tactics: ['credential-access'] },
      ip_reputation: { ip: '203.0.113.7', reputation: 'suspicious', risk_score: 60, lists: [] },
      analysis: 'many failures',
      recommendations: [],
      auto_escalate: false,
      iocs: { ips: ['203.0.113.7'], users: [], hosts: [], domains: [], urls: [] },
      triager: 'heuristic/1',
    },
    entities: ['source_ip=203.0.113.7'],
    alert_ids: ['a1'],
    alert_count: 1,
    fingerprints: {},
    links: [],
    event_ids: ['e1'],
    rules: {},
    source_ips: { '203.0.113.7': 1 },
    version: 1,
  }
}

/** Fakes of every service, recording what the routes handed them. */
function fakes() {
  const calls: Array<{ service: string; args: unknown[] }> = []
  const rec = (service: string, ...args: unknown[]) => void calls.push({ service, args })
  const store = new Map([['i1', incident('i1')]])
  const get = (id: string) => {
    const inc = store.get(id)
    if (inc === undefined) throw new WatchfloorError('INCIDENT_NOT_FOUND', `no incident with id ${id}`)
    return inc
  }
  let healthy = true
  store2 = () => void store.set('i2', incident('i2'))
  const services: Services = {
    ingest: {
      async accept(req) {
        rec('ingest.accept', req)
        if (req.contentType === 'application/xml') throw new WatchfloorError('INGEST_UNSUPPORTED_MEDIA_TYPE', 'application/xml')
        if (req.body.includes('saturate')) throw new WatchfloorError('PIPELINE_SATURATED', '100 records in flight')
        if (req.body.includes('bad')) return { status: 400, body: { accepted: 0, rejected: 1, ids: [], errors: [{ index: 0, code: 'INGEST_MALFORMED_JSON', reason: 'malformed JSON' }] } }
        return { status: 202, body: { accepted: 1, rejected: 0, ids: ['e-1'], errors: [] } }
      },
    },
    incidents: {
      async list(q) {
        rec('incidents.list', q)
        return { incidents: [...store.values()], total: store.size }
      },
      async get(id) {
        return { ...get(id), related: [] }
      },
      async *pages(range) {
        rec('incidents.pages', range)
        yield [...store.values()]
      },
      async move(ctx: ChangeContext, id: string, m: StatusMove) {
        rec('incidents.move', ctx, id, m)
        const inc = get(id)
        if (inc.status === m.to) throw new WatchfloorError('INCIDENT_CHANGE_REFUSED', `the incident is already ${m.to}`)
        inc.status = m.to
        inc.status_history = [...(inc.status_history ?? []), { at: '2026-11-20T09:00:00.000Z', by: ctx.who.actor, from: 'new', to: m.to }]
        return inc
      },
      async assign(ctx, id, assignee) {
        rec('incidents.assign', ctx, id, assignee)
        return { ...get(id), assignee }
      },
      async comment(ctx, id, text) {
        rec('incidents.comment', ctx, id, text)
        return get(id)
      },
      async submitTriage(ctx, id, t) {
        rec('incidents.submitTriage', ctx, id, t)
        return get(id)
      },
      async merge(ctx, into, ids, reason) {
        rec('incidents.merge', ctx, into, ids, reason)
        return get(into)
      },
      async similar(id, limit) {
        rec('incidents.similar', id, limit)
        get(id)
        if (id === 'i1') throw new WatchfloorError('SEARCH_UNAVAILABLE', 'Elasticsearch did not answer')
        return []
      },
      async requestSuggestion(ctx, id) {
        rec('incidents.requestSuggestion', ctx, id)
        if (id === 'i2') throw new WatchfloorError('LLM_UNAVAILABLE', 'set OPENAI_BASE_URL or OPENAI_API_KEY')
        return { ...get(id), suggestion: { status: 'pending', requested_by: ctx.who.actor, requested_at: '2026-11-20T09:00:00.000Z' } }
      },
      async bulk(ctx, ids, m) {
        rec('incidents.bulk', ctx, ids, m)
        return ids.map((id) => (store.has(id) ? { id, ok: true, status: m.to } : { id, ok: false, error: { code: 'INCIDENT_NOT_FOUND', message: 'no such incident' } }))
      },
    },
    evidence: {
      async incidentAlerts(id, page) {
        rec('evidence.incidentAlerts', id, page)
        get(id)
        return { alerts: [{ id: 'a1', timestamp: 't', rule: { id: 'r', title: 'SSH Brute Force', level: 'high' }, severity: 'HIGH', attack: { techniques: ['T1110'], tactics: [] }, matched: { 'source.ip': '203.0.113.7' }, entities: { source_ip: '203.0.113.7', destination_ip: '', user: '', host: '' }, event_ids: ['e1'], correlation: null }], total: 1 }
      },
      async incidentEvents(id, page) {
        rec('evidence.incidentEvents', id, page)
        get(id)
        return { events: [{ event_id: 'e1', timestamp: 't', original: '{"a":1}' }], total: 1 }
      },
      async alerts(f) {
        rec('evidence.alerts', f)
        return { alerts: [], total: 0 }
      },
      async events(f) {
        rec('evidence.events', f)
        if (f.from === '2026-11-24T09:00:00Z' && f.to === '2026-11-20T00:00:00Z') throw new WatchfloorError('REQUEST_INVALID', 'from must not be after to')
        return { events: [], total: 0 }
      },
    },
    profiles: {
      async get(kind, entity) {
        rec('profiles.get', kind, entity)
        if (entity !== '203.0.113.7') throw new WatchfloorError('PROFILE_NOT_FOUND', `no ${kind} profile for ${entity}`)
        return { kind, entity, events: 3, risk_score: 40, first_seen: '2026-11-20T08:00:00.000Z', last_seen: '2026-11-20T08:05:00.000Z' } as never
      },
    },
    health: {
      async check() {
        return healthy ? { status: 'ok', components: { clickhouse: { status: 'ok' } } } : { status: 'down', components: { clickhouse: { status: 'down', detail: 'no answer within 5000 ms' } } }
      },
    },
    stats: {
      async report() {
        return { total_events: 7, total_incidents: 1, dead_letters: 0, incidents_by_severity: { HIGH: 1 }, incidents_by_status: { new: 1 }, events_by_decoder: { legacy: 7 }, total_alerts: 2, alerts_by_severity: { HIGH: 2 }, detection: {}, pipeline: {} }
      },
      async overview(range) {
        rec('stats.overview', range)
        return { ...range, bucket_seconds: 1800, incidents_over_time: [{ t: '2026-11-20T08:00:00Z', counts: { HIGH: 1 } }], open_by_status: { new: 1 }, top_sources: [{ value: '203.0.113.7', alerts: 2 }], top_users: [], attack: [{ technique: 'T1110.001', name: 'Password Guessing', tactics: ['credential-access'], alerts: 2 }] }
      },
      prometheus: () => 'watchfloor_component_received_total{component="http",kind="source"} 7\n',
      refused: (source, reason) => rec('stats.refused', source, reason),
    },
    audit: {
      async record(entry) {
        rec('audit.record', entry)
      },
      async query(q) {
        rec('audit.query', q)
        return [{ actor: 'admin', action: 'token:create' }]
      },
    },
    tokens: {
      size: 5,
      async create(name, role, createdBy) {
        rec('tokens.create', name, role, createdBy)
        return { id: 't-new', token: 'wf_x', name, role }
      },
      async revoke(id) {
        return id === 't1'
      },
      list: () => [{ token_id: 't1', name: 'admin', role: 'admin', created_at: '2026-11-20 08:00:00.000', created_by: 'bootstrap' }],
      verify(token): TokenRow | undefined {
        const role = TOKENS[token]
        return role === undefined ? undefined : { token_id: `id-${role}`, name: `${role}-token`, role, token_hash: '', created_at: '', created_by: 'test', revoked: 0 }
      },
    },
  }
  return { services, calls, setHealthy: (ok: boolean) => (healthy = ok) }
}

let app: FastifyInstance
/** Adds a second incident to the fakes' store. */
let store2: () => void = () => undefined
let f: ReturnType<typeof fakes>
const CODES = new Set(Object.keys(ERRORS))

beforeAll(async () => {
  f = fakes()
  const config = loadConfig({ env: {}, overrides: { logLevel: 'silent', api: { auth: 'all', ingestRatePerMinute: 5 } } })
  app = await buildApp({ config, services: f.services })
})
afterAll(async () => {
  await app.close()
})

const bearer = (t: string) => ({ authorization: `Bearer ${t}` })
async function call(method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method, url, headers: { ...(token ? bearer(token) : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) })
  const json = res.headers['content-type']?.toString().startsWith('application/json') ? (res.json() as Record<string, any>) : undefined
  // every refusal carries a code from the catalogue
  if (res.statusCode >= 400 && json?.error) expect(CODES.has(json.error.code), `${json.error.code} is not in the error catalogue`).toBe(true)
  return { status: res.statusCode, json, text: res.body, headers: res.headers }
}

describe('ingest', () => {
  it('hands the raw body and its content type to the ingest service and answers as it says', async () => {
    const ok = await call('POST', '/api/ingest', 'wf-ingest', { event_type: 'ssh_failed_login' })
    expect(ok.status).toBe(202)
    expect(ok.json).toEqual({ accepted: 1, rejected: 0, ids: ['e-1'], errors: [] })
    const last = f.calls.filter((c) => c.service === 'ingest.accept').at(-1)!.args[0] as { body: string; contentType: string }
    expect(JSON.parse(last.body)).toEqual({ event_type: 'ssh_failed_login' })
    expect(last.contentType).toBe('application/json')
    const bad = await call('POST', '/api/ingest', 'wf-ingest', { bad: true })
    expect(bad.status).toBe(400)
    expect(bad.json!.errors[0].code).toBe('INGEST_MALFORMED_JSON')
  })

  it('answers 415 and 503 with Retry-After from catalogued errors', async () => {
    const xml = await app.inject({ method: 'POST', url: '/api/ingest', headers: { ...bearer('wf-ingest'), 'content-type': 'application/xml' }, payload: '<a/>' })
    expect(xml.statusCode).toBe(415)
    expect(xml.json().error.code).toBe('INGEST_UNSUPPORTED_MEDIA_TYPE')
    const full = await call('POST', '/api/ingest', 'wf-ingest', { saturate: true })
    expect(full.status).toBe(503)
    expect(full.headers['retry-after']).toBe('1')
    expect(full.json!.error.code).toBe('PIPELINE_SATURATED')
  })

  it('needs an ingest token (API_AUTH=all), and refuses a viewer', async () => {
    const none = await call('POST', '/api/ingest', undefined, { a: 1 })
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer')
    expect((await call('POST', '/api/ingest', 'wf-viewer', { a: 1 })).status).toBe(403)
  })

  it('rate-limits ingest per address with 429 and Retry-After, counted as refused', async () => {
    let last = 0
    for (let i = 0; i < 8; i++) last = (await call('POST', '/api/ingest', 'wf-ingest', { n: i })).status
    expect(last).toBe(429)
    expect(f.calls.some((c) => c.service === 'stats.refused' && c.args[1] === 'rate_limited')).toBe(true)
  })
})

describe('reads', () => {
  it('lists incidents with validated filters passed on to the service', async () => {
    const r = await call('GET', '/api/incidents?severity=high&status=NEW&limit=10', 'wf-viewer')
    expect(r.status).toBe(200)
    expect(r.json!.total).toBe(1)
    expect(f.calls.filter((c) => c.service === 'incidents.list').at(-1)!.args[0]).toEqual({ limit: 10, offset: 0, severity: 'HIGH', status: 'new', sourceIp: '', from: '', to: '' })
    await call('GET', '/api/incidents?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00%2B02:00', 'wf-viewer')
    expect(f.calls.filter((c) => c.service === 'incidents.list').at(-1)!.args[0]).toMatchObject({ from: '2026-11-20T00:00:00.000Z', to: '2026-11-20T22:00:00.000Z' })
    expect((await call('GET', '/api/incidents?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z', 'wf-viewer')).json!.error.code).toBe('REQUEST_INVALID')
    expect((await call('GET', '/api/incidents?from=yesterday', 'wf-viewer')).status).toBe(400)
    expect((await call('GET', '/api/incidents?severity=urgent', 'wf-viewer')).json!.error.code).toBe('REQUEST_INVALID')
    expect((await call('GET', '/api/incidents?source_ip=not-an-ip', 'wf-viewer')).status).toBe(400)
    expect((await call('GET', '/api/incidents')).status).toBe(401)
  })

  it('answers one incident, or 404 INCIDENT_NOT_FOUND', async () => {
    expect((await call('GET', '/api/incident/i1', 'wf-viewer')).json!.verdict.threat_type).toBe('brute_force')
    const missing = await call('GET', '/api/incident/nope', 'wf-viewer')
    expect(missing.status).toBe(404)
    expect(missing.json!.error.code).toBe('INCIDENT_NOT_FOUND')
  })

  it('answers similar incidents with the limit asked (5 by default), 404 for an unknown incident, 503 when search is down', async () => {
    store2()
    expect((await call('GET', '/api/incident/i2/similar', 'wf-viewer')).json).toEqual({ id: 'i2', similar: [] })
    expect(f.calls.filter((c) => c.service === 'incidents.similar').at(-1)!.args).toEqual(['i2', 5])
    await call('GET', '/api/incident/i2/similar?limit=3', 'wf-viewer')
    expect(f.calls.filter((c) => c.service === 'incidents.similar').at(-1)!.args).toEqual(['i2', 3])
    expect((await call('GET', '/api/incident/i2/similar?limit=500', 'wf-viewer')).status).toBe(400)
    expect((await call('GET', '/api/incident/nope/similar', 'wf-viewer')).json!.error.code).toBe('INCIDENT_NOT_FOUND')
    const down = await call('GET', '/api/incident/i1/similar', 'wf-viewer')
    expect(down.status).toBe(503)
    expect(down.headers['retry-after']).toBe('1')
    expect((await call('GET', '/api/incident/i2/similar')).status).toBe(401)
  })

  it('serves the evidence of an incident, paged, and hunts with validated filters', async () => {
    const alerts = await call('GET', '/api/incident/i1/alerts?limit=10', 'wf-viewer')
    expect(alerts.json).toMatchObject({ total: 1, limit: 10, offset: 0, alerts: [{ matched: { 'source.ip': '203.0.113.7' } }] })
    expect(f.calls.filter((c) => c.service === 'evidence.incidentAlerts').at(-1)!.args).toEqual(['i1', { limit: 10, offset: 0 }])
    expect((await call('GET', '/api/incident/i1/events', 'wf-viewer')).json.events[0].original).toBe('{"a":1}')
    expect((await call('GET', '/api/incident/nope/events', 'wf-viewer')).json!.error.code).toBe('INCIDENT_NOT_FOUND')
    await call('GET', '/api/alerts?ip=203.0.113.7&technique=T1110.001&from=2026-11-24T09:00:00Z', 'wf-viewer')
    expect(f.calls.filter((c) => c.service === 'evidence.alerts').at(-1)!.args[0]).toEqual({ limit: 50, offset: 0, ip: '203.0.113.7', technique: 'T1110.001', from: '2026-11-24T09:00:00Z' })
    expect((await call('GET', '/api/alerts?technique=DROP TABLE', 'wf-viewer')).status).toBe(400)
    expect((await call('GET', '/api/events?from=yesterday', 'wf-viewer')).status).toBe(400)
    expect((await call('GET', '/api/events?from=2026-11-24T09:00:00Z&to=2026-11-20T00:00:00Z', 'wf-viewer')).json!.error.code).toBe('REQUEST_INVALID')
    expect((await call('GET', '/api/events')).status).toBe(401)
  })

  it('answers profiles by kind, 400 for a bad address and 404 PROFILE_NOT_FOUND', async () => {
    expect((await call('GET', '/api/ip/203.0.113.7/profile?role=destination', 'wf-viewer')).status).toBe(200)
    expect(f.calls.filter((c) => c.service === 'profiles.get').at(-1)!.args).toEqual(['destination_ip', '203.0.113.7'])
    expect((await call('GET', '/api/ip/999.1.1.1/profile', 'wf-viewer')).status).toBe(400)
    expect((await call('GET', '/api/user/root/profile', 'wf-viewer')).json!.error.code).toBe('PROFILE_NOT_FOUND')
    expect((await call('GET', '/api/host/web-01/profile', 'wf-viewer')).status).toBe(404)
  })

  it('serves health (503 when a component is down), stats and Prometheus metrics without a token', async () => {
    expect((await call('GET', '/api/health')).status).toBe(200)
    f.setHealthy(false)
    expect((await call('GET', '/api/health')).status).toBe(503)
    f.setHealthy(true)
    expect((await call('GET', '/api/stats', 'wf-viewer')).json!.total_events).toBe(7)
    expect((await call('GET', '/metrics')).text).toContain('watchfloor_component_received_total')
  })
})

describe('analyst actions', () => {
  it('moves an incident as the acting analyst, and maps the seed actions', async () => {
    const r = await call('POST', '/api/incident/i1/status', 'wf-analyst', { status: 'in_progress' })
    expect(r.status).toBe(200)
    expect(r.json!.status_history.at(-1)).toMatchObject({ by: 'analyst-token', to: 'in_progress' })
    await call('POST', '/api/incident/i1/action', 'wf-analyst', { action: 'dismissed' })
    const [ctx, id, move] = f.calls.filter((c) => c.service === 'incidents.move').at(-1)!.args as [ChangeContext, string, StatusMove]
    expect(ctx.who).toEqual({ actor: 'analyst-token', role: 'analyst' })
    expect(id).toBe('i1')
    expect(move).toEqual({ to: 'closed', closeReason: 'false_positive', action: 'action:dismissed' })
  })

  it('answers 409 INCIDENT_CHANGE_REFUSED when the service refuses, 400 for a malformed body', async () => {
    const again = await call('POST', '/api/incident/i1/status', 'wf-analyst', { status: 'closed', close_reason: 'true_positive' })
    expect(again.status).toBe(409)
    expect(again.json!.error.code).toBe('INCIDENT_CHANGE_REFUSED')
    expect((await call('POST', '/api/incident/i1/status', 'wf-analyst', { status: 'open' })).json!.error.code).toBe('REQUEST_INVALID')
    expect((await call('POST', '/api/incident/i1/assign', 'wf-analyst', { assignee: '<script>' })).status).toBe(400)
  })

  it('needs a role that may act; the proxy token acts as the Grafana user it names', async () => {
    expect((await call('POST', '/api/incident/i1/comment', undefined, { text: 'x' })).status).toBe(401)
    expect((await call('POST', '/api/incident/i1/comment', 'wf-viewer', { text: 'x' })).json!.error.code).toBe('AUTH_FORBIDDEN')
    expect((await call('POST', '/api/incident/i1/comment', 'wf-proxy', { text: 'x' })).status).toBe(403)
    expect((await call('POST', '/api/incident/i1/comment', 'wf-proxy', { text: 'seen' }, { 'x-grafana-user': 'alice' })).status).toBe(200)
    expect(f.calls.filter((c) => c.service === 'incidents.comment').at(-1)!.args.slice(1)).toEqual(['i1', 'seen'])
    expect((f.calls.filter((c) => c.service === 'incidents.comment').at(-1)!.args[0] as ChangeContext).who.actor).toBe('grafana:alice')
  })

  it('asks for a second opinion: 202 with the suggestion pending, 503 LLM_UNAVAILABLE when none is configured, analysts only', async () => {
    const r = await call('POST', '/api/incident/i1/suggest', 'wf-analyst')
    expect(r.status).toBe(202)
    expect(r.json!.suggestion).toEqual({ status: 'pending', requested_by: 'analyst-token', requested_at: '2026-11-20T09:00:00.000Z' })
    store2()
    const off = await call('POST', '/api/incident/i2/suggest', 'wf-analyst')
    expect(off.status).toBe(503)
    expect(off.json!.error.code).toBe('LLM_UNAVAILABLE')
    expect((await call('POST', '/api/incident/i1/suggest', 'wf-viewer')).status).toBe(403)
  })

  it('assigns, records triage submissions, merges and applies bulk changes through the service', async () => {
    expect((await call('POST', '/api/incident/i1/assign', 'wf-analyst', { assignee: 'bob' })).json!.assignee).toBe('bob')
    expect((await call('POST', '/api/incident/i1/triage', 'wf-analyst', { verdict: 'true_positive', severity: 'HIGH', accepted: true })).status).toBe(200)
    expect(f.calls.filter((c) => c.service === 'incidents.submitTriage').at(-1)!.args[2]).toEqual({ verdict: 'true_positive', severity: 'HIGH', accepted: true })
    expect((await call('POST', '/api/incidents/merge', 'wf-analyst', { into: 'i1', ids: ['i2'], reason: 'same actor' })).status).toBe(200)
    expect(f.calls.filter((c) => c.service === 'incidents.merge').at(-1)!.args.slice(1)).toEqual(['i1', ['i2'], 'same actor'])
    const bulk = await call('POST', '/api/incidents/bulk', 'wf-analyst', { ids: ['i1', 'zz'], action: 'escalated' })
    expect(bulk.json!.results).toEqual([
      { id: 'i1', ok: true, status: 'escalated' },
      { id: 'zz', ok: false, error: { code: 'INCIDENT_NOT_FOUND', message: 'no such incident' } },
    ])
    expect(f.calls.filter((c) => c.service === 'incidents.bulk').at(-1)!.args[2]).toEqual({ to: 'escalated', action: 'bulk:action:escalated' })
    expect((await call('POST', '/api/incidents/bulk', 'wf-analyst', { ids: ['i1'], action: 'escalated', status: 'triaged' })).json!.error.code).toBe('REQUEST_INVALID')
    expect((await call('POST', '/api/incidents/bulk', 'wf-analyst', { ids: ['i1'] })).status).toBe(400)
  })
})

describe('administration and reports', () => {
  it('creates, lists and revokes tokens (admin only), auditing each change', async () => {
    expect((await call('POST', '/api/tokens', 'wf-analyst', { name: 'x', role: 'viewer' })).status).toBe(403)
    const made = await call('POST', '/api/tokens', 'wf-admin', { name: 'shipper', role: 'ingest' })
    expect(made.status).toBe(201)
    expect(made.json!.token).toBe('wf_x')
    expect(f.calls.filter((c) => c.service === 'tokens.create').at(-1)!.args).toEqual(['shipper', 'ingest', 'admin-token'])
    expect(f.calls.filter((c) => c.service === 'audit.record').at(-1)!.args[0]).toMatchObject({ action: 'token:create', target: 'token:t-new', who: { actor: 'admin-token', role: 'admin' } })
    expect((await call('GET', '/api/tokens', 'wf-admin')).json!.tokens).toHaveLength(1)
    expect((await call('DELETE', '/api/tokens/t1', 'wf-admin')).json).toEqual({ revoked: 't1' })
    expect((await call('DELETE', '/api/tokens/t9', 'wf-admin')).json!.error.code).toBe('TOKEN_NOT_FOUND')
  })

  it('serves the SOC overview of a validated time range to readers (the last 24 hours by default)', async () => {
    const res = await call('GET', '/api/overview?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z', 'wf-viewer')
    expect(res.json).toMatchObject({ bucket_seconds: 1800, top_sources: [{ value: '203.0.113.7', alerts: 2 }], attack: [{ technique: 'T1110.001', tactics: ['credential-access'] }] })
    expect(f.calls.filter((c) => c.service === 'stats.overview').at(-1)!.args[0]).toEqual({ from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' })
    await call('GET', '/api/overview', 'wf-viewer')
    const { from, to } = f.calls.filter((c) => c.service === 'stats.overview').at(-1)!.args[0] as { from: string; to: string }
    expect(Date.parse(to) - Date.parse(from)).toBe(86_400_000)
    expect((await call('GET', '/api/overview?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z', 'wf-viewer')).json!.error.code).toBe('REQUEST_INVALID')
    expect((await call('GET', '/api/overview?from=2020-01-01T00:00:00Z&to=2026-11-21T00:00:00Z', 'wf-viewer')).json!.error.code).toBe('REQUEST_INVALID')
    expect((await call('GET', "/api/overview?from=1' OR 1=1", 'wf-viewer')).status).toBe(400)
    expect((await call('GET', '/api/overview')).status).toBe(401)
  })

  it('serves KPIs and the CSV export to readers, and the audit log to admins', async () => {
    expect((await call('GET', '/api/metrics.json', 'wf-viewer')).json!.incidents).toBe(2)
    // the last 30 days by default, else the range asked (validated)
    const { from, to } = f.calls.filter((c) => c.service === 'incidents.pages').at(-1)!.args[0] as { from: string; to: string }
    expect(Date.parse(to) - Date.parse(from)).toBe(30 * 86_400_000)
    await call('GET', '/api/export.csv?from=2026-11-01T00:00:00Z&to=2026-11-20T00:00:00Z', 'wf-viewer')
    expect(f.calls.filter((c) => c.service === 'incidents.pages').at(-1)!.args[0]).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-20T00:00:00.000Z' })
    expect((await call('GET', '/api/metrics.json?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z', 'wf-viewer')).json!.error.code).toBe('REQUEST_INVALID')
    const csv = await call('GET', '/api/export.csv', 'wf-viewer')
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.text.split('\n')[1]).toContain('i1')
    expect((await call('GET', '/api/audit?actor=admin&limit=5', 'wf-viewer')).status).toBe(403)
    expect((await call('GET', '/api/audit?actor=admin&limit=5', 'wf-admin')).json!.entries).toHaveLength(1)
    expect(f.calls.filter((c) => c.service === 'audit.query').at(-1)!.args[0]).toEqual({ limit: 5, actor: 'admin' })
  })
})
