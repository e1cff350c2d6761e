/**
 * The incident service: the one writer of incidents outside the stream, and their reads.
 *
 * It owns the lifecycle state machine New -> In Progress -> Triaged -> Escalated -> Closed
 * (closing needs a close reason, reopening a closed incident needs a reason), assignment,
 * comments, analysts' triage submissions, merge and bulk changes. A change is applied to the
 * pipeline's live incident while it is open for grouping (so the next versions carry it), else to
 * the latest stored version; it is written as a new version and audited with before and after.
 * Refusals are catalogued errors: INCIDENT_NOT_FOUND (404), INCIDENT_CHANGE_REFUSED (409),
 * REQUEST_INVALID (400).
 */
import { CLOSE_REASONS, ContractError, parseIncident, type CloseReason, type EntityKind, type EntityProfile, type Incident, type Suggestion, type Verdict, type IncidentSeverity, type IncidentStatus, type StatusChange, type TriageSubmission } from '@watchfloor/contracts'
import { WatchfloorError } from '../errors.js'
import type { Store } from '../sinks/clickhouse/client.js'
import { incidentRow } from '../sinks/clickhouse/rows.js'
import { chTime, rowJson, storedDocument } from '../sinks/clickhouse/values.js'
import { searchDocument, type IncidentIndex, type SimilarIncident } from '../sinks/search/types.js'
import type { ComponentCounters } from '../telemetry/counters.js'
import type { IncidentBuilder } from '../transforms/correlate/incidents.js'
import type { TriageStage } from '../transforms/triage/stage.js'
import { triageInputOf, type TriageInput } from '../transforms/triage/triager.js'
import type { AuditLog, ChangeContext } from './audit.js'
import type { Profiles } from './profiles.js'
import type { Stage, StageBatch } from '../transforms/stage.js'

/** Allowed transitions (to -> from which states). */
export const ALLOWED: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  new: [],
  in_progress: ['new', 'triaged', 'escalated', 'closed'],
  triaged: ['new', 'in_progress', 'escalated'],
  escalated: ['new', 'in_progress', 'triaged'],
  closed: ['new', 'in_progress', 'triaged', 'escalated'],
}

/** Why the move is refused, or undefined when it is allowed. */
export function checkTransition(from: IncidentStatus, to: IncidentStatus, reason: string | undefined, closeReason: CloseReason | undefined): string | undefined {
  if (from === to) return `the incident is already ${to}`
  if (!ALLOWED[to].includes(from)) return `${from} -> ${to} is not allowed (to ${to} from: ${ALLOWED[to].join(', ') || 'nowhere'})`
  if (to === 'closed' && closeReason === undefined) return `closing needs a close_reason (${CLOSE_REASONS.join(', ')})`
  if (from === 'closed' && (reason === undefined || reason.trim() === '')) return 'reopening a closed incident needs a reason'
  return undefined
}

/** The seed systems' actions: reviewed = triaged, dismissed = closed as a false positive, escalated. */
export const SEED_ACTIONS = ['reviewed', 'dismissed', 'escalated'] as const
export type SeedAction = (typeof SEED_ACTIONS)[number]

export function seedMove(action: SeedAction): { to: IncidentStatus; closeReason: CloseReason | undefined } {
  if (action === 'reviewed') return { to: 'triaged', closeReason: undefined }
  if (action === 'dismissed') return { to: 'closed', closeReason: 'false_positive' }
  return { to: 'escalated', closeReason: undefined }
}

/** A lifecycle move as a request names it. */
export interface StatusMove {
  to: IncidentStatus
  reason?: string
  closeReason?: CloseReason
  /** The audit log's action name (`status:closed`, `action:dismissed`, `bulk:status:triaged`...). */
  action: string
}

export interface IncidentListQuery {
  limit: number
  offset: number
  /** Upper case severity, or '' for any. */
  severity: string
  /** A lifecycle status or a seed status name, or '' for any. */
  status: string
  /** An address, or '' for any. */
  sourceIp: string
  /** ISO 8601: only incidents whose events overlap [from, to] (first_seen <= to, last_seen >= from); '' for no bound. */
  from: string
  to: string
}

/** An incident as the API shows it: the stored document with the table's columns on top. */
export type IncidentView = Record<string, unknown> & { id: string }

export interface RelatedIncident {
  id: string
  severity: string
  status: string
  title: string
  last_seen: string
  /** The entities it shares with the incident asked for. */
  shared: string[]
}

export interface BulkResult {
  id: string
  ok: boolean
  status?: string
  error?: { code: string; message: string }
}

export interface IncidentService {
  list(q: IncidentListQuery): Promise<{ incidents: IncidentView[]; total: number }>
  /** One incident with the incidents that share an entity with it. Throws INCIDENT_NOT_FOUND. */
  get(id: string): Promise<IncidentView & { related: RelatedIncident[] }>
  /**
   * The latest version of each incident opened (created_at, processing time) in [from, to] (ISO
   * 8601), oldest first, a page at a time: KPIs and exports read any range in bounded memory.
   */
  pages(range: { from: string; to: string }, pageSize?: number): AsyncIterable<Incident[]>
  move(ctx: ChangeContext, id: string, move: StatusMove): Promise<Incident>
  /** Empty assignee: unassign. */
  assign(ctx: ChangeContext, id: string, assignee: string): Promise<Incident>
  comment(ctx: ChangeContext, id: string, text: string): Promise<Incident>
  submitTriage(ctx: ChangeContext, id: string, triage: { verdict: CloseReason; severity: IncidentSeverity; accepted: boolean }): Promise<Incident>
  /** The sources' alerts and entities join the target; the sources close as its duplicates. */
  merge(ctx: ChangeContext, into: string, ids: readonly string[], reason?: string): Promise<Incident>
  /** One move on many incidents, each checked and reported on its own. */
  bulk(ctx: ChangeContext, ids: readonly string[], move: StatusMove): Promise<BulkResult[]>
  /** The `limit` most similar other incidents, why, and how they were resolved. Throws INCIDENT_NOT_FOUND, SEARCH_UNAVAILABLE. */
  similar(id: string, limit: number): Promise<SimilarIncident[]>
  /**
   * Asks the LLM for a second opinion: the incident shows `suggestion: pending` at once (returned)
   * and the suggestion when it lands. Throws LLM_UNAVAILABLE when no LLM is configured.
   */
  requestSuggestion(ctx: ChangeContext, id: string): Promise<Incident>
}

/** What a second opinion is asked with: the incident, what the heuristic saw and said, profiles, similar incidents. */
export interface AdviceContext {
  incident: Incident
  input: TriageInput
  heuristic: Verdict
  profiles: EntityProfile[]
  similar: SimilarIncident[]
}

/** A finished second opinion (the request's who and when are added by the service). */
export type AdviceResult = Omit<Suggestion, 'status' | 'requested_by' | 'requested_at' | 'completed_at'> & { status: 'ready' | 'failed' }

/** The LLM triager, as the incident service uses it: it never throws (a failure is a result with its reason). */
export interface Adviser {
  inGrayZone(input: TriageInput, verdict: Verdict): boolean
  /** `fresh`: not from the cache of answered situations (an analyst asking). */
  suggest(ctx: AdviceContext, opts?: { fresh?: boolean }): Promise<AdviceResult>
}

/** Second opinions: the LLM, the profiles they are asked with, and the counters of their outcomes. */
export interface Advice {
  adviser: Adviser
  profiles: Profiles
  counters: ComponentCounters
}

/**
 * The gray zone as a stage: an incident the heuristic verdict is unsure about (as the adviser
 * judges it) gets one automatic second opinion; analysts can ask again at any time.
 */
export class AutoSuggestStage implements Stage {
  readonly name = 'suggest'
  constructor(
    private readonly adviser: Adviser,
    private readonly incidents: Pick<IncidentService, 'requestSuggestion'>,
    private readonly counters: ComponentCounters,
  ) {}
  process(batch: StageBatch): void {
    for (const inc of batch.incidents) {
      if (inc.suggestion !== undefined || inc.status === 'closed' || !this.adviser.inGrayZone(triageInputOf(inc), inc.verdict)) continue
      this.counters.received++
      this.incidents.requestSuggestion(AUTO, inc.id).then(
        () => void this.counters.sent++,
        () => this.counters.drop('llm_unavailable'),
      )
    }
  }
}

/** Who asks for the second opinions the gray zone triggers, and who records the answers. */
export const AUTO: ChangeContext = { who: { actor: 'auto', role: 'system' }, requestId: 'auto' }
const LLM: ChangeContext = { who: { actor: 'llm', role: 'system' }, requestId: 'llm' }

interface Row {
  incident_id: string
  version: string
  created_at: string
  updated_at: string
  first_seen: string
  last_seen: string
  status: string
  severity: string
  confidence: number
  risk_score: number
  title: string
  threat_type: string
  source_ip: string
  attack_techniques: string[]
  attack_tactics: string[]
  alert_ids: string[]
  alert_count: number
  entities: string[]
  doc: string
}

function view(r: Row): IncidentView {
  let doc: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(r.doc)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) doc = parsed as Record<string, unknown>
  } catch {
    // the columns below still describe it
  }
  return {
    ...doc,
    id: r.incident_id,
    version: Number(r.version),
    status: r.status,
    severity: r.severity,
    confidence: r.confidence,
    risk_score: r.risk_score,
    title: r.title,
    threat_type: r.threat_type,
    source_ip: r.source_ip,
    attack_techniques: r.attack_techniques,
    attack_tactics: r.attack_tactics,
    alert_ids: r.alert_ids,
    alert_count: r.alert_count,
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    created_at: r.created_at,
    updated_at: r.updated_at,
  }
}

/** A change checked against the current incident: what to apply, or why not. */
type Plan = { refused: string } | { apply: (i: Incident) => void; before: unknown; after: unknown }

export class StoredIncidents implements IncidentService {
  /** `invalid` counts stored incident documents that do not match the contract (skipped, never fatal). */
  constructor(
    private readonly store: Store,
    private readonly live: IncidentBuilder,
    private readonly triage: TriageStage,
    private readonly audit: AuditLog,
    private readonly index: IncidentIndex,
    private readonly invalid?: ComponentCounters,
    private readonly advice?: Advice,
  ) {}

  /** Second opinions in flight, and the incidents they are for. */
  private readonly advising = new Set<Promise<void>>()
  private readonly asking = new Set<string>()

  async requestSuggestion(ctx: ChangeContext, id: string): Promise<Incident> {
    if (this.advice === undefined) throw new WatchfloorError('LLM_UNAVAILABLE', 'set OPENAI_BASE_URL or OPENAI_API_KEY to get second opinions')
    const now = await this.current(id)
    if (now === undefined) throw notFound(id)
    // one opinion at a time per incident: a second request while one is being asked answers with the
    // pending one (a `pending` left by a process that stopped mid-call is asked again)
    if (this.asking.has(id)) return now
    this.asking.add(id)
    const pending: Suggestion = { status: 'pending', requested_by: ctx.who.actor, requested_at: new Date().toISOString() }
    let inc: Incident
    try {
      inc = await this.mutate(ctx, id, 'suggest:request', (i) => ({ apply: (x) => void (x.suggestion = pending), before: i.suggestion ? { suggestion: i.suggestion.status } : null, after: { suggestion: 'pending' } }))
    } catch (err) {
      this.asking.delete(id)
      throw err
    }
    const run = this.advise(id, pending, this.advice, ctx !== AUTO).finally(() => {
      this.advising.delete(run)
      this.asking.delete(id)
    })
    this.advising.add(run)
    return inc
  }

  /** Resolves once every second opinion asked so far has landed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.advising.size > 0) await Promise.allSettled([...this.advising])
  }

  private async advise(id: string, pending: Suggestion, advice: Advice, fresh: boolean): Promise<void> {
    const inc = await this.current(id)
    if (inc === undefined) return
    let result: AdviceResult
    try {
      const profiles: EntityProfile[] = []
      for (const key of inc.entities.slice(0, 6)) {
        const i = key.indexOf('=')
        const p = await advice.profiles.get(key.slice(0, i) as EntityKind, key.slice(i + 1)).catch(() => undefined)
        if (p !== undefined) profiles.push(p)
      }
      const similar = await this.index.similar(searchDocument(inc, 0, new Date().toISOString()), 5).catch(() => [])
      result = await advice.adviser.suggest({ incident: structuredClone(inc), input: triageInputOf(inc), heuristic: inc.verdict, profiles, similar }, { fresh })
    } catch (err) {
      result = { status: 'failed', reason: err instanceof Error ? err.message : String(err) }
    }
    const done: Suggestion = { ...result, requested_by: pending.requested_by, requested_at: pending.requested_at, completed_at: new Date().toISOString() }
    await this.mutate(LLM, id, 'suggest:result', () => ({ apply: (x) => void (x.suggestion = done), before: { suggestion: 'pending' }, after: done })).catch(() => advice.counters.drop('sink_write_failed'))
  }

  /** The stored documents that match the contract. */
  private docs(rows: ReadonlyArray<{ doc: string }>): Incident[] {
    const out: Incident[] = []
    for (const r of rows) {
      const inc = storedDocument(r.doc, parseIncident, this.invalid)
      if (inc !== undefined) out.push(inc)
    }
    return out
  }

  private async rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    return this.store.client.query({ query, query_params: params, format: 'JSONEachRow' }).then((r) => r.json<T>())
  }

  async list(q: IncidentListQuery): Promise<{ incidents: IncidentView[]; total: number }> {
    const where = `({severity:String} = '' OR severity = {severity:String}) AND ({status:String} = '' OR status = {status:String}) AND ({source_ip:String} = '' OR source_ip = {source_ip:String})
      AND last_seen >= toDateTime64({from:String}, 3, 'UTC') AND first_seen <= toDateTime64({to:String}, 3, 'UTC')`
    // no bound: the ends of DateTime64's range
    const params = { severity: q.severity, status: q.status, source_ip: q.sourceIp, from: q.from === '' ? '1900-01-01 00:00:00.000' : chTime(q.from), to: q.to === '' ? '2299-12-31 23:59:59.999' : chTime(q.to), limit: q.limit, offset: q.offset }
    const [rows, count] = await Promise.all([
      this.rows<Row>(`SELECT * FROM incidents FINAL WHERE ${where} ORDER BY last_seen DESC, incident_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, params),
      this.rows<{ n: string }>(`SELECT count() AS n FROM incidents FINAL WHERE ${where}`, params),
    ])
    return { incidents: rows.map(view), total: Number(count[0]?.n ?? 0) }
  }

  async get(id: string): Promise<IncidentView & { related: RelatedIncident[] }> {
    const row = (await this.rows<Row>('SELECT * FROM incidents FINAL WHERE incident_id = {id:String} LIMIT 1', { id }))[0]
    if (row === undefined) throw notFound(id)
    // related: other incidents that share an entity (source IP, user, host, destination IP)
    const related =
      row.entities.length === 0
        ? []
        : await this.rows<{ incident_id: string; severity: string; status: string; title: string; last_seen: string; entities: string[] }>(
            'SELECT incident_id, severity, status, title, last_seen, entities FROM incidents FINAL WHERE hasAny(entities, {entities:Array(String)}) AND incident_id != {id:String} ORDER BY last_seen DESC LIMIT 10',
            { entities: row.entities, id },
          )
    return {
      ...view(row),
      related: related.map((r) => ({ id: r.incident_id, severity: r.severity, status: r.status, title: r.title, last_seen: r.last_seen, shared: r.entities.filter((e) => row.entities.includes(e)) })),
    }
  }

  async *pages(range: { from: string; to: string }, pageSize = 1000): AsyncIterable<Incident[]> {
    // keyset paging on (created_at, incident_id): each page a bounded query, whatever the range
    let after = { at: chTime(range.from), id: '' }
    for (;;) {
      const rows = await this.rows<{ doc: string; created_at: string; incident_id: string }>(
        `SELECT doc, created_at, incident_id FROM incidents FINAL
         WHERE created_at <= toDateTime64({to:String}, 3, 'UTC') AND (created_at, incident_id) > (toDateTime64({at:String}, 3, 'UTC'), {id:String})
         ORDER BY created_at, incident_id LIMIT {n:UInt32}`,
        { to: chTime(range.to), at: after.at, id: after.id, n: pageSize },
      )
      if (rows.length === 0) return
      yield this.docs(rows)
      const last = rows[rows.length - 1]!
      after = { at: last.created_at, id: last.incident_id }
      if (rows.length < pageSize) return
    }
  }

  /** The incident as it is now: the pipeline's live copy while open, else the latest stored version. */
  private async current(id: string): Promise<Incident | undefined> {
    const live = this.live.get(id)
    if (live !== undefined) return live
    const row = (await this.rows<{ doc: string }>('SELECT doc FROM incidents FINAL WHERE incident_id = {id:String} LIMIT 1', { id }))[0]
    if (row === undefined) return undefined
    try {
      return parseIncident(row.doc)
    } catch (err) {
      if (!(err instanceof ContractError)) throw err
      this.invalid?.drop('contract_invalid')
      throw new WatchfloorError('CONTRACT_INVALID', `incident ${id}: ${err.message}`)
    }
  }

  /** A new version: in ClickHouse (the record), then to the search index (queued). */
  private async write(inc: Incident): Promise<void> {
    const now = new Date().toISOString()
    const row = incidentRow(inc, now)
    await this.store.insertJsonRows('incidents', rowJson(row) + '\n', {})
    this.index.write([searchDocument(inc, row.version, now)])
  }

  async similar(id: string, limit: number): Promise<SimilarIncident[]> {
    const inc = await this.current(id)
    if (inc === undefined) throw notFound(id)
    return this.index.similar(searchDocument(inc, 0, new Date().toISOString()), limit)
  }

  /** One change to one incident: checked by `plan`, applied, written as a new version, audited. */
  private async mutate(ctx: ChangeContext, id: string, action: string, plan: (inc: Incident) => Plan): Promise<Incident> {
    const inc = await this.current(id)
    if (inc === undefined) throw notFound(id)
    const p = plan(inc)
    if ('refused' in p) throw new WatchfloorError('INCIDENT_CHANGE_REFUSED', p.refused)
    const updated = this.live.update(id, p.apply) ?? (p.apply(inc), inc)
    await this.write(updated)
    await this.audit.record({ requestId: ctx.requestId, who: ctx.who, action, target: `incident:${id}`, before: p.before, after: p.after })
    return updated
  }

  private statusPlan(ctx: ChangeContext, m: StatusMove): (inc: Incident) => Plan {
    return (inc) => {
      const from = inc.status
      const refused = checkTransition(from, m.to, m.reason, m.closeReason)
      if (refused !== undefined) return { refused }
      const entry: StatusChange = { at: new Date().toISOString(), by: ctx.who.actor, from, to: m.to }
      if (m.reason !== undefined && m.reason !== '') entry.reason = m.reason
      if (m.closeReason !== undefined) entry.close_reason = m.closeReason
      return {
        apply: (i) => {
          i.status = m.to
          i.status_history = [...(i.status_history ?? []), entry]
          if (m.to === 'closed' && m.closeReason !== undefined) i.close_reason = m.closeReason
          else delete i.close_reason
        },
        before: { status: from },
        after: { status: m.to, ...(m.closeReason ? { close_reason: m.closeReason } : {}), ...(m.reason ? { reason: m.reason } : {}) },
      }
    }
  }

  move(ctx: ChangeContext, id: string, m: StatusMove): Promise<Incident> {
    return this.mutate(ctx, id, m.action, this.statusPlan(ctx, m))
  }

  assign(ctx: ChangeContext, id: string, assignee: string): Promise<Incident> {
    return this.mutate(ctx, id, 'assign', (inc) => ({
      apply: (i) => {
        if (assignee === '') delete i.assignee
        else i.assignee = assignee
      },
      before: { assignee: inc.assignee ?? null },
      after: { assignee: assignee || null },
    }))
  }

  comment(ctx: ChangeContext, id: string, text: string): Promise<Incident> {
    const comment = { at: new Date().toISOString(), by: ctx.who.actor, text }
    return this.mutate(ctx, id, 'comment', () => ({ apply: (i) => void (i.comments = [...(i.comments ?? []), comment]), before: null, after: { comment: text } }))
  }

  submitTriage(ctx: ChangeContext, id: string, t: { verdict: CloseReason; severity: IncidentSeverity; accepted: boolean }): Promise<Incident> {
    return this.mutate(ctx, id, 'triage', (inc) => {
      const v = inc.verdict
      const llm = inc.suggestion?.status === 'ready' && inc.suggestion.verdict ? { disposition: inc.suggestion.verdict.disposition, severity: inc.suggestion.verdict.severity, model: inc.suggestion.model ?? 'unknown' } : undefined
      const ai: TriageSubmission['ai'] = { verdict: v.auto_escalate ? 'escalate' : 'review', severity: v.severity, threat_type: v.threat_type, auto_escalate: v.auto_escalate, triager: v.triager, ...(llm ? { llm } : {}) }
      const sub: TriageSubmission = { at: new Date().toISOString(), by: ctx.who.actor, verdict: t.verdict, severity: t.severity, ai, accepted: t.accepted }
      return { apply: (i) => void (i.triage_submissions = [...(i.triage_submissions ?? []), sub]), before: null, after: sub }
    })
  }

  async merge(ctx: ChangeContext, into: string, requested: readonly string[], reason?: string): Promise<Incident> {
    const ids = [...new Set(requested)].filter((id) => id !== into)
    if (ids.length === 0) throw new WatchfloorError('REQUEST_INVALID', 'name at least one incident other than the target')
    const target = await this.current(into)
    if (target === undefined) throw notFound(into)
    if (target.status === 'closed') throw new WatchfloorError('INCIDENT_CHANGE_REFUSED', 'reopen the target incident before merging into it')
    const sources: Incident[] = []
    for (const id of ids) {
      const s = await this.current(id)
      if (s === undefined) throw notFound(id)
      if (s.status === 'closed') throw new WatchfloorError('INCIDENT_CHANGE_REFUSED', `incident ${id} is closed`)
      sources.push(structuredClone(s))
    }
    if (this.live.get(into) === undefined) this.live.restore([target]) // open it again to take the merged alerts
    const merged = this.live.merge(into, sources)
    if (merged === undefined) throw notFound(into)
    this.triage.retriage([merged])
    await this.write(merged)
    await this.audit.record({ requestId: ctx.requestId, who: ctx.who, action: 'merge', target: `incident:${into}`, before: { alert_count: target.alert_count - sources.reduce((n, s) => n + s.alert_count, 0) }, after: { merged: ids, alert_count: merged.alert_count } })
    // the sources were checked above; one changed meanwhile (closed by another analyst) stays as it is
    await this.bulk(ctx, ids, { to: 'closed', reason: reason ?? `merged into ${into}`, closeReason: 'duplicate', action: 'merged-into' })
    return merged
  }

  async bulk(ctx: ChangeContext, ids: readonly string[], m: StatusMove): Promise<BulkResult[]> {
    const results: BulkResult[] = []
    for (const id of [...new Set(ids)]) {
      try {
        const inc = await this.move(ctx, id, m)
        results.push({ id, ok: true, status: inc.status })
      } catch (err) {
        if (!(err instanceof WatchfloorError)) throw err
        results.push({ id, ok: false, error: { code: err.code, message: err.message } })
      }
    }
    return results
  }

  /**
   * Reopens the incidents a previous run left active within `windowMs` of the latest one (and
   * not closed), so alerts after a restart join them. Returns how many.
   */
  async restoreOpen(windowMs: number): Promise<number> {
    const rows = await this.rows<{ doc: string }>(
      "SELECT doc FROM incidents FINAL WHERE status NOT IN ('closed', 'dismissed') AND last_seen >= (SELECT max(last_seen) FROM incidents) - toIntervalSecond({sec:UInt32}) ORDER BY last_seen LIMIT 20000",
      { sec: Math.ceil(windowMs / 1000) },
    )
    return this.live.restore(this.docs(rows))
  }
}

function notFound(id: string): WatchfloorError {
  return new WatchfloorError('INCIDENT_NOT_FOUND', `no incident with id ${id}`)
}
