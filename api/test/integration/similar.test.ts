/**
 * Similar incidents end to end on the embedded defaults (the in-process index; the Elasticsearch
 * backend has its own test against a real node): incidents from real sshd lines, one closed by an
 * analyst, then the similar endpoint shows it with the reasons and how it was resolved, and the
 * index is refilled from ClickHouse after a restart.
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
const fail = (day: number, s: number, ip: string, user = 'root') => `Nov ${day} 10:00:${String(s).padStart(2, '0')} web1 sshd[${4000 + s}]: Failed password for ${user} from ${ip} port ${40000 + s} ssh2`
const burst = (day: number, ip: string, user?: string) => Array.from({ length: 12 }, (_, s) => fail(day, s, ip, user)).join('\n')
const byIp = async (ip: string) => (await get(`${server!.url}/api/incidents?source_ip=${ip}`)).json.incidents as Array<{ id: string; first_seen: string }>

describe('similar incidents (embedded index)', () => {
  let first: string
  let second: string
  it('shows the past incident of the same attacker first, with why and how it was closed', async () => {
    server = await start()
    // the same attacker on two days (two incidents), and an unrelated one
    for (const body of [burst(20, '203.0.113.66'), burst(22, '203.0.113.66', 'admin'), burst(21, '198.51.100.23', 'oracle')]) expect((await post(`${server.url}/api/ingest`, body, 'text/plain')).status).toBe(202)
    const mine = (await byIp('203.0.113.66')).sort((a, b) => a.first_seen.localeCompare(b.first_seen))
    expect(mine).toHaveLength(2)
    first = mine[0]!.id
    second = mine[1]!.id
    const closed = await fetch(`${server.url}/api/incident/${first}/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'closed', close_reason: 'false_positive', reason: 'pentest' }),
    })
    expect(closed.status).toBe(200)
    const r = await get(`${server.url}/api/incident/${second}/similar`)
    expect(r.status).toBe(200)
    expect(r.json.id).toBe(second)
    const [top, ...rest] = r.json.similar
    expect(top).toMatchObject({ id: first, status: 'closed', disposition: 'false_positive', closed_by: 'admin' })
    expect(top.closed_at).toEqual(expect.any(String))
    expect(top.reasons.entities).toContain('source_ip=203.0.113.66')
    expect(top.reasons.rules.length).toBeGreaterThan(0)
    expect(top.reasons.techniques).toContain('T1110.001')
    // the unrelated attacker shares the rule only: below
    const other = rest.find((s: { reasons: { entities: string[] } }) => !s.reasons.entities.includes('source_ip=203.0.113.66'))
    if (other) expect(other.score).toBeLessThan(top.score)
    expect(r.json.similar.map((s: { id: string }) => s.id)).not.toContain(second)
    expect((await get(`${server.url}/api/incident/${second}/similar?limit=1`)).json.similar).toHaveLength(1)
    expect((await get(`${server.url}/api/incident/nope/similar`)).status).toBe(404)
  })

  it('lists the incidents whose events fall in a time range (from/to)', async () => {
    const year = (await get(`${server!.url}/api/incident/${first}`)).json.first_seen.slice(0, 4)
    const day21 = await get(`${server!.url}/api/incidents?from=${year}-11-21T00:00:00Z&to=${year}-11-21T23:59:59Z`)
    expect(day21.json.total).toBe(1)
    expect(day21.json.incidents[0].source_ip).toBe('198.51.100.23')
    expect((await get(`${server!.url}/api/incidents?from=${year}-11-20T00:00:00Z`)).json.total).toBe(3)
    expect((await get(`${server!.url}/api/incidents?to=${year}-11-20T23:59:59Z`)).json.total).toBe(1)
  })

  it('answers the same after a restart (the embedded index is refilled from ClickHouse)', async () => {
    await server!.stop()
    server = await start()
    const r = await get(`${server.url}/api/incident/${second}/similar`)
    expect(r.json.similar[0]).toMatchObject({ id: first, disposition: 'false_positive' })
    const health = await get(`${server.url}/api/health`)
    expect(health.json.components.search).toMatchObject({ status: 'ok', backend: 'embedded' })
    expect(health.json.components.search.documents).toBeGreaterThanOrEqual(3)
  })
})
