/**
 * The process lifecycle as an operator sees it: `watchfloor start` refuses a bad configuration
 * listing every problem, and SIGTERM drains: a request in flight is stored and answered before
 * the process exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { REPO_ROOT, post, spawnWatchfloor, tempDir } from '../helpers.js'

const tmp = tempDir('watchfloor-lifecycle-')
afterAll(() => tmp.cleanup())

describe('watchfloor start', () => {
  it('lists every configuration problem and exits 78', () => {
    const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'cli/bin/watchfloor.js'), 'start'], {
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty', PIPELINE_WORKERS: '0', CLICKHOUSE_URL: 'not a url' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(res.status).toBe(78)
    expect(res.stderr).toMatch(/\d problem/)
    expect(res.stderr).toContain('port (PORT)')
    expect(res.stderr).toContain('pipeline.workers (PIPELINE_WORKERS)')
    expect(res.stderr).toContain('clickhouse.url (CLICKHOUSE_URL)')
  })

  it('drains on SIGTERM: the request in flight is stored and answered 202, then exit 0', async () => {
    const server = await spawnWatchfloor({ DATA_DIR: tmp.dir })
    const body = Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ timestamp: '2026-11-20T08:00:00Z', event_type: 'dns_query', source_ip: '10.9.0.1', hostname: 'h', raw_log: `q ${i} ${'x'.repeat(200)}` })).join('\n')
    const exited = new Promise<number | null>((r) => server.child.on('exit', (code) => r(code)))
    const inflight = post(`${server.url}/api/ingest`, body, 'application/x-ndjson')
    await new Promise((r) => setTimeout(r, 300))
    server.child.kill('SIGTERM')
    const res = await inflight
    expect(res.status).toBe(202)
    expect(res.json.accepted).toBe(40_000)
    expect(await exited).toBe(0)
    expect(server.output()).toMatch(/SIGTERM: draining/)
    // a first start on an empty store says how to send data or start the demo
    expect(server.output()).toMatch(/The store is empty[\s\S]*npx watchfloor generate[\s\S]*npx watchfloor demo/)
    const client = createClient({ connection: createChdbConnection({ path: path.join(tmp.dir, 'clickhouse') }) as never })
    try {
      const rs = await client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
      expect(Number((await rs.json<{ n: string }>())[0]!.n)).toBe(40_000)
    } finally {
      await client.close()
    }
  }, 120_000)
})
