/**
 * The open Sigma correlation windows in ClickHouse (`correlation_windows`): every `flushMs` the
 * groups that changed are saved; at start, and when a Kafka rebalance hands this process new
 * partitions, the groups saved within the last `horizonMs` are taken back (merged, never counted
 * twice). A brute force whose failures span a restart, or move from one process of a consumer
 * group to another, is still counted whole.
 */
import type { ComponentCounters } from '../../telemetry/counters.js'
import type { StreamCorrelator } from '../../transforms/correlate/signals.js'
import type { SavedGroup } from '../../transforms/detect/sigma/correlation.js'
import type { Store } from './client.js'
import { chTime, rowJson } from './values.js'

export class CorrelationWindows {
  private timer: NodeJS.Timeout | undefined
  private saving: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: Store,
    private readonly correlator: StreamCorrelator,
    private readonly opts: { flushMs: number; horizonMs: number },
    private readonly counters: ComponentCounters,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.save(), this.opts.flushMs)
    this.timer.unref()
  }

  /** Saves the groups changed since the last save (one at a time; a failed save is counted and retried with the next changes). */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const changed = this.correlator.takeChanged()
      if (changed.length === 0) return
      const now = chTime(new Date().toISOString())
      const body = changed.map((g) => rowJson({ group_key: g.key, updated_at: now, last_ts: chTime(new Date(g.lastTs).toISOString()), state: JSON.stringify(g) })).join('\n') + '\n'
      try {
        await this.store.insertJsonRows('correlation_windows', body, {})
        this.counters.sent += changed.length
      } catch {
        this.counters.errors++
        // the groups are still in memory: they are saved again at their next change
      }
    })
    return this.saving
  }

  /** Takes back the groups saved within the horizon; returns how many. */
  async load(): Promise<number> {
    const rs = await this.store.client.query({
      query: 'SELECT argMax(state, updated_at) AS state FROM correlation_windows WHERE updated_at >= now64(3) - toIntervalSecond({sec:UInt32}) GROUP BY group_key',
      query_params: { sec: Math.ceil(this.opts.horizonMs / 1000) },
      format: 'JSONEachRow',
    })
    const saved: SavedGroup[] = []
    for (const r of await rs.json<{ state: string }>()) {
      try {
        saved.push(JSON.parse(r.state) as SavedGroup)
      } catch {
        this.counters.errors++
      }
    }
    this.counters.received += saved.length
    return this.correlator.restore(saved)
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.save()
  }
}
