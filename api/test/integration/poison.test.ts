/**
 * A poison record on the real server: a Sigma rule whose regex backtracks without end on one
 * command line (case-insensitive, so V8's linear-time fallback cannot take it) hangs a real worker
 * thread. The task time limit replaces that thread, the record is dead-lettered with its reason,
 * the other records of the request are stored, and the process keeps serving.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startTestServer, tempDir } from '../helpers.js'

const RULE = `title: Command line made of the letter a (a catastrophic regex, on purpose)
id: 5f0c2c3e-7a1b-4c2d-8e9f-0a1b2c3d4e5f
status: test
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    CommandLine|re: '(?i)^(a+)+$'
  condition: selection
level: low
`

const sysmon = (n: number, commandLine: string) =>
  JSON.stringify({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Hostname: 'WKS-9.corp.example', UtcTime: `2026-11-24 10:00:0${n}.000`, Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: commandLine, User: 'CORP\\jdoe', ProcessId: 100 + n })

let server: Awaited<ReturnType<typeof startTestServer>>
const rules = tempDir('watchfloor-poison-rules-')
beforeAll(async () => {
  mkdirSync(path.join(rules.dir, 'rules'))
  writeFileSync(path.join(rules.dir, 'rules', 'catastrophic.yml'), RULE)
  // rules that cannot be used: refused one by one with the reason, the others still load
  writeFileSync(path.join(rules.dir, 'rules', 'not-yaml.yml'), 'title: broken\ndetection: [unclosed\n  selection: {a: b\n')
  writeFileSync(path.join(rules.dir, 'rules', 'unknown-modifier.yml'), RULE.replace('5f0c2c3e-7a1b-4c2d-8e9f-0a1b2c3d4e5f', '5f0c2c3e-7a1b-4c2d-8e9f-0a1b2c3d4e60').replace('CommandLine|re:', 'CommandLine|frobnicate:'))
  writeFileSync(path.join(rules.dir, 'rules', 'bad-regex.yml'), RULE.replace('5f0c2c3e-7a1b-4c2d-8e9f-0a1b2c3d4e5f', '5f0c2c3e-7a1b-4c2d-8e9f-0a1b2c3d4e61').replace("'(?i)^(a+)+$'", "'(unclosed'"))
  server = await startTestServer({ detect: { sigmaRulesDirs: [rules.dir] }, pipeline: { taskTimeoutMs: 3000, workers: 2 } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
  rules.cleanup()
})

describe('rules that cannot be used', () => {
  it('are refused one by one with the reason in /api/stats; the server starts and the others load', async () => {
    const stats = await (await fetch(`${server.url}/api/stats`)).json()
    const reasons = Object.fromEntries((stats.detection.errors as Array<{ file: string; reason: string }>).filter((e) => e.file.startsWith(rules.dir)).map((e) => [path.basename(e.file), e.reason]))
    expect(reasons).toEqual({
      'not-yaml.yml': expect.stringMatching(/./),
      'unknown-modifier.yml': expect.stringMatching(/unsupported modifier 'frobnicate'/),
      'bad-regex.yml': expect.stringMatching(/bad regex/),
    })
    expect(stats.detection.failed).toBeGreaterThanOrEqual(3)
  })
})

describe('a record that hangs its worker', () => {
  it('is dead-lettered with its reason; the other records are stored and the server keeps serving', async () => {
    const poison = sysmon(3, 'a'.repeat(40) + '!')
    const body = [sysmon(1, 'whoami'), sysmon(2, 'aaaa'), poison, sysmon(4, 'ipconfig /all'), sysmon(5, 'hostname')].join('\n')
    const res = await post(`${server.url}/api/ingest`, body, 'application/x-ndjson')
    // as for any request with a refused record: 400, with the accepted ones stored and named
    expect(res.status).toBe(400)
    expect(res.json.accepted).toBe(4)
    expect(res.json.rejected).toBe(1)
    expect(res.json.errors).toEqual([expect.objectContaining({ line: 3, code: 'RECORD_UNPROCESSABLE', reason: expect.stringMatching(/PIPELINE_TASK_TIMEOUT_MS \(3000 ms\).*worker was replaced/) })])

    const client = server.pipeline.store.client
    const stored = await (await client.query({ query: 'SELECT count() AS n FROM events WHERE event_id IN {ids:Array(String)}', query_params: { ids: res.json.ids }, format: 'JSONEachRow' })).json<{ n: string }>()
    expect(Number(stored[0]!.n)).toBe(4)
    // the rule still fires where it can: "aaaa" is matched (record 2)
    const alerts = await (await client.query({ query: "SELECT event_id FROM alerts FINAL WHERE rule_id = '5f0c2c3e-7a1b-4c2d-8e9f-0a1b2c3d4e5f'", format: 'JSONEachRow' })).json<{ event_id: string }>()
    expect(alerts.map((a) => a.event_id)).toEqual([res.json.ids[1]])
    const dead = await (await client.query({ query: "SELECT record_index, raw FROM dead_letters WHERE code = 'RECORD_UNPROCESSABLE'", format: 'JSONEachRow' })).json<{ record_index: number; raw: string }>()
    expect(dead).toEqual([{ record_index: 2, raw: poison }])

    // the replaced worker serves the next request, and the pool is whole again
    const next = await post(`${server.url}/api/ingest`, sysmon(6, 'net user'), 'application/json')
    expect(next.status).toBe(202)
    const stats = await (await fetch(`${server.url}/api/stats`)).json()
    expect(stats.pipeline.components.decode.errors).toBeGreaterThanOrEqual(1)
    const health = await fetch(`${server.url}/api/health`)
    expect(health.status).toBe(200)
  }, 60_000)
})
