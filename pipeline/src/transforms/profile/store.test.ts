/**
 * Entity profiles: arithmetic of the merged deltas, risk decay and tactic weighting, the same
 * result however events are split over workers, bounded memory with eviction and reload, and
 * updates that arrive before a persisted profile is loaded are kept.
 * (The ClickHouse persistence itself is exercised by api/test/integration/incidents.test.ts.)
 */
import type { CanonicalEvent, EntityKind, EntityProfile } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { DeltaCollector } from './delta.js'
import { RFC1918_AND_LOCAL } from '../../lib/cidr.js'
import { ProfileStore, type ProfilePersistence } from './store.js'

const HOUR = 3_600_000
const opts = { maxInMemory: 1000, halfLifeMs: HOUR, internalCidrs: RFC1918_AND_LOCAL }

let n = 0
function ev(p: { t?: string; src?: string; dst?: string; port?: number; user?: string; host?: string; type?: string; sev?: number }): CanonicalEvent {
  const e: CanonicalEvent = { '@timestamp': p.t ?? '2026-11-23T10:00:00.000Z', event: { id: `e${++n}` }, watchfloor: { decoder: 'legacy', decode_status: 'ok', source: 'test' } }
  if (p.type) e.watchfloor.event_type = p.type
  if (p.sev !== undefined) e.event.severity = p.sev
  if (p.src) e.source = { ip: p.src }
  if (p.dst) e.destination = { ip: p.dst, ...(p.port !== undefined ? { port: p.port } : {}) }
  if (p.user) e.user = { name: p.user }
  if (p.host) e.host = { name: p.host }
  return e
}

function storeOf(events: CanonicalEvent[], split = 1, s = new ProfileStore(opts)): ProfileStore {
  const collectors = Array.from({ length: split }, () => new DeltaCollector())
  events.forEach((e, i) => collectors[i % split]!.add(e))
  // deltas of the "workers" arrive in any order
  for (const c of collectors.reverse()) for (const d of c.result()) s.applyDelta(d)
  return s
}

const attack = [
  ev({ t: '2026-11-23T10:00:00.000Z', src: '203.0.113.9', dst: '10.0.0.5', port: 22, user: 'root', host: 'web1', type: 'ssh_failed_login', sev: 47 }),
  ev({ t: '2026-11-23T10:00:05.000Z', src: '203.0.113.9', dst: '10.0.0.5', port: 22, user: 'admin', host: 'web1', type: 'ssh_failed_login', sev: 47 }),
  ev({ t: '2026-11-23T10:01:00.000Z', src: '203.0.113.9', dst: '10.0.0.6', port: 3389, user: 'administrator', host: 'dc1', type: 'rdp_failed_login', sev: 73 }),
  ev({ t: '2026-11-23T09:59:00.000Z', src: '203.0.113.9', dst: '10.0.0.5', port: 22, type: 'connection' }),
]

describe('profile arithmetic', () => {
  it('counts events, types, severities, ports, users, hosts and first/last seen per entity', () => {
    const s = storeOf(attack)
    const p = s.all().find((x) => x.kind === 'source_ip' && x.entity === '203.0.113.9')!
    expect(p).toMatchObject({
      events: 4,
      event_types: { ssh_failed_login: 2, rdp_failed_login: 1, connection: 1 },
      severities: { MEDIUM: 2, HIGH: 1, NONE: 1 },
      ports: [22, 3389],
      users: ['admin', 'administrator', 'root'],
      hosts: ['10.0.0.5', '10.0.0.6', 'dc1', 'web1'],
      first_seen: '2026-11-23T09:59:00.000Z',
      last_seen: '2026-11-23T10:01:00.000Z',
      internal: false,
    })
    const dst = s.all().find((x) => x.kind === 'destination_ip' && x.entity === '10.0.0.5')!
    expect(dst).toMatchObject({ events: 3, internal: true, ports: [22] })
    expect(s.all().find((x) => x.kind === 'user' && x.entity === 'root')).toMatchObject({ events: 1, hosts: ['10.0.0.5', 'web1'] })
    expect(s.all().find((x) => x.kind === 'host' && x.entity === 'web1')).toMatchObject({ events: 2, users: ['admin', 'root'] })
  })

  it('gives the same profiles whatever the split of events over workers', () => {
    const events = Array.from({ length: 300 }, (_, i) => ev({ t: new Date(Date.UTC(2026, 10, 23, 10, 0, i % 60)).toISOString(), src: `10.1.0.${i % 7}`, dst: `10.2.0.${i % 5}`, port: 1000 + (i % 9), user: `u${i % 4}`, host: `h${i % 3}`, type: i % 2 ? 'a' : 'b', sev: (i % 4) * 30 }))
    const sorted = (s: ProfileStore) => s.all().sort((a, b) => (a.kind + a.entity).localeCompare(b.kind + b.entity))
    const one = sorted(storeOf(events, 1))
    expect(sorted(storeOf(events, 2))).toEqual(one)
    expect(sorted(storeOf(events, 7))).toEqual(one)
    expect(one.find((p) => p.kind === 'source_ip' && p.entity === '10.1.0.0')!.events).toBe(43)
  })
})

describe('risk score', () => {
  const alert = (t: string, severity: string, tactics: string[] = ['credential-access']) => ({ timestamp: t, severity, techniques: ['T1110'], tactics, entities: { source_ip: '203.0.113.9', destination_ip: '10.0.0.5' } })

  it("adds alert weight and halves every half-life of the entity's own time", () => {
    const s = storeOf(attack)
    s.applyAlert(alert('2026-11-23T10:00:00.000Z', 'HIGH'))
    expect(s.riskOf('source_ip', '203.0.113.9')).toBe(40)
    expect(s.riskOf('destination_ip', '10.0.0.5')).toBe(20) // the target carries half
    // one half-life later the same address is seen again
    storeOf([ev({ t: '2026-11-23T11:00:00.000Z', src: '203.0.113.9' })], 1, s)
    expect(s.riskOf('source_ip', '203.0.113.9')).toBe(20)
    s.applyAlert(alert('2026-11-23T11:00:00.000Z', 'MEDIUM'))
    expect(s.riskOf('source_ip', '203.0.113.9')).toBe(35)
  })

  it("is not moved by another entity's clock: one event dated 2099 elsewhere leaves every risk as it was", () => {
    const s = storeOf(attack)
    s.applyAlert(alert('2026-11-23T10:00:00.000Z', 'HIGH'))
    storeOf([ev({ t: '2099-12-31T00:00:00.000Z', src: '192.0.2.1', host: 'skewed' })], 1, s)
    s.applyAlert({ ...alert('2099-12-31T00:00:00.000Z', 'LOW'), entities: { source_ip: '192.0.2.1' } })
    expect(s.riskOf('source_ip', '203.0.113.9')).toBe(40)
    expect(s.riskOf('destination_ip', '10.0.0.5')).toBe(20)
  })

  it('weights several tactics up and caps at 100', () => {
    const s = new ProfileStore(opts)
    s.applyAlert(alert('2026-11-23T10:00:00.000Z', 'MEDIUM', ['reconnaissance']))
    s.applyAlert(alert('2026-11-23T10:00:01.000Z', 'MEDIUM', ['credential-access']))
    s.applyAlert(alert('2026-11-23T10:00:02.000Z', 'MEDIUM', ['lateral-movement']))
    expect(s.riskOf('source_ip', '203.0.113.9')).toBe(67) // 45 x (1 + 0.25 x 2) = 67.5, less 2 s of decay
    for (let i = 0; i < 5; i++) s.applyAlert(alert('2026-11-23T10:00:03.000Z', 'CRITICAL'))
    expect(s.riskOf('source_ip', '203.0.113.9')).toBe(100)
  })

  it('handles alerts arriving out of order', () => {
    const a = new ProfileStore(opts)
    a.applyAlert(alert('2026-11-23T12:00:00.000Z', 'HIGH'))
    a.applyAlert(alert('2026-11-23T10:00:00.000Z', 'HIGH'))
    const b = new ProfileStore(opts)
    b.applyAlert(alert('2026-11-23T10:00:00.000Z', 'HIGH'))
    b.applyAlert(alert('2026-11-23T12:00:00.000Z', 'HIGH'))
    expect(a.riskOf('source_ip', '203.0.113.9')).toBe(50) // 40 + 40/4
    expect(b.riskOf('source_ip', '203.0.113.9')).toBe(50)
  })
})

/** Persistence held in a Map (the store's contract; ClickHouse implements the same in persist.ts). */
class MapPersistence implements ProfilePersistence {
  readonly rows = new Map<string, EntityProfile>()
  loads = 0
  async load(keys: Array<{ kind: EntityKind; entity: string }>) {
    this.loads++
    return keys.map((k) => this.rows.get(`${k.kind}/${k.entity}`)).filter((p): p is EntityProfile => p !== undefined)
  }
  async keys(each: (kind: EntityKind, entity: string) => void) {
    for (const p of this.rows.values()) each(p.kind, p.entity)
  }
  async save(ps: EntityProfile[]) {
    for (const p of ps) this.rows.set(`${p.kind}/${p.entity}`, structuredClone(p))
  }
}

describe('bounded memory and reload', () => {
  it('evicts the least recently seen, writes them, and reloads them when they come back', async () => {
    const db = new MapPersistence()
    const s = new ProfileStore({ ...opts, maxInMemory: 10 }, db)
    await s.init()
    const events = Array.from({ length: 50 }, (_, i) => ev({ src: `198.51.100.${i}`, type: 'x' }))
    storeOf(events, 1, s)
    expect(s.size).toBe(10)
    await s.flush()
    expect(db.rows.size).toBe(50)
    // entity 0 comes back: its persisted count is merged with the new event
    storeOf([ev({ src: '198.51.100.0', type: 'y' })], 1, s)
    await s.flush()
    expect((await s.get('source_ip', '198.51.100.0'))!.event_types).toEqual({ x: 1, y: 1 })
    expect(db.rows.get('source_ip/198.51.100.0')!.events).toBe(2)
    // a never-seen entity costs no lookup (the filter of persisted keys says it is new)
    const loads = db.loads
    storeOf([ev({ src: '192.0.2.200', type: 'z' })], 1, s)
    await s.flush()
    expect(db.loads).toBe(loads)
  })

  it('writes only the changed profiles, lets the event loop run while it makes them, and keeps a change made meanwhile for the next flush', async () => {
    const db = new MapPersistence()
    const s = new ProfileStore({ ...opts, maxInMemory: 10_000 }, db)
    await s.init()
    storeOf(Array.from({ length: 3000 }, (_, i) => ev({ src: `10.1.${i >> 8}.${i & 255}`, type: 'x' })), 1, s)
    const saved: number[] = []
    const save = db.save.bind(db)
    db.save = async (ps) => {
      saved.push(ps.length)
      return save(ps)
    }
    let done = false
    const flushing = s.flush().finally(() => (done = true))
    // the event loop runs while the documents are made, slice by slice: the first profile changes again meanwhile
    await new Promise((r) => setImmediate(r))
    expect(done).toBe(false)
    storeOf([ev({ src: '10.1.0.0', type: 'y' })], 1, s)
    expect(await flushing).toBe(3000)
    expect(db.rows.get('source_ip/10.1.0.0')!.events).toBe(1)
    // the next flush writes the one profile that changed since, with its new event
    expect(await s.flush()).toBe(1)
    expect(db.rows.get('source_ip/10.1.0.0')!.events).toBe(2)
    expect(saved).toEqual([3000, 1])
    expect(await s.flush()).toBe(0)
  })

  it('evicts the profile least recently seen, not the oldest', async () => {
    const s = new ProfileStore({ ...opts, maxInMemory: 3 })
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.1', '198.51.100.4']) storeOf([ev({ src: ip, type: 'x' })], 1, s)
    expect(s.size).toBe(3)
    expect(await s.get('source_ip', '198.51.100.2')).toBeUndefined()
    expect((await s.get('source_ip', '198.51.100.1'))!.events).toBe(2)
    expect((await s.get('source_ip', '198.51.100.3'))!.events).toBe(1)
  })

  it('keeps updates made before the persisted profile was loaded (restart)', async () => {
    const db = new MapPersistence()
    const before = new ProfileStore(opts, db)
    storeOf(attack, 1, before)
    before.applyAlert({ timestamp: '2026-11-23T10:01:00.000Z', severity: 'HIGH', techniques: ['T1110.001'], tactics: ['credential-access'], entities: { source_ip: '203.0.113.9' } })
    await before.flush()
    const after = new ProfileStore(opts, db) // a new process
    await after.init()
    storeOf([ev({ t: '2026-11-23T10:02:00.000Z', src: '203.0.113.9', type: 'ssh_failed_login', port: 2222, dst: '10.0.0.7' })], 1, after)
    const p = (await after.get('source_ip', '203.0.113.9'))!
    expect(p.events).toBe(5)
    expect(p.event_types.ssh_failed_login).toBe(3)
    expect(p.ports).toEqual([22, 2222, 3389])
    expect(p.techniques).toEqual(['T1110.001'])
    expect(p.risk_score).toBe(40)
    expect(p.first_seen).toBe('2026-11-23T09:59:00.000Z')
  })
})
