/**
 * Correlation windows survive a restart: six SSH failures before it and four after it are one
 * brute force of ten, on the real server and the real engine. The windows are saved to ClickHouse
 * (`correlation_windows`) and taken back at start (and after a Kafka rebalance).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { post, startServerOn, tempDir } from '../helpers.js'

const tmp = tempDir('watchfloor-windows-')
afterAll(() => tmp.cleanup())

const fail = (i: number) => `Nov 23 10:00:${String(i * 3).padStart(2, '0')} web-01 sshd[${200 + i}]: Failed password for root from 203.0.113.44 port ${41000 + i} ssh2`
const titles = async (url: string) => ((await (await fetch(`${url}/api/incidents?limit=50`)).json()) as { incidents: { title: string }[] }).incidents.map((i) => i.title)

describe('correlation windows', () => {
  it('count a burst that spans a restart as one: 6 failures before, 4 after, one SSH brute force', async () => {
    const first = await startServerOn(tmp.dir, { profile: { flushMs: 100 } })
    try {
      expect((await post(`${first.url}/api/ingest`, Array.from({ length: 6 }, (_, i) => fail(i)).join('\n'), 'text/plain')).status).toBe(202)
      expect(await titles(first.url)).not.toContain('SSH Brute Force')
    } finally {
      await first.stop()
    }
    const second = await startServerOn(tmp.dir, { profile: { flushMs: 100 } })
    try {
      expect((await post(`${second.url}/api/ingest`, Array.from({ length: 4 }, (_, i) => fail(6 + i)).join('\n'), 'text/plain')).status).toBe(202)
      const deadline = Date.now() + 15_000
      let seen: string[] = []
      while (Date.now() < deadline && !(seen = await titles(second.url)).some((t) => t.includes('SSH Brute Force'))) await new Promise((r) => setTimeout(r, 200))
      expect(seen.some((t) => t.includes('SSH Brute Force')), JSON.stringify(seen)).toBe(true)
      // the alert lists all ten failures, from both runs
      expect(await second.pipeline.flushed(30_000)).toBe(true)
      const rows = await (await second.pipeline.store.client.query({ query: "SELECT length(event_ids) AS n FROM alerts FINAL WHERE rule_title = 'SSH Brute Force'", format: 'JSONEachRow' })).json<{ n: string }>()
      expect(rows.map((r) => Number(r.n))).toEqual([10])
    } finally {
      await second.stop()
    }
  }, 120_000)
})
