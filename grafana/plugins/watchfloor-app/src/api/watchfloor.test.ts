import { describe, expect, it } from 'vitest'
import { ApiError, apiErrorFrom, asApiError } from './backend'
import { decodeIncidentDetail, decodeIncidentPage } from './decode'
import { FakeBackend, Refusal } from './fake'
import { WatchfloorClient } from './watchfloor'

describe('decoding what the API answers', () => {
  it('keeps a malformed or foreign document displayable instead of failing', () => {
    const page = decodeIncidentPage({ incidents: [{ id: 'I1', title: 42, entities: ['user=a', 7], verdict: 'x' }, 'junk', { title: 'no id' }], total: '3' })
    expect(page.incidents).toEqual([{ id: 'I1', title: '42', severity: 'LOW', status: 'new', entities: ['user=a'], techniques: [], risk: 0, firstSeen: '', lastSeen: '', alertCount: 0 }])
    expect(page.total).toBe(1)
    const d = decodeIncidentDetail({ id: 'I2', evidence: { r1: { CommandLine: ['a', 1] }, r2: 'x' }, verdict: { iocs: { ips: ['1.2.3.4'], urls: [] } }, status_history: [{ at: 't', by: 'b', from: 'new', to: 'closed', close_reason: 'duplicate' }, null] })
    expect(d.evidence).toEqual({ r1: { CommandLine: ['a'] } })
    expect(d.iocs).toEqual({ ips: ['1.2.3.4'] })
    expect(d.statusHistory).toEqual([{ at: 't', by: 'b', from: 'new', to: 'closed', closeReason: 'duplicate' }])
  })
})

describe('errors at the boundary', () => {
  it("reads the API's {error}, Grafana's {message}, and Grafana's fetch errors", () => {
    expect(apiErrorFrom(409, { error: { code: 'INCIDENT_TRANSITION_INVALID', message: 'no' } })).toMatchObject({ status: 409, code: 'INCIDENT_TRANSITION_INVALID', message: 'no', canRetry: false })
    expect(apiErrorFrom(403, { message: 'plugin proxy route access denied' })).toMatchObject({ code: 'GRAFANA_FORBIDDEN', message: 'plugin proxy route access denied' })
    expect(asApiError({ status: 502, data: 'Bad Gateway', statusText: 'Bad Gateway' })).toMatchObject({ status: 502, canRetry: true })
    expect(asApiError(new TypeError('Failed to fetch'))).toMatchObject({ status: 0, code: 'CLIENT', canRetry: true })
  })
})

describe('WatchfloorClient', () => {
  it('escapes ids and entity values in paths and asks the destination side of an address', async () => {
    const api = new FakeBackend().handle('GET /api/ip/*/profile', () => ({ kind: 'destination_ip', entity: '10.0.0.1' })).handle('GET /api/user/*/profile', () => ({ kind: 'user' })).handle('GET /api/host/*/profile', () => ({ kind: 'host' })).on('GET /api/incident/*', { id: 'a/b' })
    const c = new WatchfloorClient(api)
    await c.profile('destination_ip=10.0.0.1')
    await c.profile('user=DOMAIN\\al ice/..')
    expect(await c.profile('weird')).toBeUndefined()
    await c.profile('host=..')
    await c.incident('a/b')
    expect(api.requests.map((r) => [r.path, r.query])).toEqual([
      ['/api/ip/10.0.0.1/profile', { role: 'destination' }],
      ['/api/user/DOMAIN%5Cal%20ice%2F../profile', undefined],
      ['/api/host/%2E%2E/profile', undefined],
      ['/api/incident/a%2Fb', undefined],
    ])
  })

  it('reports each incident of a per-incident bulk action, refused ones with their reason', async () => {
    const api = new FakeBackend().on('POST /api/incident/A/comment', { id: 'A', status: 'new' }).on('POST /api/incident/B/comment', new Refusal(404, 'INCIDENT_NOT_FOUND', 'no incident B'))
    const out = await new WatchfloorClient(api).actMany(['A', 'B'], { kind: 'comment', text: 'hi' })
    expect(out).toEqual([
      { id: 'A', ok: true, status: 'new' },
      { id: 'B', ok: false, error: { code: 'INCIDENT_NOT_FOUND', message: 'no incident B' } },
    ])
    expect(api.posts().map((r) => r.body)).toEqual([{ text: 'hi' }, { text: 'hi' }])
    await expect(new WatchfloorClient(api).act('B', { kind: 'comment', text: 'x' })).rejects.toBeInstanceOf(ApiError)
  })
})
