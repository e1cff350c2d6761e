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
import { Periodic } from './periodic.js'
import { mapInSlices, yieldToLoop } from '../../lib/yield.js'
import { chTime, rowJson } from './values.js'

/** Windows copied per slice, and at most per save (the rest wait for the next run). */
const SLICE = 2000
const MAX_PER_SAVE = 200_000

export class CorrelationWindows {
  private readonly periodic: Periodic
  /** Groups a failed save could not write: saved with the next changes (a newer state of a group wins). */
  private unsaved = new Map<string, SavedGroup>()

  constructor(
    private readonly store: Store,
    private readonly correlator: StreamCorrelator,
    private readonly opts: { flushMs: number; horizonMs: number },
    private readonly counters: ComponentCounters,
  ) {
    this.periodic = new Periodic(() => this.write(), opts.flushMs)
  }

  start(): void {
    this.periodic.start()
  }

  /** Saves the groups changed since the last save, and any a failed save left. */
  save(): Promise<void> {
    return this.periodic.now()
  }

  private async write(): Promise<void> {
    // a slice of the changed windows at a time, the event loop let through between slices; it ends
    // when a slice drains the list (windows changed meanwhile are saved now, or by the next run)
    for (;;) {
      const taken = this.correlator.takeChanged(SLICE)
      for (const g of taken) this.unsaved.set(g.key, g)
      if (taken.length < SLICE || this.unsaved.size >= MAX_PER_SAVE) break
      await yieldToLoop()
    }
    if (this.unsaved.size === 0) return
    const groups = [...this.unsaved.values()]
    const now = chTime(new Date().toISOString())
    const body = (await mapInSlices(groups, 2000, (g) => rowJson({ group_key: g.key, updated_at: now, last_ts: chTime(new Date(g.lastTs).toISOString()), state: JSON.stringify(g) }))).join('\n') + '\n'
    try {
      await this.store.insertJsonRows('correlation_windows', body, {})
      this.unsaved = new Map()
      this.counters.sent += groups.length
    } catch {
      // nothing is lost: the groups stay in `unsaved` for the next run
      this.counters.errors++
    }
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

  close(): Promise<void> {
    return this.periodic.close()
  }
}
