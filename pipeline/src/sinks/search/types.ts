/**
 * Similar-incident search: one interface, two backends (`elasticsearch/` at scale, `local.ts`
 * in process by default). Every incident version is written to it; it answers which past
 * incidents are most like one, why, and how they were resolved.
 */
import type { Incident } from '@watchfloor/contracts'

/** What the index keeps of one incident version (built by `searchDocument`). */
export interface IncidentDocument {
  id: string
  /** Grows with every version of the incident across processes (the ClickHouse row version): the index keeps the highest. */
  version: number
  title: string
  /** The triager's analysis. */
  summary: string
  /** What the detections saw: rule titles, threat type (and, later, matched values). */
  evidence: string
  status: string
  severity: string
  risk_score: number
  /** The close reason once closed (true_positive, benign_positive, false_positive, duplicate), else null. */
  disposition: string | null
  closed_by: string | null
  closed_at: string | null
  /** The assignee, else the last analyst who changed it, else null. */
  analyst: string | null
  /** Entity keys (`source_ip=...`, `user=...`, `host=...`, `destination_ip=...`). */
  entities: string[]
  ips: string[]
  users: string[]
  hosts: string[]
  rules: string[]
  techniques: string[]
  tactics: string[]
  threat_type: string
  first_seen: string
  last_seen: string
  updated_at: string
  /** Optional embedding of title + summary + evidence (kNN), when an embeddings endpoint is configured. */
  embedding?: number[]
}

/** Why two incidents are alike. */
export interface SimilarityReasons {
  entities: string[]
  rules: string[]
  techniques: string[]
  /** Words of title/summary/evidence they share (or that the text query matched). */
  text: string[]
  /** The embedding neighbours' cosine similarity, when kNN took part. */
  vector?: number
}

export interface SimilarIncident {
  id: string
  score: number
  title: string
  severity: string
  status: string
  reasons: SimilarityReasons
  disposition: string | null
  closed_by: string | null
  closed_at: string | null
  last_seen: string
}

export interface SearchStatus {
  backend: 'embedded' | 'elasticsearch'
  status: 'ok' | 'degraded' | 'down'
  detail?: string
  documents?: number
  queued: number
  indexed: number
  failed: number
  /** Versions waiting to be backfilled from ClickHouse (written while the backend was down). */
  backfill_pending: boolean
}

export interface IncidentIndex {
  readonly backend: SearchStatus['backend']
  /** Starts the backend (templates, backfill); resolves when ready or degraded, never throws for an unreachable backend. */
  start(): Promise<void>
  /** Takes incident versions to index; never blocks on the backend and never throws (failures are counted and retried or backfilled). */
  write(docs: readonly IncidentDocument[]): void
  /** The `limit` most similar other incidents; throws SEARCH_UNAVAILABLE when the backend cannot answer. */
  similar(doc: IncidentDocument, limit: number): Promise<SimilarIncident[]>
  status(): SearchStatus
  /** Resolves true once everything written so far is indexed (tests, shutdown), false after the timeout. */
  flush(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

/** The last close of an incident (its status history), if it is closed now. */
function lastClose(inc: Incident): { by: string; at: string } | undefined {
  if (inc.status !== 'closed') return undefined
  const h = [...(inc.status_history ?? [])].reverse().find((c) => c.to === 'closed')
  return h === undefined ? undefined : { by: h.by, at: h.at }
}

const entityValues = (entities: readonly string[], kind: string) => entities.filter((e) => e.startsWith(`${kind}=`)).map((e) => e.slice(kind.length + 1))

/** The index document of an incident version. */
export function searchDocument(inc: Incident, version: number, updatedAt: string): IncidentDocument {
  const closed = lastClose(inc)
  const rules = Object.entries(inc.rules ?? {})
  const lastActor = [...(inc.status_history ?? [])].reverse()[0]?.by
  return {
    id: inc.id,
    version,
    title: inc.title,
    summary: inc.verdict?.analysis ?? '',
    evidence: [...rules.map(([, r]) => r.title), inc.verdict?.threat_type ?? '', ...Object.values(inc.evidence ?? {}).flatMap((fields) => Object.values(fields).flat())].filter(Boolean).join('\n'),
    status: inc.status,
    severity: inc.severity,
    risk_score: inc.risk_score,
    disposition: closed ? (inc.close_reason ?? null) : null,
    closed_by: closed?.by ?? null,
    closed_at: closed?.at ?? null,
    analyst: inc.assignee ?? lastActor ?? null,
    entities: [...inc.entities],
    ips: [...new Set([...entityValues(inc.entities, 'source_ip'), ...entityValues(inc.entities, 'destination_ip')])],
    users: entityValues(inc.entities, 'user'),
    hosts: entityValues(inc.entities, 'host'),
    rules: rules.map(([id]) => id),
    techniques: [...(inc.verdict?.attack.techniques ?? [])],
    tactics: [...(inc.verdict?.attack.tactics ?? [])],
    threat_type: inc.verdict?.threat_type ?? '',
    first_seen: inc.first_seen,
    last_seen: inc.last_seen,
    updated_at: updatedAt,
  }
}
