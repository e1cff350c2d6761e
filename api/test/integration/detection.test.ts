/**
 * Sigma detection on the live stream: a server started with SIGMA_RULES_DIRS (the shared SigmaHQ
 * rules) turns ingested Windows events into alerts stored in ClickHouse, and reports its rule set.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SHARED, post, startTestServer } from '../helpers.js'

const sigma = path.join(SHARED, 'data/sigma')
let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer({ detect: { sigmaRulesDirs: ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => path.join(sigma, d)) } })
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

describe('Sigma detection in the pipeline', () => {
  it('stores an alert of the labelled rule for ingested regression events, with ATT&CK and entities', async () => {
    const lines = readFileSync(path.join(sigma, 'regression_events.labeled.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 3) // line 4 is a sibling event of its sample that does not carry the rule's pattern
    const labelled = lines.map((l) => JSON.parse(l) as { label: { rule_id: string; attack_techniques: string[] }; event: unknown })
    const res = await post(`${server.url}/api/ingest`, labelled.map((l) => JSON.stringify(l.event)).join('\n'), 'application/x-ndjson')
    expect(res.status).toBe(202)
    const rs = await server.store.client.query({
      query: 'SELECT event_id, rule_id, severity, attack_techniques, host_name FROM alerts FINAL WHERE event_id IN {ids:Array(String)}',
      query_params: { ids: res.json.ids },
      format: 'JSONEachRow',
    })
    const alerts = await rs.json<{ event_id: string; rule_id: string; severity: string; attack_techniques: string[]; host_name: string }>()
    labelled.forEach((l, i) => {
      const hit = alerts.find((a) => a.event_id === res.json.ids[i] && a.rule_id === l.label.rule_id)
      expect(hit, `event ${i} should raise ${l.label.rule_id}`).toBeDefined()
      expect(hit!.attack_techniques).toEqual(expect.arrayContaining(l.label.attack_techniques))
      expect(hit!.host_name).not.toBe('')
    })
  })

  it('reports the compiled rule set and alert counts at /api/stats', async () => {
    const stats = await (await fetch(`${server.url}/api/stats`)).json()
    expect(stats.detection.sigma_rules).toBeGreaterThan(3000)
    expect(stats.detection.compiled + stats.detection.failed).toBe(stats.detection.sigma_rules)
    expect(stats.total_alerts).toBeGreaterThanOrEqual(3)
    expect(stats.pipeline.components.detect.sent).toBe(stats.total_alerts)
  })

  it('does not alert on the legacy shape of an ordinary login', async () => {
    const res = await post(`${server.url}/api/ingest`, JSON.stringify({ timestamp: '2026-11-20T08:00:00Z', event_type: 'login_success', source_ip: '10.0.0.5', username: 'alice', hostname: 'ws-1', raw_log: 'Accepted password for alice' }), 'application/json')
    expect(res.status).toBe(202)
    const rs = await server.store.client.query({ query: 'SELECT count() AS n FROM alerts WHERE event_id = {id:String}', query_params: { id: res.json.ids[0] }, format: 'JSONEachRow' })
    expect(Number((await rs.json<{ n: string }>())[0]!.n)).toBe(0)
  })
})
