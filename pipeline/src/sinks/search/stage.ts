/** The search sink as a stage: every incident version the stream produces goes to the index (queued; never blocks the stream). */
import type { Stage, StageBatch } from '../../transforms/stage.js'
import { nextVersion } from '../clickhouse/values.js'
import { searchDocument, type IncidentIndex } from './types.js'

export class SearchStage implements Stage {
  readonly name = 'search'
  constructor(private readonly index: IncidentIndex) {}
  process(batch: StageBatch): void {
    if (batch.incidents.length === 0) return
    const now = new Date().toISOString()
    this.index.write(batch.incidents.map((inc) => searchDocument(inc, nextVersion(), now)))
  }
}
