/**
 * Every Grafana dashboard query runs on the real ClickHouse engine against the migrated schema,
 * with Grafana's macros and template variables expanded the way the ClickHouse datasource expands
 * them, over data that went through the API: the examples (NDJSON, syslog, CSV), a malformed record
 * (a dead letter), analysts' actions (acknowledge, assign, triage, close), LLM second opinions from
 * the OpenAI-compatible fake, and one log source that went quiet two hours ago. So a dashboard never
 * ships a query that fails, and every panel shows something on that data.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenAIFake } from '../../../test/support/openai-fake.js'
import { REPO_ROOT, post, startTestServer } from '../helpers.js'

interface Target {
  rawSql: string
}
interface Panel {
  id: number
  type: string
  title: string
  targets?: Target[]
  panels?: Panel[]
}
interface Variable {
  name: string
  type: string
  query?: string
  current?: { value?: string | string[] }
}
interface Dashboard {
  title: string
  panels: Panel[]
  templating?: { list?: Variable[] }
}
type Row = Record<string, unknown>

const DIR = path.join(REPO_ROOT, 'grafana/dashboards')
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json'))
const read = (f: string) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Dashboard
const queryPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [...(p.targets?.length ? [p] : []), ...queryPanels(p.panels ?? [])])

// The range the panels are asked about: the examples' event time (November 2026, or the current
// year's November 20 for syslog lines without a year) up to a minute from now (ingest time).
const FROM = Date.parse('2026-11-01T00:00:00Z')
const TO = Date.now() + 60_000
const INTERVAL_S = 60

/** Grafana's ClickHouse datasource macros (grafana/clickhouse-datasource pkg/macros), for the range above. */
function expandMacros(sql: string, from = FROM, to = TO, intervalS = INTERVAL_S): string {
  const s = (ms: number) => `toDateTime(${Math.floor(ms / 1000)})`
  const ms = (t: number) => `fromUnixTimestamp64Milli(${t})`
  const date = (t: number) => `toDate('${new Date(t).toISOString().slice(0, 10)}')`
  const out = sql
    .replace(/\$__timeFilter_ms\(([^)]+)\)/g, (_, c: string) => `${c} >= ${ms(from)} AND ${c} <= ${ms(to)}`)
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, c: string) => `${c} >= ${s(from)} AND ${c} <= ${s(to)}`)
    .replace(/\$__dateFilter\(([^)]+)\)/g, (_, c: string) => `${c} >= ${date(from)} AND ${c} <= ${date(to)}`)
    .replace(/\$__timeInterval_ms\(([^)]+)\)/g, (_, c: string) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${intervalS * 1000} millisecond)`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalS} second)`)
    .replace(/\$__interval_s\b/g, String(intervalS))
    .replace(/\$__fromTime_ms\b/g, ms(from))
    .replace(/\$__toTime_ms\b/g, ms(to))
    .replace(/\$__fromTime\b/g, s(from))
    .replace(/\$__toTime\b/g, s(to))
  const left = /\$__\w+/.exec(out)
  if (left) throw new Error(`macro ${left[0]} is not expanded by this test: add it to expandMacros`)
  return out
}

/** Grafana's variable interpolation for the formats the dashboards use (`${v:singlequote}`, `${v}`, `$v`). */
function expandVariables(sql: string, values: ReadonlyMap<string, readonly string[]>): string {
  const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (whole, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!
    const vs = values.get(name)
    if (vs === undefined) {
      if (whole.startsWith('$__')) return whole
      throw new Error(`variable ${name} is not defined by the dashboard`)
    }
    if (format === 'singlequote') return vs.map(quote).join(',')
    if (format !== undefined) throw new Error(`format ${format} of ${name} is not interpolated by this test`)
    return vs.join(',')
  })
}

let server: Awaited<ReturnType<typeof startTestServer>>
let fake: OpenAIFake
let admin: string

async function rows(sql: string): Promise<Row[]> {
  const rs = await server.pipeline.store.client.query({ query: sql, format: 'JSONEachRow' })
  return rs.json<Row>()
}
async function call(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const json = (await res.json()) as any
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`)
  return json
}
async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
const suggestion = (id: string) => until(`the suggestion of ${id}`, async () => ((await call('GET', `/api/incident/${id}`)).suggestion?.status === 'ready' ? true : undefined))

let closedTrue: any
let closedFalse: any
const quietHost = 'quiet-01'

beforeAll(async () => {
  fake = await OpenAIFake.start()
  server = await startTestServer({
    profile: { flushMs: 100 },
    llm: { baseUrl: fake.baseUrl, apiKey: 'sk-test-not-a-secret', model: 'fake-model', grayZone: 'none' },
  })
  admin = server.adminToken!.token
  const example = (f: string) => readFileSync(path.join(REPO_ROOT, 'examples', f), 'utf8')
  expect((await post(`${server.url}/api/ingest`, example('events.ndjson'), 'application/x-ndjson')).status).toBe(202)
  expect((await post(`${server.url}/api/ingest`, example('auth.log'), 'text/plain')).status).toBe(202)
  expect((await post(`${server.url}/api/ingest`, example('alerts.csv'), 'text/csv')).status).toBe(202)
  expect((await post(`${server.url}/api/ingest`, '{"note":"no decoder knows me"}\n{not json', 'application/x-ndjson')).status).toBe(400)

  const list = (await call('GET', '/api/incidents?limit=100')).incidents as any[]
  const titled = (s: string) => list.find((i) => i.title.includes(s))
  closedTrue = titled('Brute Force')
  closedFalse = titled('PowerShell')
  const waiting = titled('Malware')
  for (const inc of [closedTrue, closedFalse, waiting]) expect(inc, JSON.stringify(list.map((i) => i.title))).toBeDefined()
  // an LLM second opinion that the analyst saw when triaging, and one still waiting for triage
  for (const inc of [closedTrue, waiting]) {
    await call('POST', `/api/incident/${inc.id}/suggest`)
    await suggestion(inc.id)
  }
  await call('POST', `/api/incident/${closedTrue.id}/status`, { status: 'in_progress' })
  await call('POST', `/api/incident/${closedTrue.id}/assign`, { assignee: 'alice' })
  // the LLM's opinion (the fake's: true positive, HIGH) taken over the triager's severity; the triager's kept on a false positive
  await call('POST', `/api/incident/${closedTrue.id}/triage`, { verdict: 'true_positive', severity: 'HIGH', accepted: true })
  await call('POST', `/api/incident/${closedTrue.id}/status`, { status: 'closed', close_reason: 'true_positive' })
  await call('POST', `/api/incident/${closedFalse.id}/status`, { status: 'in_progress' })
  await call('POST', `/api/incident/${closedFalse.id}/triage`, { verdict: 'false_positive', severity: closedFalse.severity, accepted: false })
  await call('POST', `/api/incident/${closedFalse.id}/status`, { status: 'closed', close_reason: 'false_positive' })

  // a host that sent its last event two hours ago: a silent log source (ingest time is stamped on
  // arrival, so this one row is written to the table directly)
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString().replace('T', ' ').replace('Z', '')
  const quiet = { event_id: 'quiet-host-event', timestamp: twoHoursAgo, ingested_at: twoHoursAgo, source: 'file', decoder: 'syslog', decode_status: 'ok', host_name: quietHost, message: 'last words' }
  await server.pipeline.store.insertJsonRows('events', JSON.stringify(quiet) + '\n', {})
  await until('the entity profiles', async () => (Number((await rows('SELECT count() AS n FROM entity_profiles'))[0]!.n) > 0 ? true : undefined))
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
  await fake?.close()
})

/** The variables' values as Grafana would hold them: custom ones as saved, query ones from their query (the first value). */
const variableValues = new Map<string, Promise<Map<string, string[]>>>()
function variablesOf(f: string): Promise<Map<string, string[]>> {
  let v = variableValues.get(f)
  if (v === undefined) {
    v = (async () => {
      const out = new Map<string, string[]>()
      for (const variable of read(f).templating?.list ?? []) {
        if (variable.type === 'custom') {
          const all = (variable.query ?? '').split(',').map((s) => s.trim())
          const current = [variable.current?.value ?? []].flat()
          out.set(variable.name, current.includes('$__all') ? all : current)
        } else if (variable.type === 'query') {
          const listed = await rows(expandVariables(expandMacros(variable.query ?? ''), out))
          const first = listed[0]
          if (first === undefined) throw new Error(`${f}: variable ${variable.name} lists no values`)
          out.set(variable.name, [String(Object.values(first)[0])])
        } else throw new Error(`${f}: variable type ${variable.type} is not interpolated by this test`)
      }
      return out
    })()
    variableValues.set(f, v)
  }
  return v
}
async function run(f: string, title: string): Promise<Row[]> {
  const panel = queryPanels(read(f).panels).find((p) => p.title === title)
  if (panel === undefined) throw new Error(`${f}: no panel ${title}`)
  const values = await variablesOf(f)
  const out: Row[] = []
  for (const t of panel.targets ?? []) out.push(...(await rows(expandVariables(expandMacros(t.rawSql), values)).catch((err: Error) => Promise.reject(new Error(`${f} / ${title}: ${err.message}`)))))
  return out
}
/** Data in a result: a row with a value other than zero, empty or null (a count() of nothing is one row of 0). */
const shows = (rs: readonly Row[]) => rs.some((r) => Object.values(r).some((v) => v !== null && v !== 0 && v !== '0' && v !== '' && !(Array.isArray(v) && v.length === 0)))

describe('grafana dashboards on the real engine', () => {
  it('finds the dashboards', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(5)
  })
  for (const f of FILES) {
    describe(f, () => {
      for (const v of read(f).templating?.list ?? [])
        if (v.type === 'query')
          it(`variable $${v.name} lists values`, async () => {
            expect((await variablesOf(f)).get(v.name)?.[0]).toBeTruthy()
          })
      for (const p of queryPanels(read(f).panels))
        it(`${p.title}: runs and shows data`, async () => {
          const rs = await run(f, p.title)
          expect(shows(rs), `${f} / ${p.title} returned ${JSON.stringify(rs)}`).toBe(true)
        })
    })
  }
})

describe('what the panels say about the seeded data', () => {
  it('lists the host that went quiet as a silent log source, and no source that is still sending', async () => {
    const silent = await run('pipeline-health.json', 'Silent log sources')
    expect(silent).toContainEqual(expect.objectContaining({ kind: 'host', name: quietHost }))
    expect(silent.map((r) => r.name)).not.toContain('web-01')
  })

  it('keeps closed incidents out of the queue with the default status filter, most severe first', async () => {
    const queue = await run('incident-queue.json', 'Incident queue (table, without the app)')
    const ids = queue.map((r) => r.id)
    expect(ids).not.toContain(closedTrue.id)
    expect(ids.length).toBeGreaterThan(0)
    const rank = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
    const ranks = queue.map((r) => rank.indexOf(String(r.severity)))
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a))
    expect(queue.find((r) => String(r.title).includes('Malware'))).toMatchObject({ suggestion: 'ready' })
  })

  it('computes precision per rule from the close reasons, and agreement and acceptance from the triage submissions', async () => {
    const precision = await run('analyst-kpis.json', 'Precision per rule')
    const of = (title: string) => precision.find((r) => r.rule === title)
    expect(Number(of('SSH Brute Force')?.true_positive)).toBe(1)
    expect(of('SSH Brute Force')?.precision).toBe(1)
    expect(Number(of('Encoded Or Download-Cradle PowerShell')?.false_positive)).toBe(1)
    expect(of('Encoded Or Download-Cradle PowerShell')?.precision).toBe(0)
    const [llm] = await run('analyst-kpis.json', 'LLM agreement')
    const [ai] = await run('analyst-kpis.json', 'AI agreement')
    const [acceptance] = await run('analyst-kpis.json', 'Acceptance')
    expect({ llm: llm!.llm_agreement, ai: ai!.agreement, acceptance: acceptance!.acceptance }).toEqual({ llm: 1, ai: 0.5, acceptance: 0.5 })
  })
})
