/** Profile stages: the workers' per-entity deltas merged into the profiles, then each alert's risk added to its entities. */
import type { Stage, StageBatch } from '../stage.js'
import type { ProfileStore } from './store.js'

export class ProfileStage implements Stage {
  readonly name = 'profile'
  constructor(private readonly profiles: ProfileStore) {}
  process(batch: StageBatch): void {
    for (const d of batch.profiles) this.profiles.applyDelta(d)
  }
}

export class RiskStage implements Stage {
  readonly name = 'risk'
  constructor(private readonly profiles: ProfileStore) {}
  process(batch: StageBatch): void {
    for (const a of batch.alerts) this.profiles.applyAlert({ timestamp: a.alert.timestamp, severity: a.severity, techniques: a.techniques, tactics: a.tactics, entities: a.alert.entities })
  }
}
