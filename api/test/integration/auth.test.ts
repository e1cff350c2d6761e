/**
 * The role x endpoint authorization matrix with the default API_AUTH=all: every endpoint, every
 * role (and no token), allowed or refused as documented. Health, Prometheus metrics and the API
 * docs stay open.
 */
import { request } from 'node:http'
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
  ['read', 'GET', '/api/overview'],
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

  it('refuses a change without a valid token before reading its body, and caps every body but ingest at 256 KB', async () => {
    // 8 MB from nobody: refused on the headers (the body is not read, let alone parsed)
    const big = 'x'.repeat(8 * 1024 * 1024)
    for (const path of ['/api/tokens', '/api/incident/missing/comment', '/api/incidents/bulk']) {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
      expect(res.status, path).toBe(401)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_REQUIRED')
    }
    const forged = await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' }, body: big })
    expect(forged.status).toBe(401)
    // a body announced as 60 MB of which only 1 KB ever comes: answered on the headers alone
    const answered = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(60 * 1024 * 1024) } }, (res) => {
        resolve(res.statusCode ?? 0)
        res.resume()
        req.destroy()
      })
      req.on('error', () => undefined)
      req.write('x'.repeat(1024))
      setTimeout(() => reject(new Error('no answer before the body was complete')), 5000)
    })
    expect(answered).toBe(401)
    // with a token: a comment of 300 KB is over the limit (413), ingest takes far more
    const huge = await fetch(`${server.url}/api/incident/missing/comment`, { method: 'POST', headers: { authorization: `Bearer ${tokens.analyst}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'y'.repeat(300 * 1024) }) })
    expect(huge.status).toBe(413)
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ timestamp: '2026-11-23T10:00:00Z', event_type: 'login', source_ip: '10.0.0.1', raw_log: `${i} ${'z'.repeat(200)}` })).join('\n')
    expect(lines.length).toBeGreaterThan(600 * 1024)
    const ingest = await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { authorization: `Bearer ${tokens.ingest}`, 'content-type': 'application/x-ndjson' }, body: lines })
    expect(ingest.status).toBe(202)
  })

  it('takes X-Grafana-User as a login name only: markup is refused with 400, never stored as the actor', async () => {
    const as = (user: string) => fetch(`${server.url}/api/incidents`, { headers: { authorization: `Bearer ${tokens.proxy}`, 'x-grafana-user': user } })
    for (const user of ['alice', 'alice.smith@corp.example', 'jürgen_m-2', 'li+soc']) expect((await as(user)).status, user).toBe(200)
    for (const user of ['<script>alert(1)</script>', 'a b', 'x'.repeat(129), 'bob\tevil', 'a;drop']) {
      const res = await as(user)
      expect(res.status, user).toBe(400)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('REQUEST_INVALID')
    }
  })

  it('answers 415 to an ingest body with no content type, naming the accepted ones', async () => {
    const res = await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { authorization: `Bearer ${tokens.ingest}` }, body: new Blob([legacy]) })
    expect(res.status).toBe(415)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('INGEST_UNSUPPORTED_MEDIA_TYPE')
    expect(body.error.message).toContain('no content type; use application/json, application/x-ndjson, text/csv, text/plain')
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
