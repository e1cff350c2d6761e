/**
 * Backpressure: a saturated pipeline refuses new work with 503 + Retry-After instead of
 * buffering without bound, and everything it did acknowledge is stored. Real engine, real HTTP.
 * (Its own file: the embedded engine allows one data directory per process.)
 */
import { describe, expect, it } from 'vitest'
import { post, startTestServer } from '../helpers.js'

const legacy = { timestamp: '2026-11-20T08:15:30Z', event_type: 'ssh_failed_login', source_ip: '203.0.113.7', username: 'root', hostname: 'web-01', raw_log: 'x' }

describe('backpressure', () => {
  it('answers 503 with Retry-After when saturated, and stores everything it acknowledged', async () => {
    const small = await startTestServer({ pipeline: { workers: 1, maxPendingRecords: 1000, batchRecords: 500 }, buffer: { enabled: true } })
    try {
      const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ ...legacy, raw_log: `bp ${i}` })).join('\n')
      const answers = await Promise.all(Array.from({ length: 12 }, () => post(`${small.url}/api/ingest`, lines, 'application/x-ndjson')))
      const statuses = answers.map((a) => a.status)
      expect(statuses).toContain(503)
      expect(statuses).toContain(202)
      for (const a of answers.filter((x) => x.status === 503)) {
        expect(a.headers.get('retry-after')).toBe('1')
        expect(a.json.error.code).toBe('PIPELINE_SATURATED')
      }
      const acked = answers.filter((a) => a.status === 202).flatMap((a) => a.json.ids as string[])
      expect(await small.pipeline.flushed(30_000)).toBe(true)
      const rs = await small.pipeline.store.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
      const [n] = await rs.json<{ n: string }>()
      expect(Number(n!.n)).toBe(acked.length)
    } finally {
      await small.cleanup()
    }
  })
})

describe('without the disk buffer (the default)', () => {
  it('answers 202 only after the ClickHouse insert: the rows are queryable at once', async () => {
    const direct = await startTestServer()
    try {
      const res = await post(`${direct.url}/api/ingest`, JSON.stringify([legacy, { ...legacy, username: 'bob' }]), 'application/json')
      expect(res.status).toBe(202)
      // no drain: the answer itself waited for the insert
      const rs = await direct.pipeline.store.client.query({ query: 'SELECT count() AS n FROM events WHERE event_id IN {ids:Array(String)}', query_params: { ids: res.json.ids }, format: 'JSONEachRow' })
      const [n] = await rs.json<{ n: string }>()
      expect(Number(n!.n)).toBe(2)
      expect((await direct.pipeline.services.stats.report()).pipeline).toMatchObject({ gauges: { buffer_unflushed_rows: 0 } })
    } finally {
      await direct.cleanup()
    }
  })
})
