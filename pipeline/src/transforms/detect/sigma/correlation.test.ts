/**
 * Sigma correlation semantics: each correlation type, windows on event time, group-by, aliases,
 * chaining with `generate`, muting after a firing, conditions a stream cannot decide, and that the
 * state is one and the same however the signals were produced (several engines, as in several
 * workers, feeding one correlator).
 */
import { describe, expect, it } from 'vitest'
import { StreamCorrelator, taskSignal } from '../../correlate/signals.js'
import { SigmaEngine } from './engine.js'
import { compileCorrelation, Correlator } from './correlation.js'

const BASE = `
title: Failed logon
id: 00000000-0000-4000-8000-000000000001
name: failed_logon
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4625 }
  condition: selection
level: low
---
title: Successful logon
id: 00000000-0000-4000-8000-000000000002
name: successful_logon
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4624 }
  condition: selection
level: informational
---
title: Recon whoami
id: 00000000-0000-4000-8000-000000000003
name: recon_whoami
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\whoami.exe' }
  condition: selection
level: low
---
title: Recon net
id: 00000000-0000-4000-8000-000000000004
name: recon_net
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\net.exe' }
  condition: selection
level: low
`

const corr = (body: string) => `${BASE}\n---\n${body}`

let seq = 0
function logon(ok: boolean, t: string, user: string, ip = '10.0.0.9', host = 'dc1'): Record<string, unknown> {
  return { EventID: ok ? 4624 : 4625, Channel: 'Security', Computer: host, TargetUserName: user, IpAddress: ip, EventTime: t, RecordNumber: ++seq }
}
function proc(image: string, t: string, user = 'alice', host = 'ws1'): Record<string, unknown> {
  return { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: host, Image: image, User: user, UtcTime: t, RecordNumber: ++seq }
}

/** Runs records through one engine per "worker" (round robin) and one shared correlator. */
function run(yaml: string, records: Array<{ rec: Record<string, unknown>; ts: string }>, workers = 1) {
  const engines = Array.from({ length: workers }, () => SigmaEngine.fromYaml(yaml.split(/^---$/m)))
  const correlator = new StreamCorrelator(engines[0]!.correlations)
  const singles: string[] = []
  const fired: ReturnType<StreamCorrelator['feed']>['alerts'] = []
  const joined: ReturnType<StreamCorrelator['feed']>['joined'] = []
  records.forEach(({ rec, ts }, i) => {
    const { matches, signals } = engines[i % workers]!.detect(rec)
    for (const m of matches) singles.push(m.title)
    const sigs = signals.map((s) => taskSignal(s, { index: 0, eventId: `e${i + 1}`, timestamp: ts, entities: {} }))
    const r = correlator.feed(sigs)
    fired.push(...r.alerts)
    joined.push(...r.joined)
  })
  return { singles, fired, joined, correlator }
}

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 0, 1, 10, minute, second)).toISOString()

const BRUTE = corr(`
title: Many failed logons
id: 00000000-0000-4000-8000-0000000000a1
name: many_failed
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 5m
  condition: { gte: 5 }
level: high
tags: [attack.t1110]
`)

describe('event_count', () => {
  it('fires when the count is reached inside the timespan, once, listing the events', () => {
    const recs = Array.from({ length: 5 }, (_, i) => ({ rec: logon(false, at(0, i * 10), 'bob'), ts: at(0, i * 10) }))
    const { fired, singles } = run(BRUTE, recs)
    expect(fired).toHaveLength(1)
    expect(fired[0]!.rule.title).toBe('Many failed logons')
    expect(fired[0]!.eventIds).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'])
    expect(fired[0]!.correlation).toMatchObject({ type: 'event_count', groups: { IpAddress: '10.0.0.9' }, value: 5 })
    expect(fired[0]!.timestamp).toBe(at(0, 40))
    // the referenced rule does not alert on its own (generate defaults to false)
    expect(singles).toEqual([])
  })

  it('does not fire when the events are spread wider than the timespan', () => {
    const recs = Array.from({ length: 5 }, (_, i) => ({ rec: logon(false, at(i * 2), 'bob'), ts: at(i * 2) }))
    expect(run(BRUTE, recs).fired).toHaveLength(0)
  })

  it('keeps groups apart', () => {
    const recs = Array.from({ length: 6 }, (_, i) => ({ rec: logon(false, at(0, i), 'bob', i % 2 === 0 ? '10.0.0.1' : '10.0.0.2'), ts: at(0, i) }))
    expect(run(BRUTE, recs).fired).toHaveLength(0)
  })

  it('folds the rest of a burst into the alert instead of raising new ones, then fires again after the timespan', () => {
    const recs = Array.from({ length: 12 }, (_, i) => ({ rec: logon(false, at(0, i), 'bob'), ts: at(0, i) }))
    recs.push(...Array.from({ length: 5 }, (_, i) => ({ rec: logon(false, at(10, i), 'bob'), ts: at(10, i) })))
    const { fired, joined } = run(BRUTE, recs)
    expect(fired).toHaveLength(2)
    expect(joined.map((j) => j.eventId)).toEqual(['e6', 'e7', 'e8', 'e9', 'e10', 'e11', 'e12'])
  })

  it('ignores events without the group-by field instead of lumping them together', () => {
    const recs = Array.from({ length: 6 }, (_, i) => {
      const rec = logon(false, at(0, i), 'bob')
      delete rec.IpAddress
      return { rec, ts: at(0, i) }
    })
    expect(run(BRUTE, recs).fired).toHaveLength(0)
  })

  it('gives the same alerts when the events are matched by several workers', () => {
    const recs = Array.from({ length: 23 }, (_, i) => ({ rec: logon(false, at(0, i), 'bob', `10.0.0.${i % 3}`), ts: at(0, i) }))
    const one = run(BRUTE, recs, 1).fired.map((a) => a.eventIds)
    const three = run(BRUTE, recs, 3).fired.map((a) => a.eventIds)
    expect(one.length).toBe(3)
    expect(three).toEqual(one)
  })
})

describe('value_count', () => {
  const SPRAY = corr(`
title: Spray
id: 00000000-0000-4000-8000-0000000000a2
correlation:
  type: value_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 10m
  condition: { field: TargetUserName, gte: 3 }
level: high
`)
  it('counts distinct values, not events', () => {
    const same = Array.from({ length: 10 }, (_, i) => ({ rec: logon(false, at(0, i), 'bob'), ts: at(0, i) }))
    expect(run(SPRAY, same).fired).toHaveLength(0)
    const users = ['bob', 'bob', 'carol', 'bob', 'dave'].map((u, i) => ({ rec: logon(false, at(1, i), u), ts: at(1, i) }))
    const { fired } = run(SPRAY, users)
    expect(fired).toHaveLength(1)
    expect(fired[0]!.correlation.value).toBe(3)
    expect(fired[0]!.eventIds).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'])
  })

  it('forgets the values that left the window, however often they were seen', () => {
    // bob three times and carol early; 12 minutes later only dave is new: bob and carol left the 10-minute window
    const early = ['bob', 'bob', 'carol', 'bob'].map((u, i) => ({ rec: logon(false, at(0, i), u), ts: at(0, i) }))
    const late = ['dave', 'erin'].map((u, i) => ({ rec: logon(false, at(12, i), u), ts: at(12, i) }))
    expect(run(SPRAY, [...early, ...late]).fired).toHaveLength(0)
    // a third distinct user within the window fires, counting only the users still in it
    const more = ['frank'].map((u, i) => ({ rec: logon(false, at(13, i), u), ts: at(13, i) }))
    const { fired } = run(SPRAY, [...early, ...late, ...more])
    expect(fired).toHaveLength(1)
    expect(fired[0]!.correlation.value).toBe(3)
  })
})

describe('value_sum', () => {
  const VOLUME = `
title: Transfer
id: 00000000-0000-4000-8000-000000000010
name: transfer
logsource: { product: zeek, service: conn }
detection:
  selection: { orig_bytes|gt: 0 }
  condition: selection
---
title: Volume
id: 00000000-0000-4000-8000-0000000000a3
correlation:
  type: value_sum
  rules: [transfer]
  group-by: [id.orig_h]
  timespan: 1h
  condition: { field: orig_bytes, gte: 1000 }
level: high
`
  it('sums the field over the window', () => {
    const conn = (b: number, m: number) => ({ rec: { _path: 'conn', uid: `C${m}`, 'id.orig_h': '10.1.1.1', 'id.orig_p': 5000, 'id.resp_h': '8.8.8.8', 'id.resp_p': 443, orig_bytes: b, ts: 0 }, ts: at(m) })
    expect(run(VOLUME, [conn(400, 0), conn(500, 10)]).fired).toHaveLength(0)
    const { fired } = run(VOLUME, [conn(400, 0), conn(500, 10), conn(200, 20)])
    expect(fired).toHaveLength(1)
    expect(fired[0]!.correlation.value).toBe(1100)
  })
})

describe('temporal and temporal_ordered', () => {
  const TEMPORAL = corr(`
title: Recon burst
id: 00000000-0000-4000-8000-0000000000a4
correlation:
  type: temporal
  rules: [recon_net, recon_whoami]
  group-by: [Computer]
  timespan: 5m
level: medium
`)
  const ORDERED = corr(`
title: Brute force then success
id: 00000000-0000-4000-8000-0000000000a5
correlation:
  type: temporal_ordered
  rules: [many_failed, successful_logon]
  group-by: [IpAddress]
  timespan: 30m
level: critical
---
title: Many failed logons
id: 00000000-0000-4000-8000-0000000000a1
name: many_failed
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 5m
  condition: { gte: 3 }
level: high
`)
  it('temporal fires when every rule matched in the window, in any order', () => {
    const { fired } = run(TEMPORAL, [
      { rec: proc('C:\\Windows\\System32\\whoami.exe', at(0)), ts: at(0) },
      { rec: proc('C:\\Windows\\System32\\net.exe', at(1)), ts: at(1) },
    ])
    expect(fired.map((a) => a.rule.title)).toEqual(['Recon burst'])
  })

  it('temporal does not fire on one rule repeated, nor across hosts', () => {
    expect(run(TEMPORAL, [0, 1, 2].map((m) => ({ rec: proc('C:\\Windows\\System32\\whoami.exe', at(m)), ts: at(m) }))).fired).toHaveLength(0)
    expect(
      run(TEMPORAL, [
        { rec: proc('C:\\Windows\\System32\\whoami.exe', at(0), 'alice', 'ws1'), ts: at(0) },
        { rec: proc('C:\\Windows\\System32\\net.exe', at(1), 'alice', 'ws2'), ts: at(1) },
      ]).fired,
    ).toHaveLength(0)
  })

  it('temporal_ordered chains a correlation and needs the order', () => {
    const fails = [0, 1, 2].map((s) => ({ rec: logon(false, at(0, s), 'bob'), ts: at(0, s) }))
    const success = { rec: logon(true, at(3), 'bob'), ts: at(3) }
    const { fired, singles } = run(ORDERED, [...fails, success])
    // the inner correlation is a step of a non-generating correlation: only the outer one alerts
    expect(fired.map((a) => a.rule.title)).toEqual(['Brute force then success'])
    expect(fired[0]!.eventIds).toEqual(['e1', 'e2', 'e3', 'e4'])
    expect(singles).toEqual([])
    // success first, failures after: no alert
    expect(run(ORDERED, [{ rec: logon(true, at(0), 'bob'), ts: at(0) }, ...[1, 2, 3].map((s) => ({ rec: logon(false, at(1, s), 'bob'), ts: at(1, s) }))]).fired).toHaveLength(0)
  })
})

describe('aliases and compilation', () => {
  it('groups on an alias that maps to different fields per rule', () => {
    const yaml = corr(`
title: Same account on both sides
id: 00000000-0000-4000-8000-0000000000a6
correlation:
  type: temporal
  rules: [failed_logon, recon_whoami]
  group-by: [account]
  timespan: 10m
  aliases:
    account:
      failed_logon: TargetUserName
      recon_whoami: User
level: high
`)
    const { fired } = run(yaml, [
      { rec: logon(false, at(0), 'mallory'), ts: at(0) },
      { rec: proc('C:\\Windows\\System32\\whoami.exe', at(1), 'mallory'), ts: at(1) },
    ])
    expect(fired).toHaveLength(1)
    expect(fired[0]!.correlation.groups).toEqual({ account: 'mallory' })
  })

  it('reports correlations a stream cannot decide, and bad timespans, as compile errors', () => {
    const engine = SigmaEngine.fromYaml([
      'title: a\nid: x1\ncorrelation: { type: event_count, rules: [r], group-by: [h], timespan: 5m, condition: { lt: 3 } }',
      'title: b\nid: x2\ncorrelation: { type: event_count, rules: [r], group-by: [h], timespan: 5 minutes, condition: { gte: 3 } }',
      'title: c\nid: x3\ncorrelation: { type: value_count, rules: [r], group-by: [h], timespan: 5m, condition: { gte: 3 } }',
    ])
    expect(engine.stats.errors.map((e) => e.reason)).toEqual([
      expect.stringContaining('no lower bound'),
      expect.stringContaining('timespan'),
      expect.stringContaining('condition.field'),
    ])
  })

  it('saves its open windows and takes them back elsewhere: the count goes on, no event counted twice', () => {
    const rule = compileCorrelation({ id: 'bf', title: 'brute force', correlation: { type: 'event_count', rules: ['r'], 'group-by': ['src'], timespan: '5m', condition: { gte: 10 } } })
    const obs = (i: number, src = '203.0.113.9') => ({ signal: { corr: 'bf', steps: [0], key: [src] }, ts: 1_000_000 + i * 1000, eventId: `e${i}`, extra: undefined })
    const before = new Correlator([rule])
    for (let i = 0; i < 6; i++) expect(before.observe(obs(i)).fired).toEqual([])
    const saved = before.takeChanged()
    expect(saved).toHaveLength(1)
    expect(before.takeChanged()).toEqual([]) // nothing changed since
    // another process (or this one after a restart) takes the window, twice: merged, not doubled
    const after = new Correlator([rule])
    expect(after.restore(JSON.parse(JSON.stringify(saved)))).toBe(1)
    after.restore(JSON.parse(JSON.stringify(saved)))
    for (let i = 6; i < 9; i++) expect(after.observe(obs(i)).fired).toEqual([])
    const fired = after.observe(obs(9)).fired
    expect(fired).toHaveLength(1)
    expect(fired[0]!.value).toBe(10)
    expect(fired[0]!.eventIds).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`))
    // a window merged into one this process already holds keeps both sides' events, once each
    const other = new Correlator([rule])
    for (let i = 4; i < 8; i++) other.observe(obs(i))
    other.restore(JSON.parse(JSON.stringify(saved)))
    const f2 = [8, 9].map((i) => other.observe(obs(i)).fired).flat()
    expect(f2).toHaveLength(1)
    expect(f2[0]!.eventIds).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`))
    // and the mute after a firing travels too: the next events join that firing, they do not fire again
    const muted = new Correlator([rule])
    muted.restore(after.takeChanged())
    expect(muted.observe(obs(10)).joined).toHaveLength(1)
  })

  it('keeps at most maxGroups windows in memory', () => {
    const c = new Correlator([compileCorrelation({ id: 'c', title: 'c', correlation: { type: 'event_count', rules: ['r'], 'group-by': ['h'], timespan: '1h', condition: { gte: 100 } } })], { maxGroups: 1000 })
    for (let i = 0; i < 5000; i++) c.observe({ signal: { corr: 'c', steps: [0], key: [`h${i}`] }, ts: i, eventId: `e${i}`, extra: undefined })
    expect(c.groupCount).toBe(1000)
    expect(c.evicted).toBe(4000)
  })

  it('holds at most maxItems events over all windows, dropping the least recently touched windows', () => {
    const c = new Correlator([compileCorrelation({ id: 'c', title: 'c', correlation: { type: 'value_count', rules: ['r'], 'group-by': ['h'], timespan: '1h', condition: { field: 'port', gte: 10 } } })], { maxItems: 100 })
    const see = (h: string, i: number, port = '22') => c.observe({ signal: { corr: 'c', steps: [0], key: [h], value: port }, ts: i, eventId: `e${i}`, extra: undefined })
    // a scan that never reaches its threshold, from 40 addresses, 5 events each: 200 events
    for (let i = 0; i < 200; i++) see(`h${i % 40}`, i)
    expect(c.itemTotal).toBeLessThanOrEqual(100)
    expect(c.evicted).toBeGreaterThan(0)
    // the window touched last still counts: 9 more distinct ports fire it
    for (let p = 1; p <= 8; p++) see('h39', 1000 + p, String(1000 + p))
    expect(see('h39', 2000, '2000').fired).toHaveLength(1)
  })

  it('keeps a window that repeats one value bounded, and its distinct count and events exact', () => {
    const c = new Correlator([compileCorrelation({ id: 'c', title: 'c', correlation: { type: 'value_count', rules: ['r'], 'group-by': ['h'], timespan: '1h', condition: { field: 'port', gte: 3 } } })], { maxEventsPerAlert: 10 })
    const see = (i: number, port: string) => c.observe({ signal: { corr: 'c', steps: [0], key: ['h'], value: port }, ts: i, eventId: `e${i}`, extra: undefined })
    see(0, 'a')
    for (let i = 1; i < 5000; i++) see(i, 'b')
    expect(c.itemTotal).toBeLessThanOrEqual(21)
    const f = see(5000, 'c').fired
    expect(f).toHaveLength(1)
    expect(f[0]!.value).toBe(3)
    // the alert lists the last 10 events, as without the bound
    expect(f[0]!.eventIds).toEqual(Array.from({ length: 10 }, (_, k) => `e${4991 + k}`))
  })

  it('evicts the least recently touched window first, and saves each changed window once', () => {
    const c = new Correlator([compileCorrelation({ id: 'c', title: 'c', correlation: { type: 'event_count', rules: ['r'], 'group-by': ['h'], timespan: '1h', condition: { gte: 3 } } })], { maxGroups: 3 })
    const see = (h: string, i: number) => c.observe({ signal: { corr: 'c', steps: [0], key: [h] }, ts: i, eventId: `e${i}`, extra: undefined })
    see('a', 1)
    see('b', 2)
    see('c', 3)
    see('a', 4) // a is the most recent now; b the least
    see('d', 5) // evicts b
    expect(c.evicted).toBe(1)
    // a kept its two events: a third fires it
    expect(see('a', 6).fired).toHaveLength(1)
    // b starts over: two more do not fire it
    see('b', 7)
    expect(see('b', 8).fired).toHaveLength(0)
    // the new b pushed out c (untouched since it came); the saved windows are those still held, each once
    expect(c.evicted).toBe(2)
    expect(c.takeChanged().map((g) => g.key.split('\u0000')[1])).toEqual(['a', 'b', 'd'])
    expect(c.takeChanged()).toEqual([])
  })
})
