/**
 * The main thread's stages after the workers, in flow order: profile (merge the workers' deltas),
 * correlate (Sigma correlation windows, then alerts -> incidents) and triage (a verdict per changed
 * incident). One `Analyzer` per process holds all of that state, so events spread over workers
 * are counted once; the live pipeline and `watchfloor replay` both feed it task results in order.
 */
import type { Incident } from '@watchfloor/contracts'
import type { Config } from '../config/schema.js'
import { alertId, attackFromTags, severityOf } from '../transforms/detect/alerts.js'
import { tacticOrder } from '../transforms/detect/attack.js'
import { loadCorrelations, StreamCorrelator, type CorrelationAlert } from '../transforms/detect/correlate.js'
import { IncidentBuilder, type IncidentAlert } from '../transforms/correlate/incidents.js'
import { ProfileStore, type ProfilePersistence } from '../transforms/profile/store.js'
import { HeuristicTriager } from '../transforms/triage/heuristic.js'
import { ThreatIntel } from '../transforms/triage/intel.js'
import type { Triager } from '../transforms/triage/triager.js'
import type { TaskAlert, TransformResult } from '../workers/task.js'

export interface AnalyzedAlert {
  id: string
  alert: TaskAlert | CorrelationAlert
  severity: string
  techniques: string[]
  tactics: string[]
}

export interface Analysis {
  alerts: AnalyzedAlert[]
  /** Events folded into a recent correlation alert (the rest of a burst). */
  joined: Array<{ alertId: string; eventId: string }>
  /** Incidents that changed, at their new version. */
  incidents: Incident[]
  /** Alert id -> incident id, for the alerts of this result. */
  incidentOf: Map<string, string>
}

export interface AnalyzerOptions {
  ruleDirs: readonly string[]
  persistence?: ProfilePersistence
  triager?: Triager
  /** Profiles in memory (replay: unlimited, nothing is persisted). */
  maxProfiles?: number
}

const TACTICS = new Set(tacticOrder())

/** The tactics a rule's tags name (`attack.credential-access`), else those of its techniques. */
function namedTactics(tags: readonly string[], resolved: readonly string[]): string[] {
  const named = tags.map((t) => t.toLowerCase().replace(/^attack\./, '').replace(/_/g, '-')).filter((t) => TACTICS.has(t))
  return named.length > 0 ? [...new Set(named)] : [...resolved]
}

export class Analyzer {
  readonly correlator: StreamCorrelator | undefined
  readonly profiles: ProfileStore | undefined
  readonly incidents: IncidentBuilder
  readonly intel: ThreatIntel

  constructor(config: Pick<Config, 'profile' | 'incident'>, opts: AnalyzerOptions) {
    const correlations = loadCorrelations(opts.ruleDirs)
    this.correlator = correlations.length > 0 ? new StreamCorrelator(correlations) : undefined
    this.profiles = config.profile.enabled
      ? new ProfileStore({ maxInMemory: opts.maxProfiles ?? config.profile.maxInMemory, halfLifeMs: config.profile.riskHalfLifeMs, internalCidrs: config.profile.internalCidrs }, opts.persistence)
      : undefined
    this.intel = ThreatIntel.fromFiles(config.incident.threatIntelFiles)
    this.incidents = new IncidentBuilder({ windowMs: config.incident.windowMs }, opts.triager ?? new HeuristicTriager(), this.profiles, this.intel)
  }

  process(res: TransformResult): Analysis {
    if (this.profiles) for (const d of res.profiles) this.profiles.applyDelta(d)
    const all: Array<TaskAlert | CorrelationAlert> = [...res.alerts]
    let joined: Analysis['joined'] = []
    if (this.correlator && res.signals.length > 0) {
      const r = this.correlator.feed(res.signals)
      all.push(...r.alerts)
      joined = r.joined
    }
    const alerts: AnalyzedAlert[] = all.map((a) => {
      const attack = attackFromTags(a.tags)
      return { id: alertId(a), alert: a, severity: severityOf(a.rule.level), techniques: attack.techniques, tactics: attack.tactics }
    })
    if (alerts.length === 0) return { alerts, joined, incidents: [], incidentOf: new Map() }
    if (this.profiles) for (const a of alerts) this.profiles.applyAlert({ timestamp: a.alert.timestamp, severity: a.severity, techniques: a.techniques, tactics: a.tactics, entities: a.alert.entities })
    const inputs: IncidentAlert[] = alerts.map((a) => ({
      id: a.id,
      timestamp: a.alert.timestamp,
      rule: a.alert.rule,
      severity: a.severity,
      techniques: a.techniques,
      tactics: a.tactics,
      namedTactics: namedTactics(a.alert.tags, a.tactics),
      entities: a.alert.entities,
      eventIds: 'eventIds' in a.alert ? a.alert.eventIds : [a.alert.eventId],
      correlation: 'correlation' in a.alert,
    }))
    const { incidents, incidentOf } = this.incidents.add(inputs)
    return { alerts, joined, incidents, incidentOf }
  }
}
