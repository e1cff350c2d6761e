/**
 * An acknowledged event survives kill -9: a separate Watchfloor process ingests under
 * load, is killed with SIGKILL right after a 202, restarts on the same data directory, and
 * every id it acknowledged is found in the store.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import path from 'node:path'
import { post, spawnWatchfloor, tempDir } from '../helpers.js'

const tmp = tempDir('watchfloor-kill9-')
afterAll(() => tmp.cleanup())

function batch(n: number, tag: string): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ timestamp: new Date().toISOString(), event_type: 'auth_failure', source_ip: `198.51.100.${i % 250}`, username: `u${i}`, hostname: 'db-1', raw_log: `${tag} ${i}` }),
  ).join('\n')
}

describe.each([
  ['acknowledged after the ClickHouse insert', 'false'],
  ['acknowledged from the disk buffer', 'true'],
])('durability, %s', (_mode, buffer) => {
  it('finds every acknowledged event after SIGKILL and restart', async () => {
    const dir = path.join(tmp.dir, `buffer-${buffer}`)
    const env = { DATA_DIR: dir, BUFFER_ENABLED: buffer }
    const first = await spawnWatchfloor(env)
    const acked: string[] = []
    let killed = false
    // Four producers keep requests in flight; the process dies right after the 8th acknowledgement.
    const producer = async (p: number) => {
      for (let i = 0; !killed; i++) {
        try {
          const res = await post(`${first.url}/api/ingest`, batch(500, `p${p}-${i}`), 'application/x-ndjson')
          if (res.status !== 202) continue
          if (killed) return // answered after the kill signal was sent: nothing to assert either way
          acked.push(...(res.json.ids as string[]))
          if (acked.length >= 8 * 500 && !killed) {
            killed = true
            first.child.kill('SIGKILL')
          }
        } catch {
          return // connection reset by the kill
        }
      }
    }
    const exited = new Promise((r) => first.child.on('exit', r))
    await Promise.all([0, 1, 2, 3].map(producer))
    await exited
    expect(first.child.signalCode).toBe('SIGKILL')
    expect(acked.length).toBeGreaterThanOrEqual(4000)

    // Restart on the same directory: it must come up healthy and report the events.
    const second = await spawnWatchfloor(env)
    const health = await fetch(`${second.url}/api/health`)
    expect(health.status).toBe(200)
    // Rows acknowledged but not yet in ClickHouse at the kill are stored from the disk buffer.
    let total = 0
    for (let i = 0; i < 100 && total < acked.length; i++) {
      total = (await (await fetch(`${second.url}/api/stats`)).json()).total_events
      if (total < acked.length) await new Promise((r) => setTimeout(r, 200))
    }
    expect(total).toBeGreaterThanOrEqual(acked.length)
    const stopped = new Promise((r) => second.child.on('exit', r))
    second.child.kill('SIGTERM')
    await stopped

    // Every acknowledged id, read straight from the engine's files.
    const client = createClient({ connection: createChdbConnection({ path: path.join(dir, 'clickhouse') }) as never })
    try {
      const rs = await client.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM events WHERE event_id IN {ids:Array(String)}', query_params: { ids: acked }, format: 'JSONEachRow' })
      const [row] = await rs.json<{ n: string; u: string }>()
      expect(Number(row!.u)).toBe(acked.length)
      expect(Number(row!.n)).toBe(acked.length)
    } finally {
      await client.close()
    }
  }, 180_000)
})
