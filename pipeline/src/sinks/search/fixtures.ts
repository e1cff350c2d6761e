/** A complete `IncidentDocument` with neutral values, for tests of the search backends (only what a test names differs). */
import type { IncidentDocument } from './types.js'

export function incidentDocument(over: Partial<IncidentDocument> & { id: string }): IncidentDocument {
  return {
    version: 1,
    title: '',
    summary: '',
    evidence: '',
    status: 'new',
    severity: 'MEDIUM',
    risk_score: 40,
    disposition: null,
    closed_by: null,
    closed_at: null,
    analyst: null,
    entities: [],
    ips: [],
    users: [],
    hosts: [],
    rules: [],
    techniques: [],
    tactics: [],
    threat_type: '',
    first_seen: '2026-11-23T10:00:00.000Z',
    last_seen: '2026-11-23T10:05:00.000Z',
    updated_at: '2026-11-23T10:05:00.000Z',
    ...over,
  }
}
