/**
 * Correlation on the live stream with the built-in rule pack (on by default): failed SSH logins
 * sent as separate requests, so they are transformed by different workers, meet in the one
 * correlator of the main thread and give exactly one brute force alert listing its events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ pipeline: { workers: 2, batchRecords: 1 } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

const line = (i: number, ip: string) => `Nov 23 10:00:${String(i).padStart(2, '0')} web1 sshd[${4000 + i}]: Failed password for root from ${ip} port ${40000 + i} ssh2`

describe('correlation across workers', () => {
  it('raises one SSH brute force alert from failures spread over requests and workers', async () => {
    const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => post(`${server.url}/api/ingest`, line(i, '203.0.113.77'), 'text/plain')))
    for (const r of sent) expect(r.status).toBe(202)
    // a different source that stays under the threshold
    for (let i = 0; i < 5; i++) expect((await post(`${server.url}/api/ingest`, line(i, '203.0.113.78'), 'text/plain')).status).toBe(202)
    const rs = await server.pipeline.store.client.query({
      query: "SELECT rule_title, severity, source_ip, event_ids, correlation_type, correlation_groups, correlation_value, attack_techniques FROM alerts FINAL WHERE correlation_type != ''",
      format: 'JSONEachRow',
    })
    const rows = await rs.json<{ rule_title: string; severity: string; source_ip: string; event_ids: string[]; correlation_type: string; correlation_groups: Record<string, string>; correlation_value: number; attack_techniques: string[] }>()
    const brute = rows.filter((r) => r.rule_title === 'SSH Brute Force')
    expect(brute).toHaveLength(1)
    expect(brute[0]).toMatchObject({ severity: 'HIGH', source_ip: '203.0.113.77', correlation_type: 'event_count', correlation_groups: { 'source.ip': '203.0.113.77' }, correlation_value: 10 })
    expect(brute[0]!.attack_techniques).toContain('T1110.001')
    const ids = new Set(sent.map((r) => r.json.ids[0] as string))
    expect(brute[0]!.event_ids).toHaveLength(10)
    for (const id of brute[0]!.event_ids) expect(ids.has(id)).toBe(true)
    // single failed logins do not alert on their own
    const singles = await server.pipeline.store.client.query({ query: "SELECT count() AS n FROM alerts WHERE correlation_type = ''", format: 'JSONEachRow' })
    expect(Number((await singles.json<{ n: string }>())[0]!.n)).toBe(0)
  })

  it('reports the built-in pack and its correlations at /api/stats', async () => {
    const stats = await (await fetch(`${server.url}/api/stats`)).json()
    expect(stats.detection.correlations).toBeGreaterThanOrEqual(10)
    expect(stats.detection.failed).toBe(0)
    expect(stats.detection.rule_dirs).toHaveLength(1)
    expect(stats.detection.correlation_groups).toBeGreaterThanOrEqual(1)
  })
})
