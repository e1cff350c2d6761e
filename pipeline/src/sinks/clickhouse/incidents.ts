/**
 * Incident versions read back from ClickHouse, page by page in update order: what the search
 * index is (re)filled from after a restart or an outage. Documents that do not match the
 * contract are counted and skipped.
 */
import { parseIncident, type Incident } from '@watchfloor/contracts'
import type { ComponentCounters } from '../../telemetry/counters.js'
import type { Store } from './client.js'
import { chTime, storedDocument } from './values.js'

export interface StoredIncidentVersion {
  incident: Incident
  version: number
  /** ISO 8601. */
  updated_at: string
}

/** The latest version of every incident updated at or after `sinceIso`, oldest update first, in pages. */
export async function* storedIncidentVersions(store: Store, sinceIso: string, pageSize = 2000, invalid?: ComponentCounters): AsyncGenerator<StoredIncidentVersion[]> {
  let after = { t: chTime(sinceIso), id: '' }
  let first = true
  for (;;) {
    const rows = await store.client
      .query({
        query: `SELECT incident_id, doc, toString(version) AS v, toString(updated_at) AS updated FROM incidents FINAL
                WHERE ${first ? 'updated_at >= toDateTime64({t:String}, 3, \'UTC\')' : '(updated_at, incident_id) > (toDateTime64({t:String}, 3, \'UTC\'), {id:String})'}
                ORDER BY updated_at, incident_id LIMIT {n:UInt32}`,
        query_params: { t: after.t, id: after.id, n: pageSize },
        format: 'JSONEachRow',
      })
      .then((r) => r.json<{ incident_id: string; doc: string; v: string; updated: string }>())
    if (rows.length === 0) return
    const page: StoredIncidentVersion[] = []
    for (const r of rows) {
      const incident = storedDocument(r.doc, parseIncident, invalid)
      if (incident !== undefined) page.push({ incident, version: Number(r.v), updated_at: `${r.updated.replace(' ', 'T')}Z` })
    }
    if (page.length > 0) yield page
    const last = rows[rows.length - 1]!
    after = { t: last.updated, id: last.incident_id }
    first = false
    if (rows.length < pageSize) return
  }
}
