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
})
