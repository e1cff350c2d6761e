/**
 * Sigma detection on the live stream: a server started with SIGMA_RULES_DIRS turns ingested Windows
 * events into alerts stored in ClickHouse, and reports its rule set. Runs with the fixture rules
 * (pipeline/test/fixtures/sigma) in every checkout, and with the full SigmaHQ rule set from the data
 * directory (WATCHFLOOR_DATA_DIR, default ../shared/data) when it is there.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataPath, fixturePath, needData } from '../../../test/support/data.js'
import { post, startTestServer } from '../helpers.js'

const sigma = needData('sigma/regression_events.labeled.jsonl', 'sigma/rules', 'sigma/rules-emerging-threats', 'sigma/rules-threat-hunting')

interface Setup {
  /** rule directories given to the server */
  dirs: string[]
  /** labelled regression events, each firing its rule */
  lines: () => string[]
  /** the least number of rules the server must report */
  minRules: number
}

function detectionTests(setup: Setup): void {
  let server: Awaited<ReturnType<typeof startTestServer>>
  let labelledAlerts = 0
  beforeAll(async () => {
    server = await startTestServer({ detect: { sigmaRulesDirs: setup.dirs } })
  }, 120_000)
  afterAll(async () => {
    await server?.cleanup()
  })

  it('stores an alert of the labelled rule for ingested regression events, with ATT&CK and entities', async () => {
    const labelled = setup.lines().map((l) => JSON.parse(l) as { label: { rule_id: string; attack_techniques: string[] }; event: unknown })
    expect(labelled.length).toBeGreaterThan(0)
    const res = await post(`${server.url}/api/ingest`, labelled.map((l) => JSON.stringify(l.event)).join('\n'), 'application/x-ndjson')
    expect(res.status).toBe(202)
    const rs = await server.pipeline.store.client.query({
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
    labelledAlerts = labelled.length
  })

  it('reports the compiled rule set and alert counts at /api/stats', async () => {
    const stats = await (await fetch(`${server.url}/api/stats`)).json()
    expect(stats.detection.sigma_rules).toBeGreaterThan(setup.minRules)
    expect(stats.detection.compiled + stats.detection.failed).toBe(stats.detection.sigma_rules)
    expect(labelledAlerts).toBeGreaterThan(0)
    expect(stats.total_alerts).toBeGreaterThanOrEqual(labelledAlerts)
    expect(stats.pipeline.components.detect.sent).toBe(stats.total_alerts)
  })

  it('does not alert on the legacy shape of an ordinary login', async () => {
    const res = await post(`${server.url}/api/ingest`, JSON.stringify({ timestamp: '2026-11-20T08:00:00Z', event_type: 'login_success', source_ip: '10.0.0.5', username: 'alice', hostname: 'ws-1', raw_log: 'Accepted password for alice' }), 'application/json')
    expect(res.status).toBe(202)
    const rs = await server.pipeline.store.client.query({ query: 'SELECT count() AS n FROM alerts WHERE event_id = {id:String}', query_params: { id: res.json.ids[0] }, format: 'JSONEachRow' })
    expect(Number((await rs.json<{ n: string }>())[0]!.n)).toBe(0)
  })
}

describe('Sigma detection in the pipeline (fixture: 5 regression events and their rules)', () => {
  detectionTests({
    dirs: ['rules', 'rules-emerging-threats'].map((d) => fixturePath('sigma', d)),
    lines: () => readFileSync(fixturePath('sigma', 'regression_events.sample.jsonl'), 'utf8').split('\n').filter(Boolean),
    // the 5 fixture rules, plus the built-in pack
    minRules: 5,
  })
})

describe.skipIf(!sigma.have)(sigma.title('Sigma detection in the pipeline (full SigmaHQ rule set)'), () => {
  detectionTests({
    dirs: ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => path.join(dataPath('sigma'), d)),
    // line 4 is a sibling event of its sample that does not carry the rule's pattern
    lines: () => readFileSync(dataPath('sigma', 'regression_events.labeled.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 3),
    minRules: 3000,
  })
})
