/** The triage stage: a verdict for every incident that changed, from the configured triager. */
import type { Incident } from '@watchfloor/contracts'
import type { IncidentBuilder } from '../correlate/incidents.js'
import type { Stage, StageBatch } from '../stage.js'
import type { Triager } from './triager.js'

export class TriageStage implements Stage {
  readonly name = 'triage'
  constructor(
    private readonly incidents: IncidentBuilder,
    readonly triager: Triager,
  ) {}
  process(batch: StageBatch): void {
    this.retriage(batch.incidents)
  }
  /** Incidents changed outside the stream (an analyst's merge) are triaged the same way. */
  retriage(incidents: readonly Incident[]): void {
    this.incidents.triage(incidents, this.triager)
  }
}
