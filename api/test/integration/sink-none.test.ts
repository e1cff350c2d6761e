/** SINK_TYPE=none, what `bench ingest` measures the pipeline alone with: every stage runs, nothing is stored. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { get, post, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ sink: { type: 'none' } })
})
afterAll(async () => {
  await server?.cleanup()
})

describe('SINK_TYPE=none', () => {
  it('acknowledges and processes every record (detection included) and stores no event, alert or incident', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ timestamp: '2026-11-20T08:00:00Z', event_type: 'alert', src_ip: `203.0.113.${i}`, dest_ip: '10.0.0.8', dest_port: 445, alert: { signature: 'ET EXPLOIT Possible ETERNALBLUE MS17-010', severity: 1 } }))
    const res = await post(`${server.url}/api/ingest`, lines.join('\n') + '\n', 'application/x-ndjson')
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(50)
    const { json } = await get(`${server.url}/api/stats`)
    expect(json.pipeline.components.decode.sent).toBe(50)
    expect(json.pipeline.components.detect.sent).toBeGreaterThan(0)
    for (const table of ['events', 'alerts', 'incidents']) {
      const rs = await server.pipeline.store.client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })
      expect(Number((await rs.json<{ n: string | number }>())[0]!.n), table).toBe(0)
    }
  })
})
