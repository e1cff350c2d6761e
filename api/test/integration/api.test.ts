/** Health, stats, metrics, incidents and the OpenAPI document, over real HTTP with the real engine. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.cleanup()
})

const get = async (p: string) => {
  const res = await fetch(`${server.url}${p}`)
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, text, json, type: res.headers.get('content-type') ?? '' }
}

describe('operations endpoints', () => {
  it('reports each component healthy after a real check', async () => {
    const h = await get('/api/health')
    expect(h.status).toBe(200)
    expect(h.json.status).toBe('ok')
    expect(h.json.components.clickhouse).toMatchObject({ status: 'ok', mode: 'embedded' })
    expect(h.json.components.workers).toMatchObject({ status: 'ok', threads: 2 })
    expect(h.json.components.ingest.status).toBe('ok')
  })

  it('reports the ClickHouse component down when the schema is missing', async () => {
    await server.pipeline.store.client.command({ query: 'RENAME TABLE incidents TO incidents_moved' })
    try {
      const h = await get('/api/health')
      expect(h.status).toBe(503)
      expect(h.json.components.clickhouse.status).toBe('down')
      expect(h.json.components.clickhouse.detail).toMatch(/found 2/)
    } finally {
      await server.pipeline.store.client.command({ query: 'RENAME TABLE incidents_moved TO incidents' })
    }
  })

  it('serves Prometheus text at /metrics', async () => {
    const m = await get('/metrics')
    expect(m.status).toBe(200)
    expect(m.type).toMatch(/text\/plain/)
    expect(m.text).toMatch(/# TYPE watchfloor_component_received_total counter/)
    expect(m.text).toMatch(/watchfloor_worker_threads 2/)
  })

  it('documents every endpoint in the OpenAPI document and serves the UI at /docs', async () => {
    const doc = await get('/docs/json')
    expect(doc.status).toBe(200)
    const paths = Object.keys(doc.json.paths)
    for (const p of ['/api/ingest', '/api/health', '/api/stats', '/metrics', '/api/incidents', '/api/incident/{id}']) expect(paths).toContain(p)
    expect(doc.json.paths['/api/incidents'].get.parameters.map((x: any) => x.name).sort()).toEqual(['from', 'limit', 'offset', 'severity', 'source_ip', 'status', 'to'])
    const ui = await get('/docs/')
    expect(ui.status).toBe(200)
    expect(ui.text).toMatch(/swagger/i)
  })
})

describe('incidents', () => {
  it('lists stored incidents with the seed filters, latest version winning', async () => {
    const base = { created_at: '2026-11-20 08:00:00.000', updated_at: '2026-11-20 08:00:00.000', first_seen: '2026-11-20 08:00:00.000', confidence: 80, risk_score: 70, title: 't', threat_type: 'brute_force', attack_techniques: ['T1110'], attack_tactics: ['credential-access'], alert_ids: ['a1'], alert_count: 1, doc: '{"analysis":"x"}' }
    await server.pipeline.store.client.insert({
      table: 'incidents',
      format: 'JSONEachRow',
      values: [
        { ...base, incident_id: 'inc-1', version: 1, last_seen: '2026-11-20 08:01:00.000', status: 'new', severity: 'HIGH', source_ip: '203.0.113.7' },
        { ...base, incident_id: 'inc-1', version: 2, last_seen: '2026-11-20 08:05:00.000', status: 'escalated', severity: 'CRITICAL', source_ip: '203.0.113.7' },
        { ...base, incident_id: 'inc-2', version: 1, last_seen: '2026-11-20 08:02:00.000', status: 'new', severity: 'LOW', source_ip: '198.51.100.1' },
      ],
    })
    const all = await get('/api/incidents')
    expect(all.status).toBe(200)
    expect(all.json.total).toBe(2)
    expect(all.json.incidents.map((i: any) => [i.id, i.severity, i.status])).toEqual([
      ['inc-1', 'CRITICAL', 'escalated'],
      ['inc-2', 'LOW', 'new'],
    ])
    expect(all.json.incidents[0].analysis).toBe('x')
    expect((await get('/api/incidents?severity=critical')).json.incidents.map((i: any) => i.id)).toEqual(['inc-1'])
    expect((await get('/api/incidents?status=new')).json.incidents.map((i: any) => i.id)).toEqual(['inc-2'])
    expect((await get('/api/incidents?source_ip=198.51.100.1')).json.total).toBe(1)
    expect((await get('/api/incidents?limit=1&offset=1')).json.incidents.map((i: any) => i.id)).toEqual(['inc-2'])
    const one = await get('/api/incident/inc-1')
    expect(one.status).toBe(200)
    expect(one.json).toMatchObject({ id: 'inc-1', version: 2, severity: 'CRITICAL' })
  })

  it('refuses bad filters with 400 and unknown ids with 404', async () => {
    expect((await get('/api/incidents?severity=URGENT')).status).toBe(400)
    expect((await get('/api/incidents?source_ip=not-an-ip')).status).toBe(400)
    expect((await get('/api/incidents?limit=0')).status).toBe(400)
    expect((await get("/api/incidents?source_ip=1.1.1.1'%20OR%201=1--")).status).toBe(400)
    const missing = await get('/api/incident/nope')
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('INCIDENT_NOT_FOUND')
  })
})

describe('stats', () => {
  it('counts events and incidents from the store', async () => {
    const s = await get('/api/stats')
    expect(s.status).toBe(200)
    expect(s.json.total_incidents).toBe(2)
    expect(s.json.incidents_by_severity).toEqual({ CRITICAL: 1, LOW: 1 })
    expect(s.json.pipeline.gauges.pipeline_pending_records).toBe(0)
  })
})
