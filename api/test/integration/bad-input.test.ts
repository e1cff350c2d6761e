/**
 * Hostile and broken records on the real server and engine, each stored safely with a note or
 * refused with a reason, none harming its neighbours: invalid addresses, times far in the future
 * or the past, the same record twice, huge strings and arrays, a record over the size limit,
 * truncated and mistyped JSON. (Malformed bodies, depth, NUL, unicode, surrogates, content types:
 * ingest.test.ts; bytes that are not UTF-8 and compression: encoding.test.ts; any body at all:
 * fuzz.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ ingest: { maxRecordBytes: 256 * 1024 } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

interface Row {
  event_id: string
  timestamp: string
  ingested_at: string
  source_ip: string
  destination_ip: string
  decode_status: string
  decode_notes: string[]
  message: string
  user_name: string
}

async function rows(ids: string[]): Promise<Row[]> {
  const rs = await server.pipeline.store.client.query({
    query: 'SELECT event_id, timestamp, ingested_at, source_ip, destination_ip, decode_status, decode_notes, message, user_name FROM events WHERE event_id IN {ids:Array(String)}',
    query_params: { ids },
    format: 'JSONEachRow',
  })
  const got = await rs.json<Row>()
  return ids.map((id) => got.find((r) => r.event_id === id)!)
}

const ecs = (extra: Record<string, unknown>) => JSON.stringify({ '@timestamp': '2026-11-20T08:00:00Z', event: { kind: 'event', category: ['network'] }, ecs: { version: '8.11.0' }, ...extra })

describe('bad input', () => {
  it('drops addresses that are not IPs with a note, keeps the rest of the record', async () => {
    const bad = ['999.1.1.1', '10.0.0.1; DROP TABLE events', '::ffff:zzzz', '1.2.3', '<script>alert(1)</script>']
    const res = await post(`${server.url}/api/ingest`, bad.map((ip) => ecs({ source: { ip }, destination: { ip: '10.0.0.5' }, message: `from ${ip}` })).join('\n'), 'application/x-ndjson')
    expect(res.status).toBe(202)
    for (const [i, r] of (await rows(res.json.ids)).entries()) {
      expect(r.source_ip, bad[i]).toBe('')
      expect(r.destination_ip).toBe('10.0.0.5')
      expect(r.decode_status).toBe('partial')
      expect(r.decode_notes.join(' ')).toMatch(/source\.ip/)
      expect(r.message).toBe(`from ${bad[i]}`)
    }
    // the seed systems' shape validates its address field as they did: refused with the reason
    const legacy = await post(`${server.url}/api/ingest`, JSON.stringify({ event_type: 'ssh_failed_login', source_ip: '300.300.300.300', username: 'x' }), 'application/json')
    expect(legacy.status).toBe(400)
    expect(legacy.json.errors).toEqual([expect.objectContaining({ code: 'RECORD_INVALID_FIELD', reason: expect.stringMatching(/source_ip/) })])
  })

  it('sets times far in the future, before 1970 or unreadable to the ingest time, with a note', async () => {
    const times: unknown[] = ['2999-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '1900-01-01T00:00:00Z', '0001-01-01T00:00:00Z', 1e20, -5, 'yesterday', { $date: 1 }]
    const t0 = Date.now()
    const res = await post(`${server.url}/api/ingest`, times.map((t) => ecs({ '@timestamp': t })).join('\n'), 'application/x-ndjson')
    expect(res.status).toBe(202)
    for (const [i, r] of (await rows(res.json.ids)).entries()) {
      expect(r.timestamp, String(times[i])).toBe(r.ingested_at)
      const at = Date.parse(r.timestamp.replace(' ', 'T') + 'Z')
      expect(at).toBeGreaterThanOrEqual(t0 - 1000)
      expect(at).toBeLessThanOrEqual(Date.now() + 1000)
      expect(r.decode_notes.join(' '), String(times[i])).toMatch(/timestamp/)
    }
    // within the allowed skew, a time a little ahead is kept
    const soon = new Date(Date.now() + 60_000).toISOString()
    const ok = await post(`${server.url}/api/ingest`, ecs({ '@timestamp': soon }), 'application/json')
    expect((await rows(ok.json.ids))[0]!.timestamp).toBe(soon.replace('T', ' ').replace('Z', ''))
  })

  it('stores the same record twice as two events (two observations), and a repeated event.id does not merge them', async () => {
    const rec = ecs({ event: { kind: 'event', id: 'dup-1', category: ['authentication'], outcome: 'failure' }, user: { name: 'alice' }, source: { ip: '203.0.113.60' } })
    const res = await post(`${server.url}/api/ingest`, [rec, rec, rec].join('\n'), 'application/x-ndjson')
    expect(res.status).toBe(202)
    expect(new Set(res.json.ids).size).toBe(3)
    expect((await rows(res.json.ids)).map((r) => r.user_name)).toEqual(['alice', 'alice', 'alice'])
  })

  it('keeps huge strings and arrays within the record limit, refuses a record over it by line, and stores its neighbours', async () => {
    const bigString = ecs({ message: 'A'.repeat(200_000) })
    const bigArray = ecs({ tags: Array.from({ length: 20_000 }, (_, i) => `t${i}`), message: 'many tags' })
    const over = ecs({ message: 'B'.repeat(300_000) })
    const wrongTypes = JSON.stringify({ '@timestamp': ['a'], source: 'not an object', event: 7, user: { name: { nested: true } }, message: 42 })
    const truncated = ecs({ message: 'cut' }).slice(0, 40)
    const res = await post(`${server.url}/api/ingest`, [bigString, bigArray, over, wrongTypes, truncated, ecs({ message: 'last' })].join('\n'), 'application/x-ndjson')
    expect(res.status).toBe(400)
    expect(res.json.accepted).toBe(4)
    expect(res.json.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [3, 'RECORD_TOO_LARGE'],
      [5, 'INGEST_MALFORMED_JSON'],
    ])
    const stored = await rows(res.json.ids)
    expect(stored[0]!.message).toHaveLength(200_000)
    expect(stored[1]!.message).toBe('many tags')
    expect(stored[2]!.decode_notes.length).toBeGreaterThan(0)
    expect(stored[3]!.message).toBe('last')
  })
})
