/**
 * POST /api/ingest end to end: real HTTP on 127.0.0.1, the real worker pool, the real
 * ClickHouse engine (chdb). Every assertion reads back what a user would see: answers,
 * stored rows, dead letters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fixturePath } from '../../../test/support/data.js'
import { post, startTestServer } from '../helpers.js'

type Server = Awaited<ReturnType<typeof startTestServer>>
let server: Server
let url: string

/** Reads the store once every acknowledged row has left the disk buffer. */
async function rows<T = Record<string, unknown>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  expect(await server.pipeline.flushed(30_000)).toBe(true)
  const rs = await server.pipeline.store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return rs.json<T>()
}

beforeAll(async () => {
  // With the disk buffer on, so the HTTP edge cases also exercise the buffer path (the default path is
  // exercised by the backpressure, lifecycle and durability tests).
  server = await startTestServer({ ingest: { maxBodyBytes: '2mb', maxDepth: 64 }, buffer: { enabled: true } })
  url = server.url
})
afterAll(async () => {
  await server?.cleanup()
})

const legacy = {
  timestamp: '2026-11-20T08:15:30Z',
  event_type: 'ssh_failed_login',
  source_ip: '203.0.113.7',
  dest_ip: '10.0.0.5',
  username: 'root',
  hostname: 'web-01',
  raw_log: 'Failed password for root from 203.0.113.7 port 52113 ssh2',
}

describe('POST /api/ingest', () => {
  it('accepts the legacy single-object shape with 202 and stores the normalized event', async () => {
    const res = await post(`${url}/api/ingest`, JSON.stringify(legacy), 'application/json')
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(1)
    expect(res.json.ids).toHaveLength(1)
    const [row] = await rows<Record<string, any>>('SELECT * FROM events WHERE event_id = {id:String}', { id: res.json.ids[0] })
    expect(row).toBeDefined()
    expect(row!.source_ip).toBe('203.0.113.7')
    expect(row!.destination_ip).toBe('10.0.0.5')
    expect(row!.user_name).toBe('root')
    expect(row!.host_name).toBe('web-01')
    expect(row!.legacy_event_type).toBe('ssh_failed_login')
    expect(row!.decoder).toBe('legacy')
    expect(row!.timestamp).toBe('2026-11-20 08:15:30.000')
    expect(JSON.parse(row!.original)).toEqual(legacy)
    // the record's own text, byte for byte
    expect(row!.original).toBe(JSON.stringify(legacy))
  })

  it('accepts a JSON array of different formats and decodes each record by its shape', async () => {
    const suricata = { timestamp: '2026-11-20T08:16:00.000+0000', event_type: 'alert', src_ip: '198.51.100.9', src_port: 4444, dest_ip: '10.0.0.8', dest_port: 445, proto: 'TCP', alert: { signature: 'ET EXPLOIT SMB', signature_id: 2024218, severity: 1, category: 'Attempted Administrator Privilege Gain' } }
    const ecs = { '@timestamp': '2026-11-20T08:17:00.000Z', message: 'hello', host: { name: 'lb-1' }, source: { ip: '192.0.2.1' }, ecs: { version: '8.11.0' } }
    const res = await post(`${url}/api/ingest`, JSON.stringify([legacy, suricata, ecs]), 'application/json')
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(3)
    const stored = await rows<{ event_id: string; decoder: string }>('SELECT event_id, decoder FROM events WHERE event_id IN {ids:Array(String)}', { ids: res.json.ids })
    const byId = new Map(stored.map((r) => [r.event_id, r.decoder]))
    expect(res.json.ids.map((id: string) => byId.get(id))).toEqual(['legacy', 'suricata', 'ecs'])
  })

  it('stores a 10,000-record NDJSON batch and acknowledges every id in order', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ ...legacy, source_ip: `10.1.${(i >> 8) & 255}.${i & 255}`, raw_log: `line ${i}` }))
    const res = await post(`${url}/api/ingest`, lines.join('\n') + '\n', 'application/x-ndjson')
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(10_000)
    expect(new Set(res.json.ids).size).toBe(10_000)
    const [count] = await rows<{ n: string }>('SELECT count() AS n FROM events WHERE event_id IN {ids:Array(String)}', { ids: res.json.ids })
    expect(Number(count!.n)).toBe(10_000)
    const [last] = await rows<{ message: string }>('SELECT message FROM events WHERE event_id = {id:String}', { id: res.json.ids[9999] })
    expect(last!.message).toBe('line 9999')
  })

  it('answers 400 for an empty body and stores nothing', async () => {
    const res = await post(`${url}/api/ingest`, '', 'application/json')
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('INGEST_EMPTY_BODY')
    const ws = await post(`${url}/api/ingest`, '   \n ', 'application/x-ndjson')
    expect(ws.status).toBe(400)
  })

  it('answers 400 for malformed JSON and keeps the body in the dead-letter table', async () => {
    const body = '{"event_type": "login", "source_ip": "10.0.0.1",'
    const res = await post(`${url}/api/ingest`, body, 'application/json')
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('INGEST_MALFORMED_JSON')
    expect(res.json.accepted).toBe(0)
    const dead = await rows<{ raw: string; code: string }>('SELECT raw, code FROM dead_letters WHERE raw = {raw:String}', { raw: body })
    expect(dead).toHaveLength(1)
    expect(dead[0]!.code).toBe('INGEST_MALFORMED_JSON')
  })

  it('stores the good records of a mixed batch and reports each bad one by index and line', async () => {
    const body = [
      JSON.stringify(legacy), // record 0
      '{"broken": ', // record 1: malformed
      '42', // record 2: not an object
      JSON.stringify({ ...legacy, source_ip: 12345 }), // record 3: wrong type
      JSON.stringify({ ...legacy, timestamp: { when: 'now' } }), // record 4: wrong type
      '',
      JSON.stringify({ ...legacy, username: 'alice' }), // record 5 on line 7
    ].join('\n')
    const res = await post(`${url}/api/ingest`, body, 'application/x-ndjson')
    expect(res.status).toBe(400)
    expect(res.json.accepted).toBe(2)
    expect(res.json.rejected).toBe(4)
    expect(res.json.errors.map((e: any) => [e.index, e.line, e.code])).toEqual([
      [1, 2, 'INGEST_MALFORMED_JSON'],
      [2, 3, 'RECORD_NOT_OBJECT'],
      [3, 4, 'RECORD_INVALID_FIELD'],
    ].concat([[4, 5, 'RECORD_INVALID_FIELD']]))
    expect(res.json.errors[2].reason).toMatch(/source_ip/)
    const stored = await rows<{ user_name: string }>('SELECT user_name FROM events WHERE event_id IN {ids:Array(String)} ORDER BY user_name', { ids: res.json.ids })
    expect(stored.map((r) => r.user_name)).toEqual(['alice', 'root'])
    const dead = await rows<{ record_index: number; raw: string; reason: string }>(
      'SELECT record_index, raw, reason FROM dead_letters WHERE request_id IN (SELECT request_id FROM dead_letters WHERE raw = {raw:String}) ORDER BY record_index',
      { raw: '{"broken": ' },
    )
    expect(dead.map((d) => d.record_index)).toEqual([1, 2, 3, 4])
    expect(dead[1]!.raw).toBe('42')
    expect(dead[2]!.reason).toMatch(/source_ip/)
  })

  it('answers 413 when the body exceeds INGEST_MAX_BODY_BYTES', async () => {
    const big = JSON.stringify({ ...legacy, raw_log: 'x'.repeat(3 * 1024 * 1024) })
    const res = await post(`${url}/api/ingest`, big, 'application/json')
    expect(res.status).toBe(413)
    expect(res.json.error.code).toBe('INGEST_BODY_TOO_LARGE')
  })

  it('keeps unicode and escaped NUL characters exactly, and rejects a raw NUL inside a JSON string', async () => {
    const text = 'ünïcødé ✓ 日本語 🚀 nul:\u0000: end'
    const res = await post(`${url}/api/ingest`, JSON.stringify({ ...legacy, raw_log: text, username: 'zoë' }), 'application/json; charset=utf-8')
    expect(res.status).toBe(202)
    const [row] = await rows<{ message: string; user_name: string }>('SELECT message, user_name FROM events WHERE event_id = {id:String}', { id: res.json.ids[0] })
    expect(row!.message).toBe(text)
    expect(row!.user_name).toBe('zoë')
    const rawNul = '{"event_type":"x","raw_log":"a\u0000b"}'
    const bad = await post(`${url}/api/ingest`, rawNul, 'application/x-ndjson')
    expect(bad.status).toBe(400)
    expect(bad.json.errors[0].code).toBe('INGEST_MALFORMED_JSON')
  })

  it('refuses records nested deeper than the limit without harming the server', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const res = await post(`${url}/api/ingest`, `${JSON.stringify(legacy)}\n{"a":${deep}}`, 'application/x-ndjson')
    expect(res.status).toBe(400)
    expect(res.json.accepted).toBe(1)
    expect(res.json.errors[0]).toMatchObject({ index: 1, code: 'RECORD_TOO_DEEP' })
    const arr = await post(`${url}/api/ingest`, `[${JSON.stringify(legacy)}, {"a": ${'['.repeat(70)}1${']'.repeat(70)}}]`, 'application/json')
    expect(arr.status).toBe(400)
    expect(arr.json.errors[0]).toMatchObject({ index: 1, code: 'RECORD_TOO_DEEP' })
    const health = await fetch(`${url}/api/health`)
    expect(health.status).toBe(200)
  })

  it('answers 415 for an unsupported content type', async () => {
    const res = await post(`${url}/api/ingest`, '<xml/>', 'application/xml')
    expect(res.status).toBe(415)
    expect(res.json.error.code).toBe('INGEST_UNSUPPORTED_MEDIA_TYPE')
  })

  it('accepts CSV with a header row, and text lines', async () => {
    const csv = 'time,name,ip,host\n1642723347,"Wazuh: sshd, authentication failed",172.19.130.4,mail\n1642723352,Suricata: ET SCAN,172.19.130.5,web\n'
    const res = await post(`${url}/api/ingest`, csv, 'text/csv')
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(2)
    const stored = await rows<{ source_ip: string; host_name: string; message: string; timestamp: string }>(
      'SELECT source_ip, host_name, message, timestamp FROM events WHERE event_id = {id:String}',
      { id: res.json.ids[0] },
    )
    expect(stored[0]).toMatchObject({ source_ip: '172.19.130.4', host_name: 'mail', message: 'Wazuh: sshd, authentication failed', timestamp: '2022-01-21 00:02:27.000' })
    const text = await post(`${url}/api/ingest`, 'Nov 20 08:15:30 web-01 sshd[811]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2\n', 'text/plain')
    expect(text.status).toBe(202)
    const [t] = await rows<{ source_ip: string; user_name: string; decoder: string }>('SELECT source_ip, user_name, decoder FROM events WHERE event_id = {id:String}', { id: text.json.ids[0] })
    expect(t).toMatchObject({ source_ip: '203.0.113.9', user_name: 'admin', decoder: 'syslog' })
  })

  it('accepts a Zeek ASCII log as text: each row a Zeek event with its row as the original, a row that does not fit its header refused by line', async () => {
    const log = readFileSync(fixturePath('zeek/dce_rpc.log'), 'utf8')
    const res = await post(`${url}/api/ingest`, log, 'text/plain')
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(5)
    const stored = await rows<{ decoder: string; event_dataset: string; source_ip: string; destination_ip: string; event_action: string; original: string }>(
      'SELECT decoder, event_dataset, source_ip, destination_ip, event_action, original FROM events WHERE event_id IN {ids:Array(String)} ORDER BY timestamp',
      { ids: res.json.ids },
    )
    expect(stored.map((r) => r.event_action)).toEqual(['svcctl::OpenSCManagerW', 'svcctl::CreateServiceW', 'svcctl::StartServiceW', 'drsuapi::DRSBind', 'drsuapi::DRSGetNCChanges'])
    expect(stored[1]).toMatchObject({ decoder: 'zeek', event_dataset: 'zeek.dce_rpc', source_ip: '10.0.0.66', destination_ip: '10.0.0.10' })
    expect(stored[1]!.original).toBe(log.split('\n').find((l) => l.includes('CreateServiceW')))
    const broken = await post(`${url}/api/ingest`, log.replace('\tStartServiceW', ''), 'text/plain')
    expect(broken.status).toBe(400)
    expect(broken.json).toMatchObject({ accepted: 4, rejected: 1, errors: [{ line: 11, code: 'RECORD_ZEEK_MISMATCH' }] })
  })

  it('stores a record holding a lone surrogate (with U+FFFD in its place) and the rest of its batch, instead of failing the insert', async () => {
    // JSON escapes of half an emoji: valid JSON, but not text ClickHouse accepts as it is
    const body = ['{"event_type":"login","source_ip":"10.0.0.1","username":"bad\\ud83d"}', '{"event_type":"login","source_ip":"10.0.0.2","username":"fine"}'].join('\n')
    const res = await post(`${url}/api/ingest`, body, 'application/x-ndjson')
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(2)
    const stored = await rows<{ user_name: string }>('SELECT user_name FROM events WHERE event_id IN {ids:Array(String)} ORDER BY user_name', { ids: res.json.ids })
    expect(stored.map((r) => r.user_name)).toEqual(['bad\ufffd', 'fine'])
  })

  it('keeps records of unknown shape with their raw text and decode_status unknown', async () => {
    const odd = { foo: 'bar', nested: { x: [1, 2, 3] } }
    const res = await post(`${url}/api/ingest`, JSON.stringify(odd), 'application/json')
    expect(res.status).toBe(202)
    const [row] = await rows<{ decode_status: string; original: string }>('SELECT decode_status, original FROM events WHERE event_id = {id:String}', { id: res.json.ids[0] })
    expect(row!.decode_status).toBe('unknown')
    expect(JSON.parse(row!.original)).toEqual(odd)
  })

  it('counts received, sent and dropped per component at /api/stats and /metrics', async () => {
    await server.pipeline.flushed(30_000)
    const stats = await (await fetch(`${url}/api/stats`)).json()
    expect(stats.total_events).toBeGreaterThanOrEqual(10_000)
    expect(stats.dead_letters).toBeGreaterThanOrEqual(5)
    expect(stats.pipeline.components.http.received).toBeGreaterThan(stats.pipeline.components.http.sent)
    expect(stats.pipeline.components.decode.dropped_by_reason.record_invalid_field).toBeGreaterThanOrEqual(2)
    expect(stats.pipeline.components.clickhouse.sent).toBe(stats.total_events)
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/watchfloor_component_sent_total\{component="clickhouse",kind="sink"\} \d+/)
    expect(metrics).toMatch(/watchfloor_component_dropped_total\{component="decode",kind="transform",reason="record_not_object"\} 1/)
  })
})

