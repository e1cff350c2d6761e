/**
 * `watchfloor generate | watchfloor send` against a running Watchfloor (the real server on the
 * embedded store, API_AUTH=all so the token matters): every record acknowledged and stored, the
 * attacks in the queue, refusals counted by reason, 429/503 retried after Retry-After.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, startTestServer } from '../../api/test/helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ api: { auth: 'all' } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

/** Runs the CLI with `input` on stdin; resolves with its exit code and output. */
function cli(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli/bin/watchfloor.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, WATCHFLOOR_TOKEN: '' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(input ?? '')
  })
}

describe('watchfloor send', () => {
  it('posts generated records with the token, in batches, and every one is stored; the attacks reach the queue', async () => {
    const gen = await cli(['generate', '--events', '1500', '--seed', '3', '--chains', '1', '--start', '2026-11-23T08:00:00Z', '--duration', '6h'])
    expect(gen.status, gen.stderr).toBe(0)
    const token = (await server.pipeline.services.tokens.create('sender', 'ingest', 'test')).token
    const refused = await cli(['send', '--url', server.url, '--batch', '300', '--json', '-'], gen.stdout)
    expect(refused.status).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({ sent: 1500, accepted: 0, failed: 1500, failed_by_reason: { 'HTTP 401 AUTH_REQUIRED': 1500 } })
    const res = await cli(['send', '--url', server.url, '--token', token, '--batch', '300', '--json', '-'], gen.stdout)
    expect(res.status, res.stderr).toBe(0)
    const s = JSON.parse(res.stdout)
    expect(s).toMatchObject({ sent: 1500, accepted: 1500, rejected: 0, failed: 0, mode: 'batch' })
    expect(s.latency_ms.p50).toBeGreaterThan(0)
    expect(await server.pipeline.flushed(30_000)).toBe(true)
    const rows = await (await server.pipeline.store.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })).json<{ n: string }>()
    expect(Number(rows[0]!.n)).toBe(1500)
    const list = (await (await fetch(`${server.url}/api/incidents?limit=100`, { headers: { authorization: `Bearer ${(await server.pipeline.services.tokens.create('reader', 'viewer', 'test')).token}` } })).json()) as { incidents: { severity: string; title: string }[] }
    expect(list.incidents.some((i) => i.severity === 'CRITICAL')).toBe(true)
  }, 120_000)

  it('counts refused records by reason, in burst mode', async () => {
    const token = (await server.pipeline.services.tokens.create('burst', 'ingest', 'test')).token
    const body = ['{"event_type":"login","source_ip":"10.0.0.1"}', 'not json', '{"event_type":"x","source_ip":42}', '{"event_type":"login","source_ip":"10.0.0.2"}'].join('\n')
    const res = await cli(['send', '--url', server.url, '--token', token, '--mode', 'burst', '--batch', '2', '--concurrency', '2', '--json', '-'], body)
    expect(res.status).toBe(1)
    expect(JSON.parse(res.stdout)).toMatchObject({ sent: 4, accepted: 2, rejected: 2, rejected_by_reason: { INGEST_MALFORMED_JSON: 1, RECORD_INVALID_FIELD: 1 } })
  })

  it('streams what arrives on standard input before the input ends (a live feed from generate --rate)', async () => {
    const got: number[] = []
    const fake = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        const n = body.split('\n').filter(Boolean).length
        got.push(n)
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: n, rejected: 0, ids: [], errors: [] }))
      })
    })
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(fake.address() as { port: number }).port}`
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli/bin/watchfloor.js'), 'send', '--url', url, '--mode', 'stream', '--rate', '50', '--json', '-'], { cwd: REPO_ROOT })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const done = new Promise((r) => child.on('close', r))
    try {
      child.stdin.write('{"n":1}\n{"n":2}\n')
      const deadline = Date.now() + 10_000
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      // the first records went out while standard input is still open
      expect(got.reduce((a, b) => a + b, 0)).toBe(2)
      child.stdin.end('{"n":3}\n')
      await done
      expect(JSON.parse(out)).toMatchObject({ sent: 3, accepted: 3 })
    } finally {
      fake.close()
    }
  })

  it('retries 429 and 503 after the Retry-After the server gives, and streams at the rate asked', async () => {
    let calls = 0
    const seen: number[] = []
    const fake = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        seen.push(Date.now())
        calls++
        if (calls === 1) res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":{"code":"PIPELINE_SATURATED"}}')
        else if (calls === 2) res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"error":{"code":"RATE_LIMITED"}}')
        else {
          const n = body.split('\n').filter(Boolean).length
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: n, rejected: 0, ids: [], errors: [] }))
        }
      })
    })
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(fake.address() as { port: number }).port}`
    try {
      const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ event_type: 'x', n: i })).join('\n')
      const res = await cli(['send', '--url', url, '--mode', 'stream', '--rate', '10', '--json', '-'], lines)
      expect(res.status, res.stderr).toBe(0)
      const s = JSON.parse(res.stdout)
      expect(s).toMatchObject({ sent: 20, accepted: 20, retries: 2, failed: 0 })
      // the 503 asked for a second: the retry waited for it
      expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(950)
      // 20 records at 10/s: about two seconds of sending
      expect(s.seconds).toBeGreaterThanOrEqual(1.8)
    } finally {
      fake.close()
    }
  })
})
