/**
 * The role x endpoint authorization matrix with the default API_AUTH=all: every endpoint, every
 * role (and no token), allowed or refused as documented. Health, Prometheus metrics and the API
 * docs stay open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
const tokens: Record<string, string | undefined> = { none: undefined }

beforeAll(async () => {
  server = await startTestServer({ api: { auth: 'all' } })
  tokens.admin = server.adminToken!.token
  for (const role of ['viewer', 'analyst', 'ingest', 'proxy']) {
    const r = await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `${role}-m`, role }) })
    tokens[role] = ((await r.json()) as { token: string }).token
  }
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

type Need = 'open' | 'read' | 'ingest' | 'act' | 'admin'
const ALLOWED: Record<Need, string[]> = {
  open: ['none', 'viewer', 'analyst', 'admin', 'ingest', 'proxy'],
  read: ['viewer', 'analyst', 'admin', 'proxy'],
  ingest: ['admin', 'ingest'],
  act: ['analyst', 'admin', 'proxy'],
  admin: ['admin'],
}

const legacy = JSON.stringify({ timestamp: '2026-11-23T10:00:00Z', event_type: 'login', source_ip: '10.0.0.1', username: 'a', hostname: 'h', raw_log: 'x' })
const ENDPOINTS: Array<[Need, string, string, unknown?, string?]> = [
  ['open', 'GET', '/api/health'],
  ['open', 'GET', '/metrics'],
  ['open', 'GET', '/docs/json'],
  ['ingest', 'POST', '/api/ingest', legacy, 'application/json'],
  ['read', 'GET', '/api/incidents'],
  ['read', 'GET', '/api/incident/missing'],
  ['read', 'GET', '/api/incident/missing/similar'],
  ['read', 'GET', '/api/incident/missing/alerts'],
  ['read', 'GET', '/api/incident/missing/events'],
  ['read', 'GET', '/api/alerts'],
  ['read', 'GET', '/api/events'],
  ['read', 'GET', '/api/stats'],
  ['read', 'GET', '/api/ip/10.0.0.1/profile'],
  ['read', 'GET', '/api/user/a/profile'],
  ['read', 'GET', '/api/host/h/profile'],
  ['read', 'GET', '/api/metrics.json'],
  ['read', 'GET', '/api/export.csv'],
  ['act', 'POST', '/api/incident/missing/status', { status: 'in_progress' }],
  ['act', 'POST', '/api/incident/missing/action', { action: 'reviewed' }],
  ['act', 'POST', '/api/incident/missing/assign', { assignee: 'a' }],
  ['act', 'POST', '/api/incident/missing/comment', { text: 'x' }],
  ['act', 'POST', '/api/incident/missing/suggest'],
  ['act', 'POST', '/api/incident/missing/triage', { verdict: 'true_positive', severity: 'HIGH', accepted: true }],
  ['act', 'POST', '/api/incidents/bulk', { ids: ['missing'], status: 'in_progress' }],
  ['act', 'POST', '/api/incidents/merge', { into: 'missing', ids: ['other'] }],
  ['admin', 'GET', '/api/audit'],
  ['admin', 'GET', '/api/tokens'],
  ['admin', 'POST', '/api/tokens', { name: 'made-in-matrix', role: 'viewer' }],
  ['admin', 'DELETE', '/api/tokens/not-a-token'],
]

describe('authorization matrix (API_AUTH=all)', () => {
  for (const [need, method, path, body, type] of ENDPOINTS) {
    it(`${method} ${path}: ${need}`, async () => {
      const seen: Record<string, number> = {}
      for (const role of ['none', 'viewer', 'analyst', 'admin', 'ingest', 'proxy']) {
        const headers: Record<string, string> = {}
        if (tokens[role]) headers.authorization = `Bearer ${tokens[role]}`
        if (role === 'proxy') headers['x-grafana-user'] = 'alice'
        if (body !== undefined) headers['content-type'] = type ?? 'application/json'
        const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) })
        await res.arrayBuffer()
        seen[role] = res.status
      }
      for (const [role, status] of Object.entries(seen)) {
        if (ALLOWED[need].includes(role)) expect([401, 403], `${role} should be allowed (${JSON.stringify(seen)})`).not.toContain(status)
        else expect(status, `${role} should be refused (${JSON.stringify(seen)})`).toBe(role === 'none' ? 401 : 403)
      }
    })
  }

  it('ignores X-Grafana-User without the proxy token, and refuses the proxy token without it', async () => {
    const viaAnalyst = await fetch(`${server.url}/api/incidents`, { headers: { authorization: `Bearer ${tokens.analyst}`, 'x-grafana-user': 'mallory' } })
    expect(viaAnalyst.status).toBe(200)
    const noUser = await fetch(`${server.url}/api/incidents`, { headers: { authorization: `Bearer ${tokens.proxy}` } })
    expect(noUser.status).toBe(403)
    const noToken = await fetch(`${server.url}/api/incidents`, { headers: { 'x-grafana-user': 'alice' } })
    expect(noToken.status).toBe(401)
  })

  it('lists every endpoint in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    for (const [, method, path] of ENDPOINTS) {
      if (path === '/docs/json') continue
      const templ = path
        .replace(/\/api\/incident\/missing/, '/api/incident/{id}')
        .replace(/\/api\/ip\/[^/]+/, '/api/ip/{ip}')
        .replace(/\/api\/(user|host)\/[^/]+/, '/api/$1/{name}')
        .replace(/\/api\/tokens\/[^/]+/, '/api/tokens/{id}')
      expect(doc.paths[templ]?.[method.toLowerCase()], `${method} ${templ}`).toBeDefined()
    }
  })
})
