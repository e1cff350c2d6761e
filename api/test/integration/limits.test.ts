/** Rate limits on ingest and on analyst actions, and CORS closed by default. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ api: { ingestRatePerMinute: 3, actionRatePerMinute: 2, authFailuresPerMinute: 5 } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

const event = JSON.stringify({ timestamp: '2026-11-23T10:00:00Z', event_type: 'login', source_ip: '10.0.0.1', username: 'a', hostname: 'h', raw_log: 'x' })

describe('rate limits', () => {
  it('answers 429 with Retry-After once a client sent its ingest requests for the minute', async () => {
    for (let i = 0; i < 3; i++) expect((await post(`${server.url}/api/ingest`, event, 'application/json')).status).toBe(202)
    const limited = await post(`${server.url}/api/ingest`, event, 'application/json')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.json.error.code).toBe('RATE_LIMITED')
    const stats = await (await fetch(`${server.url}/api/stats`)).json()
    expect(stats.pipeline.components.http.dropped_by_reason.rate_limited).toBe(1)
    expect(stats.total_events).toBe(3)
  })

  it('limits analyst actions per token', async () => {
    const admin = server.adminToken!.token
    const codes: number[] = []
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${server.url}/api/incident/none/status`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'in_progress' }) })
      codes.push(r.status)
    }
    expect(codes).toEqual([404, 404, 429])
  })
})

describe('CORS', () => {
  it('sends no CORS headers: browsers on other origins cannot call the API', async () => {
    const pre = await fetch(`${server.url}/api/incidents`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    const get = await fetch(`${server.url}/api/incidents`, { headers: { origin: 'https://evil.example' } })
    expect(get.headers.get('access-control-allow-origin')).toBeNull()
  })
})

// last: it locks this test process out of the server for the rest of the minute
describe('token guessing', () => {
  it('refuses an address for the rest of the minute once it presented too many unknown tokens, even with a valid one then', async () => {
    const admin = server.adminToken!.token
    const guess = (token: string) => fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":"x","role":"viewer"}' })
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push((await guess(`guess-${i}`)).status)
    expect(codes).toEqual([401, 401, 401, 401, 401, 429])
    const locked = await guess(admin)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED')
    // everything from the address is refused meanwhile, reads too (the counters, read in process, show it)
    expect((await fetch(`${server.url}/api/stats`)).status).toBe(429)
    const stats = (await server.pipeline.services.stats.report()) as { pipeline: { components: Record<string, { dropped_by_reason: Record<string, number> }> } }
    expect(stats.pipeline.components.api_auth!.dropped_by_reason.rate_limited).toBeGreaterThanOrEqual(3)
  })
})
