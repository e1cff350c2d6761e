/**
 * The main thread's stages, built from the config in flow order: profile (merge the workers'
 * deltas), correlate (Sigma correlation windows; every alert with its ATT&CK), risk (alerts ->
 * entity risk), incidents (alerts -> incidents) and triage (a verdict per changed incident).
 * One `Stages` per process holds all of that state, so events spread over workers are counted
 * once; the live pipeline and `watchfloor replay` both feed it task results in order.
 */
import type { Config } from '../config/schema.js'
import { IncidentBuilder } from '../transforms/correlate/incidents.js'
import { loadCorrelations, StreamCorrelator } from '../transforms/correlate/signals.js'
import { CorrelateStage, IncidentStage } from '../transforms/correlate/stage.js'
import { ruleDirs } from '../transforms/detect/builtin.js'
import type { TaskAlert, TaskSignal } from '../transforms/detect/types.js'
import type { ProfileDelta } from '../transforms/profile/delta.js'
import { ProfileStage, RiskStage } from '../transforms/profile/stage.js'
import { ProfileStore, type ProfilePersistence } from '../transforms/profile/store.js'
import { stageBatch, type Stage, type StageBatch } from '../transforms/stage.js'
import type { StageTimers } from '../telemetry/counters.js'
import { HeuristicTriager } from '../transforms/triage/heuristic.js'
import { ThreatIntel } from '../transforms/triage/intel.js'
import { TriageStage } from '../transforms/triage/stage.js'
import type { Triager } from '../transforms/triage/triager.js'

export interface StagesOptions {
  persistence?: ProfilePersistence
  triager?: Triager
  /** Profiles in memory (replay: unlimited, nothing is persisted). */
  maxProfiles?: number
  /** Processing time of new incidents (replay: a fixed time, so its output does not depend on when it ran). */
  clock?: () => string
  /** Stages after triage (sinks that take every incident version, second opinions), built with the incident builder. */
  after?: (incidents: IncidentBuilder) => Stage[]
  /** Where each stage's time per batch is added (the live pipeline's telemetry). */
  timers?: StageTimers
}

export class Stages {
  readonly correlator: StreamCorrelator | undefined
  readonly profiles: ProfileStore | undefined
  readonly incidents: IncidentBuilder
  readonly intel: ThreatIntel
  readonly triage: TriageStage
  /** In the order they run. */
  private readonly list: Stage[]
  private readonly timers: StageTimers | undefined

  constructor(config: Pick<Config, 'profile' | 'incident' | 'detect'>, opts: StagesOptions = {}) {
    const correlations = loadCorrelations(ruleDirs(config))
    this.correlator = correlations.length > 0 ? new StreamCorrelator(correlations, { maxItems: config.detect.correlationMaxEvents }) : undefined
    this.profiles = config.profile.enabled
      ? new ProfileStore({ maxInMemory: opts.maxProfiles ?? config.profile.maxInMemory, halfLifeMs: config.profile.riskHalfLifeMs, internalCidrs: config.profile.internalCidrs }, opts.persistence)
      : undefined
    this.intel = ThreatIntel.fromFiles(config.incident.threatIntelFiles)
    this.incidents = new IncidentBuilder({ windowMs: config.incident.windowMs, ...(opts.clock ? { clock: opts.clock } : {}) }, this.profiles, this.intel)
    this.triage = new TriageStage(this.incidents, opts.triager ?? new HeuristicTriager())
    const list: Stage[] = []
    if (this.profiles) list.push(new ProfileStage(this.profiles))
    list.push(new CorrelateStage(this.correlator))
    if (this.profiles) list.push(new RiskStage(this.profiles))
    list.push(new IncidentStage(this.incidents), this.triage, ...(opts.after?.(this.incidents) ?? []))
    this.list = list
    this.timers = opts.timers
  }

  /** The stages, in the order they run. */
  get names(): string[] {
    return this.list.map((s) => s.name)
  }

  /** Appends a stage that needs what was built from these stages (e.g. the incident service's second opinions). */
  add(stage: Stage): void {
    this.list.push(stage)
  }

  /** One worker result through every stage, in order. */
  process(res: { profiles: readonly ProfileDelta[]; alerts: readonly TaskAlert[]; signals: readonly TaskSignal[]; records?: number }): StageBatch {
    const batch = stageBatch(res)
    const timers = this.timers
    if (timers === undefined) {
      for (const stage of this.list) stage.process(batch)
      return batch
    }
    const records = res.records ?? 0
    let last = performance.now()
    for (const stage of this.list) {
      stage.process(batch)
      const now = performance.now()
      timers.add('main', stage.name, now - last, records)
      last = now
    }
    return batch
  }
}
