/**
 * Bytes on the wire, on the real server and engine: a record that is not valid UTF-8 keeps its
 * exact bytes (base64 in `original`, `original_encoding = base64`, a decode note, counted); a
 * declared charset is decoded; a JSON body that is not UTF-8 is refused with the offset; gzip and
 * deflate bodies are inflated within a size and ratio cap (a compression bomb is refused).
 */
import { deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ ingest: { maxBodyBytes: 8 * 1024 * 1024 } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

async function send(body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/api/ingest`, { method: 'POST', body, headers })
  return { status: res.status, json: await res.json() }
}

async function rows(ids: string[]): Promise<Array<{ event_id: string; user_name: string; original: string; original_encoding: string; decode_notes: string[]; message: string }>> {
  const rs = await server.pipeline.store.client.query({
    query: 'SELECT event_id, user_name, original, original_encoding, decode_notes, message FROM events WHERE event_id IN {ids:Array(String)}',
    query_params: { ids },
    format: 'JSONEachRow',
  })
  const got = await rs.json<{ event_id: string; user_name: string; original: string; original_encoding: string; decode_notes: string[]; message: string }>()
  return ids.map((id) => got.find((r) => r.event_id === id)!)
}

const latin1 = (s: string) => Buffer.from(s, 'latin1')

describe('records that are not valid UTF-8', () => {
  it('keeps the exact bytes of an NDJSON line, decodes its fields with U+FFFD, and leaves valid lines as they were', async () => {
    const bad = latin1('{"event_type":"ssh_failed_login","source_ip":"203.0.113.9","username":"r\xe9my","timestamp":"2026-11-20T08:00:00Z"}')
    const good = Buffer.from('{"event_type":"ssh_failed_login","source_ip":"203.0.113.9","username":"zoë","timestamp":"2026-11-20T08:00:01Z"}')
    const before = (await (await fetch(`${server.url}/api/stats`)).json()).pipeline.components.http.invalid_utf8
    const res = await send(Buffer.concat([good, Buffer.from('\n'), bad, Buffer.from('\n')]), { 'content-type': 'application/x-ndjson' })
    expect(res.status).toBe(202)
    const [g, b] = await rows(res.json.ids)
    expect(g).toMatchObject({ user_name: 'zoë', original_encoding: '' })
    expect(JSON.parse(g!.original).username).toBe('zoë')
    expect(b).toMatchObject({ user_name: 'r\uFFFDmy', original_encoding: 'base64' })
    expect(Buffer.from(b!.original, 'base64').equals(bad)).toBe(true)
    expect(b!.decode_notes).toEqual(expect.arrayContaining([expect.stringMatching(/not valid UTF-8 \(1 invalid/)]))
    const after = (await (await fetch(`${server.url}/api/stats`)).json()).pipeline.components.http.invalid_utf8
    expect(after - before).toBe(1)
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/watchfloor_component_invalid_utf8_total\{component="http",kind="source"\} [1-9]/)
  })

  it('does the same for a text line (syslog), and dead-letters a refused line with its bytes', async () => {
    const line = latin1('<34>Nov 20 08:00:02 web-1 sshd[42]: Failed password for invalid user j\xfcrgen from 198.51.100.4 port 22 ssh2')
    const broken = Buffer.concat([latin1('{"event_type":"x","user":"\xff'), Buffer.from('\n')])
    const text = await send(Buffer.concat([line, Buffer.from('\n')]), { 'content-type': 'text/plain' })
    expect(text.status).toBe(202)
    const [row] = await rows(text.json.ids)
    expect(row).toMatchObject({ original_encoding: 'base64' })
    expect(Buffer.from(row!.original, 'base64').equals(line)).toBe(true)
    expect(row!.message).toContain('j\uFFFDrgen')

    const refused = await send(broken, { 'content-type': 'application/x-ndjson' })
    expect(refused.status).toBe(400)
    expect(refused.json.errors[0]).toMatchObject({ code: 'INGEST_MALFORMED_JSON', reason: expect.stringMatching(/not valid UTF-8/) })
    const dead = await (await server.pipeline.store.client.query({ query: "SELECT raw FROM dead_letters WHERE reason LIKE '%not valid UTF-8%'", format: 'JSONEachRow' })).json<{ raw: string }>()
    expect(dead).toHaveLength(1)
    const envelope = JSON.parse(dead[0]!.raw) as { __watchfloor_bytes: string }
    expect(Buffer.from(envelope.__watchfloor_bytes, 'base64').equals(broken.subarray(0, -1))).toBe(true)
  })

  it('decodes a declared charset (CSV from a Windows tool) and refuses a JSON body that is not UTF-8, with the offset', async () => {
    const csv = latin1('time,user,src_ip,event_type\n2026-11-20T08:00:03Z,Ren\xe9e,203.0.113.10,ssh_failed_login\n')
    const ok = await send(csv, { 'content-type': 'text/csv; charset=windows-1252' })
    expect(ok.status).toBe(202)
    const [row] = await rows(ok.json.ids)
    expect(row!.user_name).toBe('Renée')
    expect(row!.original_encoding).toBe('')

    const json = await send(latin1('{"event_type":"x","user":"Ren\xe9e"}'), { 'content-type': 'application/json' })
    expect(json.status).toBe(400)
    expect(json.json.error).toEqual({ code: 'INGEST_BAD_ENCODING', message: expect.stringMatching(/not valid UTF-8 \(first invalid byte at offset 29\).*charset=windows-1252/) })
    expect((await send(csv, { 'content-type': 'text/csv; charset=klingon' })).status).toBe(415)
    // a body that is not the charset it names
    expect((await send(Buffer.from([0x82, 0xa0, 0xff, 0xff]), { 'content-type': 'text/plain; charset=shift_jis' })).json.error.code).toBe('INGEST_BAD_ENCODING')
  })
})

describe('compressed bodies', () => {
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ event_type: 'ssh_failed_login', source_ip: '203.0.113.20', user: `u${i}`, timestamp: '2026-11-20T08:01:00Z' })).join('\n')

  it('inflates gzip and deflate bodies as Vector, Logstash and Beats send them', async () => {
    for (const [encoding, body] of [['gzip', gzipSync(lines)], ['deflate', deflateSync(lines)]] as const) {
      const res = await send(body, { 'content-type': 'application/x-ndjson', 'content-encoding': encoding })
      expect(res.status, encoding).toBe(202)
      expect(res.json.accepted).toBe(50)
    }
  })

  it('refuses a compression bomb (ratio or size), a corrupt stream and an unknown encoding, storing nothing of them', async () => {
    const count = async () => Number((await (await server.pipeline.store.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    const stored = await count()
    // 4 MB of one line repeated: a few KB of gzip, a ratio of ~1000 (under the 8 MB body limit)
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, lines.slice(0, 200) + '\n'))
    const big = await send(bomb, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
    expect(big.status).toBe(413)
    expect(big.json.error).toEqual({ code: 'INGEST_BODY_TOO_LARGE', message: expect.stringMatching(/inflates past 200 times its \d+ bytes \(INGEST_MAX_INFLATE_RATIO\)/) })
    // within the ratio, past the body limit (8 MB here)
    const wide = gzipSync(Buffer.from(Array.from({ length: 120_000 }, (_, i) => `${lines.slice(0, 60)}${Math.random().toString(36)}${i}`).join('\n')))
    const tooBig = await send(wide, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
    expect(tooBig.status).toBe(413)
    expect(tooBig.json.error.message).toMatch(/INGEST_MAX_BODY_BYTES \(8388608 bytes\)/)
    const corrupt = await send(gzipSync(lines).subarray(0, 40), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
    expect(corrupt.status).toBe(400)
    expect(corrupt.json.error.code).toBe('INGEST_BAD_ENCODING')
    const br = await send(Buffer.from('x'), { 'content-type': 'application/x-ndjson', 'content-encoding': 'br' })
    expect(br.status).toBe(415)
    expect(br.json.error.message).toMatch(/content encoding br; use gzip, deflate or none/)
    expect(await count()).toBe(stored)
    // and the server still takes a plain body
    expect((await send(lines, { 'content-type': 'application/x-ndjson' })).status).toBe(202)
  })
})
