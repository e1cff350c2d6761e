import { describe, expect, it } from 'vitest'
import { Telemetry } from '../../telemetry/counters.js'
import { StreamCorrelator, taskSignal } from '../../transforms/correlate/signals.js'
import { compileCorrelation } from '../../transforms/detect/sigma/correlation.js'
import type { Store } from './client.js'
import { CorrelationWindows } from './correlation-windows.js'

describe('correlation windows sink', () => {
  it('keeps the groups a failed save could not write and saves them with the next run', async () => {
    const rule = compileCorrelation({ id: 'bf', title: 'bf', correlation: { type: 'event_count', rules: ['r'], 'group-by': ['src'], timespan: '5m', condition: { gte: 10 } } })
    const correlator = new StreamCorrelator([rule])
    const bodies: string[] = []
    let fail = true
    const store = {
      insertJsonRows: async (_t: string, body: string) => {
        if (fail) throw new Error('store down')
        bodies.push(body)
      },
    } as unknown as Store
    const counters = new Telemetry().component('clickhouse_correlation_windows', 'sink')
    const windows = new CorrelationWindows(store, correlator, { flushMs: 60_000, horizonMs: 300_000 }, counters)
    const signal = (i: number, src: string) => taskSignal({ corr: 'bf', steps: [0], key: [src] }, { index: i, eventId: `e${i}`, timestamp: new Date(1_000_000 + i * 1000).toISOString(), entities: {} })
    correlator.feed([signal(0, 'a')])
    await windows.save()
    expect(counters.errors).toBe(1)
    fail = false
    correlator.feed([signal(1, 'b')])
    await windows.save()
    const keys = bodies.join('').trim().split('\n').map((l) => (JSON.parse(l) as { group_key: string }).group_key.split('\u0000')[1])
    expect(keys.sort()).toEqual(['a', 'b'])
    expect(counters.sent).toBe(2)
    // saved: nothing is written again until something changes
    await windows.close()
    expect(bodies).toHaveLength(1)
  })

  it('saves while windows keep changing, a slice at a time with the event loop let through', async () => {
    const rule = compileCorrelation({ id: 'bf', title: 'bf', correlation: { type: 'event_count', rules: ['r'], 'group-by': ['src'], timespan: '5m', condition: { gte: 1000 } } })
    const correlator = new StreamCorrelator([rule])
    const rows: string[] = []
    const store = { insertJsonRows: async (_t: string, body: string) => void rows.push(...body.trim().split('\n')) } as unknown as Store
    const windows = new CorrelationWindows(store, correlator, { flushMs: 60_000, horizonMs: 300_000 }, new Telemetry().component('w', 'sink'))
    const signal = (i: number) => taskSignal({ corr: 'bf', steps: [0], key: [`10.0.${(i >> 8) & 255}.${i & 255}`] }, { index: i, eventId: `e${i}`, timestamp: new Date(1_000_000 + i).toISOString(), entities: {} })
    let i = 0
    for (; i < 5000; i++) correlator.feed([signal(i)])
    // traffic goes on between the slices: new windows change every turn of the loop
    let on = true
    const traffic = (async () => {
      while (on) {
        for (let k = 0; k < 50; k++, i++) correlator.feed([signal(i)])
        await new Promise((r) => setImmediate(r))
      }
    })()
    await windows.save()
    on = false
    await traffic
    // it ended, with every window changed before it began and some changed during it
    expect(rows.length).toBeGreaterThan(5000)
    expect(rows.length).toBeLessThan(i)
  })
})

