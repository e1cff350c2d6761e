/**
 * Correlate stages: Sigma correlation windows (signals -> correlation alerts, on one correlator
 * per process so counts never split across workers), then alerts -> incidents.
 */
import { alertId, attackFromTags, severityOf } from '../detect/alerts.js'
import { tacticOrder } from '../detect/attack.js'
import type { CorrelationAlert, TaskAlert } from '../detect/types.js'
import type { Stage, StageBatch } from '../stage.js'
import type { IncidentBuilder } from './incidents.js'
import type { StreamCorrelator } from './signals.js'

/** Every alert of the batch, with its id, severity and ATT&CK: the workers' detections and the correlation firings, in event-time order. */
export class CorrelateStage implements Stage {
  readonly name = 'correlate'
  constructor(private readonly correlator: StreamCorrelator | undefined) {}
  process(batch: StageBatch): void {
    const all: Array<TaskAlert | CorrelationAlert> = [...batch.detections]
    if (this.correlator && batch.signals.length > 0) {
      const r = this.correlator.feed(batch.signals)
      all.push(...r.alerts)
      batch.joined = r.joined
    }
    // in event-time order: a correlation firing (the brute force) comes before the detections
    // that follow it in the same batch (the shell started after the login), as it happened
    let last = -Infinity
    const keyed = all.map((a, i) => {
      const t = Date.parse(a.timestamp)
      if (Number.isFinite(t)) last = t
      return { a, t: last, i }
    })
    keyed.sort((x, y) => x.t - y.t || x.i - y.i)
    batch.alerts = keyed.map(({ a }) => {
      const attack = attackFromTags(a.tags)
      return { id: alertId(a), alert: a, severity: severityOf(a.rule.level), techniques: attack.techniques, tactics: attack.tactics }
    })
  }
}

const TACTICS = new Set(tacticOrder())

/** The tactics a rule's tags name (`attack.credential-access`), else those of its techniques. */
function namedTactics(tags: readonly string[], resolved: readonly string[]): string[] {
  const named = tags.map((t) => t.toLowerCase().replace(/^attack\./, '').replace(/_/g, '-')).filter((t) => TACTICS.has(t))
  return named.length > 0 ? [...new Set(named)] : [...resolved]
}

export class IncidentStage implements Stage {
  readonly name = 'incidents'
  constructor(private readonly incidents: IncidentBuilder) {}
  process(batch: StageBatch): void {
    if (batch.alerts.length === 0) return
    const { incidents, incidentOf } = this.incidents.add(
      batch.alerts.map((a) => ({
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
        ...(a.alert.matched !== undefined ? { matched: a.alert.matched } : {}),
      })),
    )
    batch.incidents = incidents
    batch.incidentOf = incidentOf
  }
}
