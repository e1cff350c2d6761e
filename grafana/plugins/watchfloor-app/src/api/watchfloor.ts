/**
 * The Watchfloor API as the triage panel uses it: typed reads and the analyst's actions, each
 * one request on a `Backend`, each answer decoded. An action on several incidents goes to
 * `/api/incidents/bulk` when the API has a bulk form of it (status moves), else one request per
 * incident; either way every incident's outcome is reported on its own.
 */
import type { CloseReason, IncidentSeverity, IncidentStatus } from '@watchfloor/contracts'
import { asApiError, type Backend } from './backend'
import {
  decodeAlerts,
  decodeBulk,
  decodeEvents,
  decodeIncidentDetail,
  decodeIncidentPage,
  decodeOverview,
  decodeProfile,
  decodeSimilar,
  type AlertView,
  type BulkResultView,
  type EventView,
  type IncidentDetail,
  type IncidentPage,
  type OverviewView,
  type ProfileView,
  type SimilarView,
} from './decode'

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const satisfies readonly IncidentSeverity[]
export const STATUSES = ['new', 'in_progress', 'triaged', 'escalated', 'closed'] as const satisfies readonly IncidentStatus[]
export const CLOSE_REASONS = ['true_positive', 'benign_positive', 'false_positive', 'duplicate'] as const satisfies readonly CloseReason[]
export const VERDICTS = ['true_positive', 'benign_positive', 'false_positive'] as const satisfies readonly CloseReason[]

export interface ListQuery {
  limit: number
  offset: number
  severity?: string
  status?: string
  sourceIp?: string
  /** The time range (epoch ms): incidents whose events overlap it. */
  from?: number
  to?: number
}

/** What an analyst can do to one or more incidents. */
export type Action =
  | { kind: 'acknowledge' }
  | { kind: 'escalate'; reason?: string }
  | { kind: 'close'; closeReason: CloseReason; reason?: string }
  | { kind: 'reopen'; reason: string }
  | { kind: 'assign'; assignee: string }
  | { kind: 'comment'; text: string }
  | { kind: 'triage'; verdict: CloseReason; severity: IncidentSeverity; accepted: boolean }
  | { kind: 'suggest' }
  | { kind: 'merge'; into: string; reason?: string }

export type ActionKind = Action['kind']

/** One path segment: escaped, and `.`/`..` kept from walking up the API's paths. */
const seg = (v: string) => encodeURIComponent(v).replace(/^\.{1,2}$/, (m) => m.replace(/\./g, '%2E'))

/** The status-move body of an action, for the ones that are lifecycle moves. */
function moveBody(a: Action): { status: IncidentStatus; reason?: string; close_reason?: CloseReason } | undefined {
  switch (a.kind) {
    case 'acknowledge':
      return { status: 'in_progress' }
    case 'escalate':
      return { status: 'escalated', ...(a.reason ? { reason: a.reason } : {}) }
    case 'close':
      return { status: 'closed', close_reason: a.closeReason, ...(a.reason ? { reason: a.reason } : {}) }
    case 'reopen':
      return { status: 'in_progress', reason: a.reason }
    default:
      return undefined
  }
}

export class WatchfloorClient {
  constructor(readonly backend: Backend) {}

  async incidents(q: ListQuery): Promise<IncidentPage> {
    const iso = (t: number | undefined) => (t === undefined || !Number.isFinite(t) ? undefined : new Date(t).toISOString())
    return decodeIncidentPage(await this.backend.get('/api/incidents', { limit: q.limit, offset: q.offset, severity: q.severity, status: q.status, source_ip: q.sourceIp, from: iso(q.from), to: iso(q.to) }))
  }

  /** The SOC overview of a time range (epoch ms). */
  async overview(from: number, to: number): Promise<OverviewView> {
    return decodeOverview(await this.backend.get('/api/overview', { from: new Date(from).toISOString(), to: new Date(to).toISOString() }))
  }

  async incident(id: string): Promise<IncidentDetail> {
    return decodeIncidentDetail(await this.backend.get(`/api/incident/${seg(id)}`))
  }

  async alerts(id: string, limit = 50, offset = 0): Promise<{ alerts: AlertView[]; total: number }> {
    return decodeAlerts(await this.backend.get(`/api/incident/${seg(id)}/alerts`, { limit, offset }))
  }

  async events(id: string, limit = 50, offset = 0): Promise<{ events: EventView[]; total: number }> {
    return decodeEvents(await this.backend.get(`/api/incident/${seg(id)}/events`, { limit, offset }))
  }

  async similar(id: string, limit = 5): Promise<SimilarView[]> {
    return decodeSimilar(await this.backend.get(`/api/incident/${seg(id)}/similar`, { limit }))
  }

  /** The profile behind an incident's entity key (`source_ip=...`, `destination_ip=...`, `user=...`, `host=...`); undefined for other kinds. */
  async profile(entityKey: string): Promise<ProfileView | undefined> {
    const i = entityKey.indexOf('=')
    const kind = entityKey.slice(0, i)
    const value = entityKey.slice(i + 1)
    if (i <= 0 || value === '') return undefined
    if (kind === 'source_ip') return decodeProfile(await this.backend.get(`/api/ip/${seg(value)}/profile`))
    if (kind === 'destination_ip') return decodeProfile(await this.backend.get(`/api/ip/${seg(value)}/profile`, { role: 'destination' }))
    if (kind === 'user') return decodeProfile(await this.backend.get(`/api/user/${seg(value)}/profile`))
    if (kind === 'host') return decodeProfile(await this.backend.get(`/api/host/${seg(value)}/profile`))
    return undefined
  }

  /** One action on one incident: the incident as the API answered it. */
  async act(id: string, a: Action): Promise<IncidentDetail> {
    const base = `/api/incident/${seg(id)}`
    const move = moveBody(a)
    if (move) return decodeIncidentDetail(await this.backend.post(`${base}/status`, move))
    switch (a.kind) {
      case 'assign':
        return decodeIncidentDetail(await this.backend.post(`${base}/assign`, { assignee: a.assignee }))
      case 'comment':
        return decodeIncidentDetail(await this.backend.post(`${base}/comment`, { text: a.text }))
      case 'triage':
        return decodeIncidentDetail(await this.backend.post(`${base}/triage`, { verdict: a.verdict, severity: a.severity, accepted: a.accepted }))
      case 'suggest':
        return decodeIncidentDetail(await this.backend.post(`${base}/suggest`, {}))
      case 'merge':
        return decodeIncidentDetail(await this.backend.post('/api/incidents/merge', { into: a.into, ids: [id], ...(a.reason ? { reason: a.reason } : {}) }))
      default:
        throw new Error(`unhandled action ${a.kind}`)
    }
  }

  /**
   * One action on several incidents, each outcome reported: status moves in one bulk request,
   * a merge in one request (the others into `into`), the rest one request per incident.
   */
  async actMany(ids: readonly string[], a: Action): Promise<BulkResultView[]> {
    const move = moveBody(a)
    if (move) return decodeBulk(await this.backend.post('/api/incidents/bulk', { ids, ...move }))
    if (a.kind === 'merge') {
      const others = ids.filter((x) => x !== a.into)
      const merged = decodeIncidentDetail(await this.backend.post('/api/incidents/merge', { into: a.into, ids: others, ...(a.reason ? { reason: a.reason } : {}) }))
      return [{ id: a.into, ok: true, status: merged.status }, ...others.map((id) => ({ id, ok: true, status: 'closed' }))]
    }
    const out: BulkResultView[] = []
    for (const id of ids) {
      try {
        const inc = await this.act(id, a)
        out.push({ id, ok: true, status: inc.status })
      } catch (e) {
        const err = asApiError(e)
        out.push({ id, ok: false, error: { code: err.code, message: err.message } })
      }
    }
    return out
  }
}
