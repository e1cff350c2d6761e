/** Ordering and wording shared by the queue and the drawer. */
import type { IncidentRow } from '../api/decode'

const SEVERITY_RANK: Record<string, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 }
const STATUS_RANK: Record<string, number> = { new: 1, in_progress: 2, triaged: 3, escalated: 4, closed: 5 }

export const severityRank = (s: string) => SEVERITY_RANK[s.toUpperCase()] ?? 0
export const statusRank = (s: string) => STATUS_RANK[s] ?? 0

export const STATUS_LABEL: Record<string, string> = { new: 'New', in_progress: 'In progress', triaged: 'Triaged', escalated: 'Escalated', closed: 'Closed' }
export const statusLabel = (s: string) => STATUS_LABEL[s] ?? s
export const reasonLabel = (s: string) => s.replace(/_/g, ' ')

const ms = (iso: string) => {
  const t = Date.parse(iso)
  return Number.isFinite(t) ? t : NaN
}

/** `3m`, `5h`, `2d` since `iso` (first seen), at `now`. */
export function age(iso: string, now: number): string {
  const t = ms(iso)
  if (!Number.isFinite(t)) return '-'
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86_400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86_400)}d`
}

/** Whether the incident was active within [from, to] (epoch ms): it began before the end and was last seen after the start. */
export function inRange(r: IncidentRow, from: number, to: number): boolean {
  const first = ms(r.firstSeen)
  const last = ms(r.lastSeen)
  if (!Number.isFinite(first) && !Number.isFinite(last)) return true
  return (Number.isFinite(last) ? last : first) >= from && (Number.isFinite(first) ? first : last) <= to
}

export type SortKey = 'severity' | 'status' | 'title' | 'risk' | 'age' | 'assignee' | 'lastSeen'
export interface Sort {
  key: SortKey
  dir: 'asc' | 'desc'
}

export function sortRows(rows: readonly IncidentRow[], sort: Sort | undefined): IncidentRow[] {
  const out = [...rows]
  if (!sort) return out
  const cmp: Record<SortKey, (a: IncidentRow, b: IncidentRow) => number> = {
    severity: (a, b) => severityRank(a.severity) - severityRank(b.severity),
    status: (a, b) => statusRank(a.status) - statusRank(b.status),
    title: (a, b) => a.title.localeCompare(b.title),
    risk: (a, b) => a.risk - b.risk,
    // older first seen = greater age
    age: (a, b) => (ms(b.firstSeen) || 0) - (ms(a.firstSeen) || 0),
    assignee: (a, b) => (a.assignee ?? '').localeCompare(b.assignee ?? ''),
    lastSeen: (a, b) => (ms(a.lastSeen) || 0) - (ms(b.lastSeen) || 0),
  }
  const f = cmp[sort.key]
  out.sort((a, b) => (sort.dir === 'asc' ? f(a, b) : f(b, a)) || a.id.localeCompare(b.id))
  return out
}

/** The suggestion column: the LLM's second opinion's state and, when ready, its disposition. */
export function suggestionLabel(r: IncidentRow): string {
  const s = r.suggestion
  if (!s) return '-'
  if (s.status === 'ready') return `${reasonLabel(s.disposition ?? 'ready')}${s.severity ? ` (${s.severity})` : ''}`
  return s.status
}
