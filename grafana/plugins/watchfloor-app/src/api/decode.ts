/**
 * What the API answers, checked where it enters: each decoder takes `unknown` and returns a view
 * with the fields the panel shows, of the types it expects, and defaults where a field is
 * missing or of another type (a document written by another version still shows). Values stay
 * as the logs had them: rendering neutralises them (`triage/text.ts`).
 */
export type Obj = Record<string, unknown>

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const obj = (o: Obj, k: string): Obj => {
  const v = o[k]
  return isObj(v) ? v : {}
}
const str = (o: Obj, k: string, d = ''): string => {
  const v = o[k]
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : d
}
const optStr = (o: Obj, k: string): string | undefined => {
  const v = o[k]
  return typeof v === 'string' && v !== '' ? v : undefined
}
const num = (o: Obj, k: string, d = 0): number => {
  const v = o[k]
  return typeof v === 'number' && Number.isFinite(v) ? v : d
}
const strs = (o: Obj, k: string): string[] => {
  const v = o[k]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}
const objs = (o: Obj, k: string): Obj[] => {
  const v = o[k]
  return Array.isArray(v) ? v.filter(isObj) : []
}
const strRecord = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x)
  return out
}
const numRecord = (v: unknown): Record<string, number> => {
  const out: Record<string, number> = {}
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'number') out[k] = x
  return out
}

export interface SuggestionView {
  status: string
  requestedBy: string
  disposition?: string
  severity?: string
  confidence?: number
  threatType?: string
  analysis?: string
  recommendations: string[]
  model?: string
  reason?: string
  downgrade: boolean
  injectionSuspected: boolean
}

export interface IncidentRow {
  id: string
  title: string
  severity: string
  status: string
  entities: string[]
  techniques: string[]
  risk: number
  firstSeen: string
  lastSeen: string
  assignee?: string
  alertCount: number
  suggestion?: SuggestionView
}

export interface StatusChangeView {
  at: string
  by: string
  from: string
  to: string
  reason?: string
  closeReason?: string
}

export interface IncidentDetail extends IncidentRow {
  confidence: number
  threatType: string
  analysis: string
  recommendations: string[]
  autoEscalate: boolean
  triager: string
  verdictSeverity: string
  tactics: string[]
  /** IOC kind (ips, users, hosts, domains, urls, hashes, files) -> values. */
  iocs: Record<string, string[]>
  /** Rule id -> field -> the most frequent matched values. */
  evidence: Record<string, Record<string, string[]>>
  /** Rule id -> its title and level. */
  rules: Record<string, { title: string; level: string; count: number }>
  closeReason?: string
  statusHistory: StatusChangeView[]
  comments: { at: string; by: string; text: string }[]
  related: { id: string; title: string; severity: string; status: string; shared: string[] }[]
}

export interface IncidentPage {
  incidents: IncidentRow[]
  total: number
  limit: number
  offset: number
}

export interface AlertView {
  id: string
  timestamp: string
  ruleId: string
  ruleTitle: string
  ruleLevel: string
  severity: string
  techniques: string[]
  matched: Record<string, string>
  eventIds: string[]
}

export interface EventView {
  eventId: string
  timestamp: string
  original: string
  /** The normalized fields with a value (scalars only). */
  fields: Record<string, string>
}

export interface SimilarView {
  id: string
  score: number
  title: string
  severity: string
  status: string
  reasons: { entities: string[]; rules: string[]; techniques: string[]; text: string[] }
  disposition?: string
  closedBy?: string
  closedAt?: string
}

export interface ProfileView {
  kind: string
  entity: string
  internal?: boolean
  risk: number
  events: number
  firstSeen: string
  lastSeen: string
  techniques: string[]
  alerts: Record<string, number>
}

export interface BulkResultView {
  id: string
  ok: boolean
  status?: string
  error?: { code: string; message: string }
}

export function decodeSuggestion(v: unknown): SuggestionView | undefined {
  if (!isObj(v)) return undefined
  const verdict = obj(v, 'verdict')
  const flags = obj(v, 'flags')
  const s: SuggestionView = {
    status: str(v, 'status', 'unknown'),
    requestedBy: str(v, 'requested_by'),
    recommendations: strs(verdict, 'recommendations'),
    downgrade: flags.downgrade === true,
    injectionSuspected: flags.injection_suspected === true,
  }
  const disposition = optStr(verdict, 'disposition')
  if (disposition !== undefined) s.disposition = disposition
  const severity = optStr(verdict, 'severity')
  if (severity !== undefined) s.severity = severity
  if (typeof verdict.confidence === 'number') s.confidence = verdict.confidence
  const threatType = optStr(verdict, 'threat_type')
  if (threatType !== undefined) s.threatType = threatType
  const analysis = optStr(verdict, 'analysis')
  if (analysis !== undefined) s.analysis = analysis
  const model = optStr(v, 'model')
  if (model !== undefined) s.model = model
  const reason = optStr(v, 'reason')
  if (reason !== undefined) s.reason = reason
  return s
}

export function decodeIncidentRow(v: unknown): IncidentRow {
  const o = isObj(v) ? v : {}
  const verdict = obj(o, 'verdict')
  const row: IncidentRow = {
    id: str(o, 'id'),
    title: str(o, 'title'),
    severity: str(o, 'severity', str(verdict, 'severity', 'LOW')),
    status: str(o, 'status', 'new'),
    entities: strs(o, 'entities'),
    techniques: strs(obj(verdict, 'attack'), 'techniques'),
    risk: num(o, 'risk_score'),
    firstSeen: str(o, 'first_seen'),
    lastSeen: str(o, 'last_seen'),
    alertCount: num(o, 'alert_count', strs(o, 'alert_ids').length),
  }
  const assignee = optStr(o, 'assignee')
  if (assignee !== undefined) row.assignee = assignee
  const suggestion = decodeSuggestion(o.suggestion)
  if (suggestion !== undefined) row.suggestion = suggestion
  return row
}

export function decodeIncidentPage(v: unknown): IncidentPage {
  const o = isObj(v) ? v : {}
  const incidents = objs(o, 'incidents').map(decodeIncidentRow).filter((r) => r.id !== '')
  return { incidents, total: num(o, 'total', incidents.length), limit: num(o, 'limit', incidents.length), offset: num(o, 'offset') }
}

export function decodeIncidentDetail(v: unknown): IncidentDetail {
  const o = isObj(v) ? v : {}
  const verdict = obj(o, 'verdict')
  const attack = obj(verdict, 'attack')
  const iocs: Record<string, string[]> = {}
  for (const [k, list] of Object.entries(obj(verdict, 'iocs'))) {
    const values = Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []
    if (values.length > 0) iocs[k] = values
  }
  const evidence: Record<string, Record<string, string[]>> = {}
  for (const [rule, fields] of Object.entries(obj(o, 'evidence'))) {
    if (!isObj(fields)) continue
    const f: Record<string, string[]> = {}
    for (const [field, values] of Object.entries(fields)) if (Array.isArray(values)) f[field] = values.filter((x): x is string => typeof x === 'string')
    evidence[rule] = f
  }
  const rules: IncidentDetail['rules'] = {}
  for (const [id, r] of Object.entries(obj(o, 'rules'))) if (isObj(r)) rules[id] = { title: str(r, 'title', id), level: str(r, 'level'), count: num(r, 'count') }
  const detail: IncidentDetail = {
    ...decodeIncidentRow(o),
    confidence: num(o, 'confidence', num(verdict, 'confidence')),
    threatType: str(verdict, 'threat_type'),
    analysis: str(verdict, 'analysis'),
    recommendations: strs(verdict, 'recommendations'),
    autoEscalate: verdict.auto_escalate === true,
    triager: str(verdict, 'triager'),
    verdictSeverity: str(verdict, 'severity'),
    tactics: strs(attack, 'tactics'),
    iocs,
    evidence,
    rules,
    statusHistory: objs(o, 'status_history').map((h) => {
      const c: StatusChangeView = { at: str(h, 'at'), by: str(h, 'by'), from: str(h, 'from'), to: str(h, 'to') }
      const reason = optStr(h, 'reason')
      if (reason !== undefined) c.reason = reason
      const closeReason = optStr(h, 'close_reason')
      if (closeReason !== undefined) c.closeReason = closeReason
      return c
    }),
    comments: objs(o, 'comments').map((c) => ({ at: str(c, 'at'), by: str(c, 'by'), text: str(c, 'text') })),
    related: objs(o, 'related').map((r) => ({ id: str(r, 'id'), title: str(r, 'title'), severity: str(r, 'severity'), status: str(r, 'status'), shared: strs(r, 'shared') })),
  }
  const closeReason = optStr(o, 'close_reason')
  if (closeReason !== undefined) detail.closeReason = closeReason
  return detail
}

export function decodeAlerts(v: unknown): { alerts: AlertView[]; total: number } {
  const o = isObj(v) ? v : {}
  const alerts = objs(o, 'alerts').map((a) => {
    const rule = obj(a, 'rule')
    return {
      id: str(a, 'id'),
      timestamp: str(a, 'timestamp'),
      ruleId: str(rule, 'id'),
      ruleTitle: str(rule, 'title'),
      ruleLevel: str(rule, 'level'),
      severity: str(a, 'severity'),
      techniques: strs(obj(a, 'attack'), 'techniques'),
      matched: strRecord(a.matched),
      eventIds: strs(a, 'event_ids'),
    }
  })
  return { alerts, total: num(o, 'total', alerts.length) }
}

export function decodeEvents(v: unknown): { events: EventView[]; total: number } {
  const o = isObj(v) ? v : {}
  const events = objs(o, 'events').map((e) => {
    const fields = strRecord(e)
    delete fields.event_id
    delete fields.timestamp
    delete fields.original
    for (const [k, x] of Object.entries(fields)) if (x === '') delete fields[k]
    return { eventId: str(e, 'event_id'), timestamp: str(e, 'timestamp'), original: str(e, 'original'), fields }
  })
  return { events, total: num(o, 'total', events.length) }
}

export function decodeSimilar(v: unknown): SimilarView[] {
  const o = isObj(v) ? v : {}
  return objs(o, 'similar').map((s) => {
    const reasons = obj(s, 'reasons')
    const view: SimilarView = {
      id: str(s, 'id'),
      score: num(s, 'score'),
      title: str(s, 'title'),
      severity: str(s, 'severity'),
      status: str(s, 'status'),
      reasons: { entities: strs(reasons, 'entities'), rules: strs(reasons, 'rules'), techniques: strs(reasons, 'techniques'), text: strs(reasons, 'text') },
    }
    const disposition = optStr(s, 'disposition')
    if (disposition !== undefined) view.disposition = disposition
    const closedBy = optStr(s, 'closed_by')
    if (closedBy !== undefined) view.closedBy = closedBy
    const closedAt = optStr(s, 'closed_at')
    if (closedAt !== undefined) view.closedAt = closedAt
    return view
  })
}

export function decodeProfile(v: unknown): ProfileView {
  const o = isObj(v) ? v : {}
  const p: ProfileView = {
    kind: str(o, 'kind'),
    entity: str(o, 'entity'),
    risk: num(o, 'risk_score'),
    events: num(o, 'events'),
    firstSeen: str(o, 'first_seen'),
    lastSeen: str(o, 'last_seen'),
    techniques: strs(o, 'techniques'),
    alerts: numRecord(o.alerts),
  }
  if (typeof o.internal === 'boolean') p.internal = o.internal
  return p
}

export function decodeBulk(v: unknown): BulkResultView[] {
  const o = isObj(v) ? v : {}
  return objs(o, 'results').map((r) => {
    const out: BulkResultView = { id: str(r, 'id'), ok: r.ok === true }
    const status = optStr(r, 'status')
    if (status !== undefined) out.status = status
    if (isObj(r.error)) out.error = { code: str(r.error, 'code'), message: str(r.error, 'message') }
    return out
  })
}

export interface OverviewView {
  bucketSeconds: number
  /** Buckets in time order, each with its incidents by severity. */
  overTime: Array<{ t: number; counts: Record<string, number> }>
  openByStatus: Record<string, number>
  topSources: Array<{ value: string; alerts: number }>
  topUsers: Array<{ value: string; alerts: number }>
  attack: Array<{ technique: string; name: string; tactics: string[]; alerts: number }>
}

export function decodeOverview(v: unknown): OverviewView {
  const o = isObj(v) ? v : {}
  const counted = (k: string) => objs(o, k).map((x) => ({ value: str(x, 'value'), alerts: num(x, 'alerts') })).filter((x) => x.value !== '')
  return {
    bucketSeconds: num(o, 'bucket_seconds', 3600),
    overTime: objs(o, 'incidents_over_time')
      .map((b) => ({ t: Date.parse(str(b, 't')), counts: numRecord(b.counts) }))
      .filter((b) => Number.isFinite(b.t))
      .sort((a, b) => a.t - b.t),
    openByStatus: numRecord(o.open_by_status),
    topSources: counted('top_sources'),
    topUsers: counted('top_users'),
    attack: objs(o, 'attack').map((a) => ({ technique: str(a, 'technique'), name: str(a, 'name'), tactics: strs(a, 'tactics'), alerts: num(a, 'alerts') })),
  }
}
