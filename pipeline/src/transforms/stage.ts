/**
 * The main thread's stages after the workers share one shape: `process(batch)`, in flow order
 * (profile -> correlate -> risk -> incidents -> triage). A stage reads what the workers and the
 * earlier stages put in the batch and adds its own part; the topology only runs the list, so a
 * new stage (an LLM triager, a search index) plugs in without touching it.
 */
import type { Incident } from '@watchfloor/contracts'
import type { AnalyzedAlert, TaskAlert, TaskSignal } from './detect/types.js'
import type { ProfileDelta } from './profile/delta.js'

export interface StageBatch {
  /** From the workers: per-entity profile deltas, single-event detections and correlation signals, in record order. */
  readonly profiles: readonly ProfileDelta[]
  readonly detections: readonly TaskAlert[]
  readonly signals: readonly TaskSignal[]
  /** Every alert of the batch (detections, then correlation firings) with its ATT&CK. */
  alerts: AnalyzedAlert[]
  /** Events folded into a recent correlation alert (the rest of a burst). */
  joined: Array<{ alertId: string; eventId: string }>
  /** Incidents that changed, at their new version. */
  incidents: Incident[]
  /** Alert id -> incident id, for the alerts of this batch. */
  incidentOf: Map<string, string>
}

export interface Stage {
  readonly name: string
  process(batch: StageBatch): void
}

export function stageBatch(from: { profiles: readonly ProfileDelta[]; alerts: readonly TaskAlert[]; signals: readonly TaskSignal[] }): StageBatch {
  return { profiles: from.profiles, detections: from.alerts, signals: from.signals, alerts: [], joined: [], incidents: [], incidentOf: new Map() }
}
