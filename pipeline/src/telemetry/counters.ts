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
    }
  }
}

export type GaugeFn = () => number

export class Telemetry {
  readonly components = new Map<string, ComponentCounters>()
  private readonly gauges = new Map<string, { help: string; fn: GaugeFn }>()
  private readonly labeled = new Map<string, { help: string; fn: () => Array<{ labels: Record<string, string>; value: number }> }>()
  readonly startedAt = Date.now()

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

  snapshot(): { uptime_seconds: number; components: Record<string, unknown>; gauges: Record<string, number> } {
    const components: Record<string, unknown> = {}
    for (const [name, c] of this.components) components[name] = c.toJSON()
    const gauges: Record<string, number> = {}
    for (const [name, g] of this.gauges) gauges[name] = g.fn()
    return { uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000), components, gauges }
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
    for (const [name, g] of this.gauges) metric(`watchfloor_${name}`, g.help, 'gauge', [['', g.fn()]])
    for (const [name, g] of this.labeled)
      metric(`watchfloor_${name}`, g.help, 'gauge', g.fn().map((r) => [`{${Object.entries(r.labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`, r.value]))
    metric('watchfloor_uptime_seconds', 'Seconds since start.', 'gauge', [['', Math.round((Date.now() - this.startedAt) / 1000)]])
    return lines.join('\n') + '\n'
  }
}
