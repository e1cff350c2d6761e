/**
 * Per-component counters in the Vector style: every component counts what it received,
 * what it sent on, and what it dropped (always with a named reason). Rendered as JSON for
 * /api/stats and as Prometheus text for /metrics.
 */
import type { DropReason } from '../errors.js'
export type ComponentKind = 'source' | 'transform' | 'sink'

export class ComponentCounters {
  received = 0
  sent = 0
  readonly dropped = new Map<string, number>()
  errors = 0
  /** Records that were not valid UTF-8, kept with their exact bytes (sources). */
  invalidUtf8 = 0
  constructor(
    readonly name: string,
    readonly kind: ComponentKind,
  ) {}

  drop(reason: DropReason, n = 1): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + n)
  }

  get droppedTotal(): number {
    let t = 0
    for (const v of this.dropped.values()) t += v
    return t
  }

  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      received: this.received,
      sent: this.sent,
      dropped: this.droppedTotal,
      dropped_by_reason: Object.fromEntries(this.dropped),
      errors: this.errors,
      ...(this.kind === 'source' ? { invalid_utf8: this.invalidUtf8 } : {}),
    }
  }
}

export type GaugeFn = () => number

/** Where a stage runs: a transform worker thread, or the main thread. */
export type StageThread = 'worker' | 'main'

/**
 * Time spent per pipeline stage, per record: where the CPU of an event goes. Worker stages are
 * timed record by record on one task in `WORKER_TIMING_EVERY` (the clock reads cost less than
 * they measure), main-thread stages on every batch. Figures are thread time, which is CPU time
 * while the thread is not waiting for a core.
 */
export class StageTimers {
  private readonly stages = new Map<string, { thread: StageThread; ms: number; records: number }>()

  add(thread: StageThread, stage: string, ms: number, records: number): void {
    const key = `${thread}:${stage}`
    const t = this.stages.get(key)
    if (t === undefined) this.stages.set(key, { thread, ms, records })
    else {
      t.ms += ms
      t.records += records
    }
  }

  /** Per stage, in the order first seen: thread, seconds timed, records timed, microseconds per record. */
  snapshot(): Record<string, { thread: StageThread; seconds: number; records: number; us_per_record: number }> {
    const out: Record<string, { thread: StageThread; seconds: number; records: number; us_per_record: number }> = {}
    for (const [key, t] of this.stages) out[key] = { thread: t.thread, seconds: Math.round(t.ms) / 1000, records: t.records, us_per_record: t.records > 0 ? Math.round((t.ms * 1000 * 100) / t.records) / 100 : 0 }
    return out
  }

  entries(): Array<[string, { thread: StageThread; ms: number; records: number }]> {
    return [...this.stages]
  }
}

export class Telemetry {
  readonly components = new Map<string, ComponentCounters>()
  private readonly gauges = new Map<string, { help: string; fn: GaugeFn }>()
  private readonly labeled = new Map<string, { help: string; fn: () => Array<{ labels: Record<string, string>; value: number }> }>()
  readonly startedAt = Date.now()
  readonly stages = new StageTimers()

  component(name: string, kind: ComponentKind): ComponentCounters {
    let c = this.components.get(name)
    if (!c) {
      c = new ComponentCounters(name, kind)
      this.components.set(name, c)
    }
    return c
  }

  gauge(name: string, help: string, fn: GaugeFn): void {
    this.gauges.set(name, { help, fn })
  }

  /** A gauge with one value per label set (e.g. consumer lag per topic and partition). */
  labeledGauge(name: string, help: string, fn: () => Array<{ labels: Record<string, string>; value: number }>): void {
    this.labeled.set(name, { help, fn })
  }

  snapshot(): { uptime_seconds: number; components: Record<string, unknown>; gauges: Record<string, number>; stages: ReturnType<StageTimers['snapshot']> } {
    const components: Record<string, unknown> = {}
    for (const [name, c] of this.components) components[name] = c.toJSON()
    const gauges: Record<string, number> = {}
    for (const [name, g] of this.gauges) gauges[name] = g.fn()
    return { uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000), components, gauges, stages: this.stages.snapshot() }
  }

  prometheus(): string {
    const lines: string[] = []
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    const metric = (name: string, help: string, type: 'counter' | 'gauge', rows: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [labels, value] of rows) lines.push(`${name}${labels} ${value}`)
    }
    const all = [...this.components.values()]
    const lbl = (c: ComponentCounters) => `component="${esc(c.name)}",kind="${c.kind}"`
    metric('watchfloor_component_received_total', 'Records received by the component.', 'counter', all.map((c) => [`{${lbl(c)}}`, c.received]))
    metric('watchfloor_component_sent_total', 'Records the component passed on.', 'counter', all.map((c) => [`{${lbl(c)}}`, c.sent]))
    metric(
      'watchfloor_component_dropped_total',
      'Records the component dropped, by reason.',
      'counter',
      all.flatMap((c) => [...c.dropped].map(([reason, n]): [string, number] => [`{${lbl(c)},reason="${esc(reason)}"}`, n])),
    )
    metric('watchfloor_component_errors_total', 'Operational errors in the component.', 'counter', all.map((c) => [`{${lbl(c)}}`, c.errors]))
    metric(
      'watchfloor_component_invalid_utf8_total',
      'Records a source received that were not valid UTF-8 (stored with their exact bytes, base64).',
      'counter',
      all.filter((c) => c.kind === 'source').map((c) => [`{${lbl(c)}}`, c.invalidUtf8]),
    )
    for (const [name, g] of this.gauges) metric(`watchfloor_${name}`, g.help, 'gauge', [['', g.fn()]])
    for (const [name, g] of this.labeled)
      metric(`watchfloor_${name}`, g.help, 'gauge', g.fn().map((r) => [`{${Object.entries(r.labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`, r.value]))
    const timed = this.stages.entries().map(([key, t]): [string, { thread: string; ms: number; records: number }] => [`{stage="${esc(key.slice(key.indexOf(':') + 1))}",thread="${t.thread}"}`, t])
    metric('watchfloor_stage_seconds_total', 'Thread time spent in a pipeline stage on the records timed (worker stages: one task in several is timed).', 'counter', timed.map(([l, t]) => [l, t.ms / 1000]))
    metric('watchfloor_stage_records_total', 'Records the stage timer covered.', 'counter', timed.map(([l, t]) => [l, t.records]))
    metric('watchfloor_uptime_seconds', 'Seconds since start.', 'gauge', [['', Math.round((Date.now() - this.startedAt) / 1000)]])
    return lines.join('\n') + '\n'
  }
}
