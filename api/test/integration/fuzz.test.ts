/**
 * The ingest endpoint under property-based fuzzing (fast-check) on the real server: any body
 * (JSON values, NDJSON of them, CSV, text, random bytes), under any of the content types and
 * charsets clients send, as is, gzipped or claiming a compression it does not have, is answered with a catalogued status, never a 5xx; every record is either accepted or
 * refused with a reason; and the server is still healthy afterwards.
 */
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ ingest: { maxBodyBytes: '256kb', maxDepth: 32 } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 40 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.array(fc.jsonValue({ maxDepth: 5 }), { maxLength: 20 }).map((vs) => vs.map((v) => JSON.stringify(v) ?? 'null').join('\n')),
  fc.array(fc.string({ maxLength: 80, unit: 'binary' }), { maxLength: 20 }).map((ls) => ls.join('\n')),
  fc.array(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }).map((rows) => rows.map((r) => r.join(',')).join('\n')),
  // raw bytes: mostly not valid UTF-8
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
)
const contentType = fc.constantFrom('application/json', 'application/x-ndjson', 'text/csv', 'text/plain', 'text/plain; charset=utf-8', 'text/csv; charset=windows-1252', 'text/plain; charset=shift_jis', 'application/x-ndjson; charset=klingon', 'application/xml', 'multipart/form-data')
/** How the body travels: as is, gzipped, claimed gzip but not, or an encoding nobody supports. */
const encoding = fc.constantFrom('identity', 'gzip', 'not-gzip', 'br')

describe('POST /api/ingest under fuzzing', () => {
  it('answers every body with a catalogued status and accounts for every record, never a 5xx', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(body, contentType, encoding, async (b, type, enc) => {
        const headers: Record<string, string> = { 'content-type': type }
        if (enc !== 'identity') headers['content-encoding'] = enc === 'not-gzip' ? 'gzip' : enc
        const res = await fetch(`${server.url}/api/ingest`, { method: 'POST', headers, body: enc === 'gzip' ? gzipSync(b) : b })
        const json = (await res.json()) as { accepted?: number; rejected?: number; ids?: string[]; errors?: { code: string }[]; error?: { code: string } }
        expect([202, 400, 413, 415], `${res.status} ${JSON.stringify(json).slice(0, 200)}`).toContain(res.status)
        if (res.status === 202 || (res.status === 400 && json.error === undefined)) {
          expect(json.ids?.length).toBe(json.accepted)
          expect(json.errors?.length).toBe(json.rejected)
          for (const e of json.errors ?? []) expect(e.code).toMatch(/^[A-Z_]+$/)
        } else expect(json.error?.code).toMatch(/^[A-Z_]+$/)
        n++
      }),
      { numRuns: 300 },
    )
    expect(n).toBe(300)
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
  }, 180_000)
})
