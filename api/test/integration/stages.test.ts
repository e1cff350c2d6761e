/**
 * Where the CPU of an event goes, as an operator reads it: after real ingest, /api/stats and
 * /metrics give the time per record of every pipeline stage, in the workers and in the main thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { get, post, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.cleanup()
})

/** Failed SSH logins and Suricata alerts from a few addresses: decoding, detection, correlation and incidents all run. */
function body(n: number, from: number): string {
  const lines: string[] = []
  for (let i = from; i < from + n; i++) {
    const ip = `203.0.113.${i % 40}`
    const t = new Date(Date.UTC(2026, 10, 20, 8, 0, i % 600)).toISOString()
    lines.push(
      i % 2 === 0
        ? JSON.stringify({ timestamp: t, event_type: 'ssh_failed_login', source_ip: ip, dest_ip: '10.0.0.5', username: `user${i % 7}`, hostname: 'bastion-1' })
        : JSON.stringify({ timestamp: t, event_type: 'alert', src_ip: ip, src_port: 40000 + (i % 1000), dest_ip: '10.0.0.8', dest_port: 445, proto: 'TCP', alert: { signature_id: 2024218, signature: 'ET EXPLOIT Possible ETERNALBLUE MS17-010', category: 'Attempted Administrator Privilege Gain', severity: 1 } }),
    )
  }
  return lines.join('\n') + '\n'
}

describe('stage timers', () => {
  it('give each worker and main-thread stage its time per record in /api/stats and /metrics', async () => {
    // 24 tasks of 2,000 records: the workers time one task in eight, so at least a few tasks are timed
    for (let r = 0; r < 8; r++) {
      const res = await post(`${server.url}/api/ingest`, body(6000, r * 6000), 'application/x-ndjson')
      expect(res.status).toBe(202)
    }
    const { json } = await get(`${server.url}/api/stats`)
    const stages = json.pipeline.stages as Record<string, { thread: string; seconds: number; records: number; us_per_record: number }>
    for (const name of ['worker:frame', 'worker:decode', 'worker:detect', 'worker:profile', 'worker:rows', 'main:result check', 'main:profile', 'main:correlate', 'main:incidents', 'main:triage', 'main:sink events']) {
      expect(stages[name], name).toBeDefined()
      expect(stages[name]!.records, name).toBeGreaterThan(0)
      expect(stages[name]!.us_per_record, name).toBeGreaterThan(0)
    }
    // sampled in the workers, every batch in the main thread
    expect(stages['worker:decode']!.records).toBeGreaterThanOrEqual(2000)
    expect(stages['worker:decode']!.records).toBeLessThan(48_000)
    expect(stages['main:correlate']!.records).toBe(48_000)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^watchfloor_stage_seconds_total\{stage="decode",thread="worker"\} [0-9.e-]+$/m)
    expect(metrics).toMatch(/^watchfloor_stage_records_total\{stage="correlate",thread="main"\} 48000$/m)
  }, 120_000)
})
