/** Statistics: counts from the store, what each component received, sent and dropped, the rule set, the Kafka consumer. */
import type { DropReason } from '../errors.js'
import type { Store } from '../sinks/clickhouse/client.js'
import type { Telemetry } from '../telemetry/counters.js'
import type { RuleStats } from '../transforms/detect/types.js'
import { resolveTechnique } from '../transforms/detect/attack.js'

/** `YYYY-MM-DD hh:mm:ss.fff` UTC, as DateTime64(3, 'UTC') parameters take it. */
const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

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

/** The SOC overview for a time range: what the overview dashboard and the page at `/` chart. */
export interface Overview {
  from: string
  to: string
  /** Width of one bucket of `incidents_over_time`. */
  bucket_seconds: number
  /** Incidents by the time of their first event, per bucket and severity (buckets with none are left out). */
  incidents_over_time: Array<{ t: string; counts: Record<string, number> }>
  /** Incidents not closed, by status (whatever their time). */
  open_by_status: Record<string, number>
  /** Source addresses and users with the most alerts in the range. */
  top_sources: Array<{ value: string; alerts: number }>
  top_users: Array<{ value: string; alerts: number }>
  /** ATT&CK techniques of the range's alerts, with their name and tactics (kill-chain order). */
  attack: Array<{ technique: string; name: string; tactics: string[]; alerts: number }>
}

/** Bucket widths: the smallest that gives at most 60 buckets over the range. */
const BUCKETS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400, 30 * 86_400]

export function bucketFor(fromMs: number, toMs: number): number {
  const span = Math.max(1, (toMs - fromMs) / 1000)
  return BUCKETS.find((b) => span / b <= 60) ?? BUCKETS[BUCKETS.length - 1]!
}

export interface Stats {
  report(): Promise<StatsReport>
  /** The SOC overview of [from, to] (ISO 8601). */
  overview(range: { from: string; to: string }): Promise<Overview>
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

  async overview(range: { from: string; to: string }): Promise<Overview> {
    const fromMs = Date.parse(range.from)
    const toMs = Date.parse(range.to)
    const bucket = bucketFor(fromMs, toMs)
    const params = { from: chTime(fromMs), to: chTime(toMs), bucket, top: 10 }
    const q = async <T>(query: string) => (await this.store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
    const inRange = (col: string) => `${col} >= toDateTime64({from:String}, 3, 'UTC') AND ${col} <= toDateTime64({to:String}, 3, 'UTC')`
    const [buckets, open, sources, users, techniques] = await Promise.all([
      q<{ t: string; severity: string; n: string }>(
        `SELECT formatDateTime(toStartOfInterval(first_seen, INTERVAL {bucket:UInt32} SECOND), '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS t, severity, count() AS n FROM incidents FINAL WHERE ${inRange('first_seen')} GROUP BY t, severity ORDER BY t`,
      ),
      q<{ k: string; n: string }>(`SELECT status AS k, count() AS n FROM incidents FINAL WHERE status != 'closed' GROUP BY k`),
      q<{ value: string; n: string }>(`SELECT source_ip AS value, count() AS n FROM alerts FINAL WHERE ${inRange('timestamp')} AND source_ip != '' GROUP BY value ORDER BY n DESC, value LIMIT {top:UInt32}`),
      q<{ value: string; n: string }>(`SELECT user_name AS value, count() AS n FROM alerts FINAL WHERE ${inRange('timestamp')} AND user_name != '' GROUP BY value ORDER BY n DESC, value LIMIT {top:UInt32}`),
      q<{ technique: string; n: string }>(`SELECT arrayJoin(attack_techniques) AS technique, count() AS n FROM alerts FINAL WHERE ${inRange('timestamp')} GROUP BY technique ORDER BY n DESC, technique LIMIT 60`),
    ])
    const over = new Map<string, Record<string, number>>()
    for (const b of buckets) {
      const counts = over.get(b.t) ?? {}
      counts[b.severity] = Number(b.n)
      over.set(b.t, counts)
    }
    return {
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      bucket_seconds: bucket,
      incidents_over_time: [...over].map(([t, counts]) => ({ t, counts })),
      open_by_status: Object.fromEntries(open.map((r) => [r.k, Number(r.n)])),
      top_sources: sources.map((r) => ({ value: r.value, alerts: Number(r.n) })),
      top_users: users.map((r) => ({ value: r.value, alerts: Number(r.n) })),
      attack: techniques.map((r) => {
        const t = resolveTechnique(r.technique)
        return { technique: r.technique, name: t?.name ?? r.technique, tactics: t?.tactics ?? [], alerts: Number(r.n) }
      }),
    }
  }

  prometheus(): string {
    return this.telemetry.prometheus()
  }

  refused(source: string, reason: DropReason): void {
    this.telemetry.component(source, 'source').drop(reason)
  }
}
