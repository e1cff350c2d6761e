/**
 * The audit log: one row per mutating request (actor, role, action, target, before, after,
 * request id) in ClickHouse `audit_log`, which nothing updates or deletes. Queries are
 * parameterized.
 */
import type { Store } from '../sinks/clickhouse/client.js'
import { chTime, rowJson } from '../sinks/clickhouse/values.js'

/** Who acts: the token's name (or the Grafana user behind the proxy token) and the token's role. */
export interface Actor {
  actor: string
  role: string
}

/** One change by one actor, within one request. */
export interface ChangeContext {
  who: Actor
  requestId: string
}

export interface AuditEntry {
  requestId: string
  who: Actor
  action: string
  target: string
  before: unknown
  after: unknown
}

export interface AuditQuery {
  actor?: string
  action?: string
  target?: string
  /** ISO 8601. */
  since?: string
  limit: number
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>
  /** Newest first. */
  query(q: AuditQuery): Promise<Array<Record<string, unknown>>>
}

export class ClickHouseAuditLog implements AuditLog {
  constructor(private readonly store: Store) {}

  async record(entry: AuditEntry): Promise<void> {
    const row = {
      ts: chTime(new Date().toISOString()),
      request_id: entry.requestId,
      actor: entry.who.actor,
      role: entry.who.role,
      action: entry.action,
      target: entry.target,
      before: JSON.stringify(entry.before ?? null),
      after: JSON.stringify(entry.after ?? null),
    }
    await this.store.insertJsonRows('audit_log', rowJson(row) + '\n', {})
  }

  async query(q: AuditQuery): Promise<Array<Record<string, unknown>>> {
    const since = q.since ? chTime(new Date(q.since).toISOString()) : '1970-01-01 00:00:00.000'
    const rows = await this.store.client
      .query({
        query:
          "SELECT ts, request_id, actor, role, action, target, before, after FROM audit_log WHERE ({actor:String} = '' OR actor = {actor:String}) AND ({action:String} = '' OR action = {action:String}) AND ({target:String} = '' OR target = {target:String}) AND ts >= toDateTime64({since:String}, 3, 'UTC') ORDER BY ts DESC LIMIT {limit:UInt32}",
        query_params: { actor: q.actor ?? '', action: q.action ?? '', target: q.target ?? '', since, limit: q.limit },
        format: 'JSONEachRow',
      })
      .then((r) => r.json<Record<string, string>>())
    return rows.map((r) => ({ ...r, before: JSON.parse(r.before ?? 'null') as unknown, after: JSON.parse(r.after ?? 'null') as unknown }))
  }
}
