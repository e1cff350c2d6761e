/**
 * Profiles and incidents on the live pipeline, against the real ClickHouse engine: an SSH brute
 * force becomes a triaged incident served by the API with its grouping reasons and related
 * incidents; the attacker's profile is served, written to ClickHouse on shutdown, and after a
 * restart the next events add to it instead of starting over.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Running } from '../../src/server.js'
import { get, post, startServerOn, tempDir } from '../helpers.js'

const tmp = tempDir()
let server: Running | undefined
afterAll(async () => {
  await server?.stop()
  tmp.cleanup()
})

const start = () => startServerOn(tmp.dir)
const fail = (h: number, s: number, user = 'root', m = 0) =>
  `Nov 23 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')} web1 sshd[${4000 + s}]: Failed password for ${user} from 203.0.113.66 port ${40000 + s} ssh2`

describe('incidents and profiles', () => {
  it('turns a brute force into a triaged incident with its reasons', async () => {
    server = await start()
    // two bursts an hour apart: two incidents of the same source (the window is 30 min)
    const body = [...Array.from({ length: 12 }, (_, i) => fail(10, i)), ...Array.from({ length: 12 }, (_, i) => fail(11, i, 'admin'))].join('\n')
    expect((await post(`${server.url}/api/ingest`, body, 'text/plain')).status).toBe(202)
    const list = await get(`${server.url}/api/incidents?source_ip=203.0.113.66`)
    expect(list.status).toBe(200)
    expect(list.json.total).toBe(2)
    const inc = list.json.incidents[0]
    expect(inc).toMatchObject({ severity: 'HIGH', status: 'new', threat_type: 'brute_force', source_ip: '203.0.113.66', alert_count: 1 })
    expect(inc.verdict).toMatchObject({ threat_type: 'brute_force', triager: 'heuristic/1', ip_reputation: { ip: '203.0.113.66', reputation: expect.any(String) } })
    expect(inc.verdict.recommendations.length).toBeGreaterThan(0)
    expect(inc.attack_techniques).toContain('T1110.001')
    expect(inc.links[0]).toMatchObject({ reason: 'first', rule: { title: 'SSH Brute Force' } })
    const one = await get(`${server.url}/api/incident/${inc.id}`)
    expect(one.status).toBe(200)
    expect(one.json.related).toHaveLength(1)
    expect(one.json.related[0].shared).toContain('source_ip=203.0.113.66')
    expect(one.json.event_ids).toHaveLength(10)
  })

  it('serves the attacker profile and validates the address', async () => {
    const p = await get(`${server!.url}/api/ip/203.0.113.66/profile`)
    expect(p.status).toBe(200)
    expect(p.json).toMatchObject({ kind: 'source_ip', entity: '203.0.113.66', events: 24, internal: false, users: ['admin', 'root'], event_types: { ssh_login: 24 }, severities: expect.any(Object) })
    expect(p.json.techniques).toContain('T1110.001')
    expect(p.json.risk_score).toBeGreaterThan(0)
    expect((await get(`${server!.url}/api/user/root/profile`)).json.events).toBe(12)
    expect((await get(`${server!.url}/api/host/web1/profile`)).json.events).toBe(24)
    expect((await get(`${server!.url}/api/ip/not-an-ip/profile`)).status).toBe(400)
    expect((await get(`${server!.url}/api/ip/192.0.2.1/profile`)).status).toBe(404)
  })

  it('keeps profiles across a restart and adds to them', async () => {
    await server!.stop() // graceful: profiles are written to ClickHouse
    server = await start()
    const before = await get(`${server.url}/api/ip/203.0.113.66/profile`)
    expect(before.json.events).toBe(24)
    expect((await post(`${server.url}/api/ingest`, fail(11, 50, 'oracle'), 'text/plain')).status).toBe(202)
    const after = await get(`${server.url}/api/ip/203.0.113.66/profile`)
    expect(after.json.events).toBe(25)
    expect(after.json.users).toEqual(['admin', 'oracle', 'root'])
    expect(after.json.techniques).toContain('T1110.001')
  })

  it('reopens the incidents left open, so a burst after the restart joins its incident', async () => {
    const before = await get(`${server!.url}/api/incidents?source_ip=203.0.113.66`)
    expect(before.json.total).toBe(2)
    const latest = before.json.incidents[0]
    // 11:10, ten minutes after the second incident's last alert (the incident window is 30 min), and
    // after the 5-minute correlation window that the restart carried over (a burst inside it would join
    // the earlier firing, as it would have without the restart)
    const burst = Array.from({ length: 10 }, (_, i) => fail(11, i, 'admin', 10)).join('\n')
    expect((await post(`${server!.url}/api/ingest`, burst, 'text/plain')).status).toBe(202)
    const after = await get(`${server!.url}/api/incidents?source_ip=203.0.113.66`)
    expect(after.json.total).toBe(2)
    const same = after.json.incidents.find((i: { id: string }) => i.id === latest.id)
    expect(same.alert_count).toBe(2)
    expect(Object.values(same.fingerprints as Record<string, { count: number }>)[0]!.count).toBe(2)
  })
})
