/**
 * The main thread's side of Sigma correlation: one `Correlator` fed with the signals of every
 * worker's results, turning firings into alerts (one row per firing, listing the events that made
 * it fire). The live pipeline and `watchfloor replay` both use it.
 */
import { readFileSync } from 'node:fs'
import { alertId } from '../detect/alerts.js'
import { Correlator, silencedRefs, type CorrelationRule, type CorrelatorOptions, type SavedGroup, type Signal } from '../detect/sigma/correlation.js'
import { listRuleFiles, loadText, type LoadResult } from '../detect/sigma/load.js'
import type { AlertEntities, CorrelationAlert, TaskSignal } from '../detect/types.js'

export type { CorrelationAlert }

/** A rule match's signal as a task result carries it: where it came from (record, event, time, entities). */
export function taskSignal(s: Signal, at: Pick<TaskSignal, 'index' | 'eventId' | 'timestamp' | 'entities'>): TaskSignal {
  const t: TaskSignal = { index: at.index, eventId: at.eventId, timestamp: at.timestamp, entities: at.entities, corr: s.corr, steps: s.steps, key: s.key }
  if (s.value !== undefined) t.value = s.value
  return t
}

/** Correlation documents below the directories (files without a `correlation:` key are not parsed). */
export function loadCorrelations(dirs: readonly string[]): CorrelationRule[] {
  const res: LoadResult = { rules: [], correlations: [], errors: [], total: 0 }
  for (const f of listRuleFiles([...dirs])) {
    let text: string
    try {
      text = readFileSync(f, 'utf8')
    } catch {
      continue // reported by the workers' loader
    }
    if (/^correlation:/m.test(text)) loadText(text, f, res)
  }
  return res.correlations
}

export class StreamCorrelator {
  private readonly correlator: Correlator<AlertEntities>
  private readonly alertOfFire = new Map<string, string>()
  /** Correlations used only as a step of another correlation that does not `generate` them. */
  private readonly silenced: Set<string>

  constructor(readonly rules: readonly CorrelationRule[], opts: CorrelatorOptions = {}) {
    this.correlator = new Correlator(rules, opts)
    this.silenced = silencedRefs(rules).silenced
  }

  get groups(): number {
    return this.correlator.groupCount
  }

  /** Events held in all windows. */
  get items(): number {
    return this.correlator.itemTotal
  }

  /** The correlation windows changed since the last call (to save), and saved ones to take back. */
  takeChanged(max?: number): SavedGroup[] {
    return this.correlator.takeChanged(max)
  }

  restore(saved: readonly SavedGroup[]): number {
    return this.correlator.restore(saved)
  }

  /**
   * Feed the signals of one task result (in record order). Returns the alerts that fired and the
   * events folded into an alert that fired within the last timespan of the same group.
   */
  feed(signals: readonly TaskSignal[]): { alerts: CorrelationAlert[]; joined: Array<{ alertId: string; eventId: string }> } {
    const alerts: CorrelationAlert[] = []
    const joined: Array<{ alertId: string; eventId: string }> = []
    for (const s of signals) {
      const ts = Date.parse(s.timestamp)
      const r = this.correlator.observe({ signal: s, ts: Number.isFinite(ts) ? ts : 0, eventId: s.eventId, extra: s.entities })
      for (const f of r.fired) {
        if (this.silenced.has(f.rule.id) || (f.rule.name !== undefined && this.silenced.has(f.rule.name))) continue
        const a: CorrelationAlert = {
          index: s.index,
          eventId: f.eventIds[0] ?? s.eventId,
          timestamp: new Date(f.lastTs).toISOString(),
          rule: { id: f.rule.id || f.rule.name || f.rule.title, title: f.rule.title, level: f.rule.level },
          tags: f.rule.tags,
          entities: f.extra,
          eventIds: f.eventIds,
          correlation: { type: f.rule.type, groups: f.groups, value: f.value },
        }
        const id = alertId(a)
        this.alertOfFire.set(f.fireKey, id)
        if (this.alertOfFire.size > 100_000) this.alertOfFire.delete(this.alertOfFire.keys().next().value as string)
        alerts.push(a)
      }
      for (const j of r.joined) {
        const id = this.alertOfFire.get(j.fireKey)
        if (id !== undefined) joined.push({ alertId: id, eventId: j.eventId })
      }
    }
    return { alerts, joined }
  }
}
