/**
 * The evidence behind incidents, and hunting over it: each alert with its rule, ATT&CK, the
 * values that matched and its events; each event with its normalized fields and the original
 * record. Paged; every filter is a bound query parameter; time ranges use the tables' keys.
 */
import { WatchfloorError } from '../errors.js'
import type { Store } from '../sinks/clickhouse/client.js'
import { chTime } from '../sinks/clickhouse/values.js'

export interface Page {
  limit: number
  offset: number
}

export interface AlertView {
  id: string
  timestamp: string
  rule: { id: string; title: string; level: string }
  severity: string
  attack: { techniques: string[]; tactics: string[] }
  /** The values of the fields the rule reads, as the event had them. */
  matched: Record<string, string>
  entities: { source_ip: string; destination_ip: string; user: string; host: string }
  /** The event it fired on; for a correlation, every contributing event. */
  event_ids: string[]
  correlation: { type: string; groups: Record<string, string>; value: number } | null
}

/** An event as stored: the normalized columns, and the record as received (`original`). */
export type EventView = Record<string, unknown> & { event_id: string; timestamp: string; original: string }

export interface HuntFilters extends Page {
  /** ISO 8601; default: 24 hours before `to`. */
  from?: string
  /** ISO 8601; default: now. */
  to?: string
  /** An address on either side, a user name or a host name. */
  ip?: string
  user?: string
  host?: string
  rule?: string
  technique?: string
}

export interface Evidence {
  /** The alerts of an incident, oldest first. Throws INCIDENT_NOT_FOUND. */
  incidentAlerts(id: string, page: Page): Promise<{ alerts: AlertView[]; total: number }>
  /** The events the incident's alerts fired on, oldest first. Throws INCIDENT_NOT_FOUND. */
  incidentEvents(id: string, page: Page): Promise<{ events: EventView[]; total: number }>
  alerts(filters: HuntFilters): Promise<{ alerts: AlertView[]; total: number }>
  events(filters: HuntFilters): Promise<{ events: EventView[]; total: number }>
}

interface AlertRow {
  alert_id: string
  timestamp: string
  rule_id: string
  rule_title: string
  rule_level: string
  severity: string
  attack_techniques: string[]
  attack_tactics: string[]
  matched: Record<string, string>
  source_ip: string
  destination_ip: string
  user_name: string
  host_name: string
  event_id: string
  event_ids: string[]
  correlation_type: string
  correlation_groups: Record<string, string>
  correlation_value: number
}

const ALERT_COLUMNS = 'alert_id, timestamp, rule_id, rule_title, rule_level, severity, attack_techniques, attack_tactics, matched, source_ip, destination_ip, user_name, host_name, event_id, event_ids, correlation_type, correlation_groups, correlation_value'
const iso = (t: string) => `${t.replace(' ', 'T')}Z`

function alertView(r: AlertRow): AlertView {
  return {
    id: r.alert_id,
    timestamp: iso(r.timestamp),
    rule: { id: r.rule_id, title: r.rule_title, level: r.rule_level },
    severity: r.severity,
    attack: { techniques: r.attack_techniques, tactics: r.attack_tactics },
    matched: r.matched,
    entities: { source_ip: r.source_ip, destination_ip: r.destination_ip, user: r.user_name, host: r.host_name },
    event_ids: r.event_ids.length > 0 ? r.event_ids : [r.event_id],
    correlation: r.correlation_type === '' ? null : { type: r.correlation_type, groups: r.correlation_groups, value: r.correlation_value },
  }
}

/** The time range of a hunt, checked: `from` before `to`, at most 31 days. */
function range(f: HuntFilters): { from: string; to: string } {
  const to = f.to !== undefined ? Date.parse(f.to) : Date.now()
  const from = f.from !== undefined ? Date.parse(f.from) : to - 86_400_000
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new WatchfloorError('REQUEST_INVALID', 'from and to must be ISO 8601 times')
  if (from > to) throw new WatchfloorError('REQUEST_INVALID', 'from must not be after to')
  if (to - from > 31 * 86_400_000) throw new WatchfloorError('REQUEST_INVALID', 'the time range is at most 31 days')
  return { from: chTime(new Date(from).toISOString()), to: chTime(new Date(to).toISOString()) }
}

export class StoredEvidence implements Evidence {
  constructor(private readonly store: Store) {}

  private async rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    return this.store.client.query({ query, query_params: params, format: 'JSONEachRow' }).then((r) => r.json<T>())
  }

  /** The incident's alert and event ids and its time span (the tables are ordered by time). */
  private async incident(id: string): Promise<{ alert_ids: string[]; event_ids: string[]; from: string; to: string }> {
    const rows = await this.rows<{ alert_ids: string[]; doc_event_ids: string[]; first_seen: string; last_seen: string }>(
      "SELECT alert_ids, JSONExtract(doc, 'event_ids', 'Array(String)') AS doc_event_ids, toString(first_seen - INTERVAL 1 HOUR) AS first_seen, toString(last_seen + INTERVAL 1 HOUR) AS last_seen FROM incidents FINAL WHERE incident_id = {id:String} LIMIT 1",
      { id },
    )
    const r = rows[0]
    if (r === undefined) throw new WatchfloorError('INCIDENT_NOT_FOUND', `no incident with id ${id}`)
    return { alert_ids: r.alert_ids, event_ids: r.doc_event_ids, from: r.first_seen, to: r.last_seen }
  }

  async incidentAlerts(id: string, page: Page): Promise<{ alerts: AlertView[]; total: number }> {
    const inc = await this.incident(id)
    const params = { ids: inc.alert_ids, from: inc.from, to: inc.to, limit: page.limit, offset: page.offset }
    const where = "alert_id IN {ids:Array(String)} AND timestamp BETWEEN toDateTime64({from:String}, 3, 'UTC') AND toDateTime64({to:String}, 3, 'UTC')"
    const rows = await this.rows<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts FINAL WHERE ${where} ORDER BY timestamp, alert_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, params)
    return { alerts: rows.map(alertView), total: inc.alert_ids.length }
  }

  async incidentEvents(id: string, page: Page): Promise<{ events: EventView[]; total: number }> {
    const inc = await this.incident(id)
    const params = { ids: inc.event_ids, from: inc.from, to: inc.to, limit: page.limit, offset: page.offset }
    const rows = await this.rows<EventView>(
      "SELECT * FROM events FINAL WHERE event_id IN {ids:Array(String)} AND timestamp BETWEEN toDateTime64({from:String}, 3, 'UTC') AND toDateTime64({to:String}, 3, 'UTC') ORDER BY timestamp, event_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}",
      params,
    )
    return { events: rows.map(eventView), total: inc.event_ids.length }
  }

  async alerts(f: HuntFilters): Promise<{ alerts: AlertView[]; total: number }> {
    const { from, to } = range(f)
    const params = { from, to, ip: f.ip ?? '', user: f.user ?? '', host: f.host ?? '', rule: f.rule ?? '', technique: f.technique ?? '', limit: f.limit, offset: f.offset }
    const where = `timestamp BETWEEN toDateTime64({from:String}, 3, 'UTC') AND toDateTime64({to:String}, 3, 'UTC')
      AND ({ip:String} = '' OR source_ip = {ip:String} OR destination_ip = {ip:String}) AND ({user:String} = '' OR user_name = {user:String})
      AND ({host:String} = '' OR host_name = {host:String}) AND ({rule:String} = '' OR rule_id = {rule:String} OR rule_title = {rule:String})
      AND ({technique:String} = '' OR has(attack_techniques, {technique:String}))`
    const [rows, count] = await Promise.all([
      this.rows<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts FINAL WHERE ${where} ORDER BY timestamp DESC, alert_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, params),
      this.rows<{ n: string }>(`SELECT count() AS n FROM alerts FINAL WHERE ${where}`, params),
    ])
    return { alerts: rows.map(alertView), total: Number(count[0]?.n ?? 0) }
  }

  async events(f: HuntFilters): Promise<{ events: EventView[]; total: number }> {
    const { from, to } = range(f)
    const params = { from, to, ip: f.ip ?? '', user: f.user ?? '', host: f.host ?? '', limit: f.limit, offset: f.offset }
    const where = `timestamp BETWEEN toDateTime64({from:String}, 3, 'UTC') AND toDateTime64({to:String}, 3, 'UTC')
      AND ({ip:String} = '' OR source_ip = {ip:String} OR destination_ip = {ip:String}) AND ({user:String} = '' OR user_name = {user:String})
      AND ({host:String} = '' OR host_name = {host:String})`
    const [rows, count] = await Promise.all([
      this.rows<EventView>(`SELECT * FROM events FINAL WHERE ${where} ORDER BY timestamp DESC, event_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, params),
      this.rows<{ n: string }>(`SELECT count() AS n FROM events FINAL WHERE ${where}`, params),
    ])
    return { events: rows.map(eventView), total: Number(count[0]?.n ?? 0) }
  }
}

function eventView(r: EventView): EventView {
  return { ...r, timestamp: iso(String(r.timestamp)), ...(typeof r.ingested_at === 'string' ? { ingested_at: iso(r.ingested_at) } : {}) }
}
