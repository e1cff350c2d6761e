/** Statistics: counts from the store, what each component received, sent and dropped, the rule set, the Kafka consumer. */
import type { DropReason } from '../errors.js'
import type { Store } from '../sinks/clickhouse/client.js'
import type { Telemetry } from '../telemetry/counters.js'
import type { RuleStats } from '../transforms/detect/types.js'

export interface StatsReport {
  total_events: number
  total_incidents: number
  dead_letters: number
  incidents_by_severity: Record<string, number>
  incidents_by_status: Record<string, number>
  events_by_decoder: Record<string, number>
  total_alerts: number
  alerts_by_severity: Record<string, number>
  detection: Record<string, unknown>
  pipeline: Record<string, unknown>
  kafka?: unknown
}

export interface Stats {
  report(): Promise<StatsReport>
  /** Prometheus text exposition of every counter and gauge. */
  prometheus(): string
  /** Counts a request the API refused before any source saw it (e.g. rate limited), on the source's counters. */
  refused(source: string, reason: DropReason): void
}

/** What the stats read from the running pipeline, besides the store and the counters. */
export interface StatsSources {
  /** The rule set as the workers compiled it (undefined: detection off, or not warmed up yet). */
  ruleStats(): RuleStats | undefined
  ruleDirs: readonly string[]
  correlationGroups(): number
  decodeTotals(): { decoders: Record<string, number>; statuses: Record<string, number> }
  kafka?: () => unknown
}

export class StoreStats implements Stats {
  constructor(
    private readonly store: Store,
    private readonly telemetry: Telemetry,
    private readonly from: StatsSources,
  ) {}

  async report(): Promise<StatsReport> {
    const q = async <T>(query: string) => (await this.store.client.query({ query, format: 'JSONEachRow' })).json<T>()
    const [events, dead, bySev, byStatus, byDecoder, alertsBySev] = await Promise.all([
      q<{ n: string }>('SELECT count() AS n FROM events'),
      q<{ n: string }>('SELECT count() AS n FROM dead_letters'),
      q<{ k: string; n: string }>('SELECT severity AS k, count() AS n FROM incidents FINAL GROUP BY k'),
      q<{ k: string; n: string }>('SELECT status AS k, count() AS n FROM incidents FINAL GROUP BY k'),
      q<{ k: string; n: string }>('SELECT decoder AS k, count() AS n FROM events GROUP BY k'),
      q<{ k: string; n: string }>('SELECT severity AS k, count() AS n FROM alerts FINAL GROUP BY k'),
    ])
    const map = (rows: { k: string; n: string }[]) => Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]))
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0)
    const sev = map(bySev)
    const alerts = map(alertsBySev)
    const rules = this.from.ruleStats()
    const report: StatsReport = {
      total_events: Number(events[0]?.n ?? 0),
      total_incidents: sum(sev),
      dead_letters: Number(dead[0]?.n ?? 0),
      incidents_by_severity: sev,
      incidents_by_status: map(byStatus),
      events_by_decoder: map(byDecoder),
      total_alerts: sum(alerts),
      alerts_by_severity: alerts,
      detection: rules
        ? { sigma_rules: rules.rules, compiled: rules.compiled, correlations: rules.correlations, failed: rules.errors.length, errors: rules.errors.slice(0, 100), rule_dirs: [...this.from.ruleDirs], correlation_groups: this.from.correlationGroups() }
        : { sigma_rules: 0, compiled: 0, correlations: 0, failed: 0, errors: [], rule_dirs: [], note: 'detection off (DETECT_BUILTIN_RULES=false and no SIGMA_RULES_DIRS)' },
      pipeline: { ...this.telemetry.snapshot(), decode: this.from.decodeTotals() },
    }
    if (this.from.kafka) report.kafka = this.from.kafka()
    return report
  }

  prometheus(): string {
    return this.telemetry.prometheus()
  }

  refused(source: string, reason: DropReason): void {
    this.telemetry.component(source, 'source').drop(reason)
  }
}
