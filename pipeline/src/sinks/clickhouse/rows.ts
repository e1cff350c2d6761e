/**
 * Rows of the Watchfloor tables, built from the pipeline's own types: alerts, incident versions
 * and dead letters, each as JSONEachRow (the events rows are built in the workers, `event-row.ts`).
 */
import { randomUUID } from 'node:crypto'
import type { Incident } from '@watchfloor/contracts'
import type { RejectedRecord } from '../../errors.js'
import { alertId, attackFromTags, severityOf } from '../../transforms/detect/alerts.js'
import type { AnalyzedAlert, CorrelationAlert, TaskAlert } from '../../transforms/detect/types.js'
import { chTime, nextVersion, rowJson } from './values.js'

/** Rows as one JSONEachRow body, with their count. */
export interface EncodedRows {
  rows: Uint8Array
  count: number
}

function encode(rows: readonly unknown[]): EncodedRows {
  return { rows: Buffer.from(rows.map((r) => rowJson(r)).join('\n') + '\n'), count: rows.length }
}

/** The `incidents` table row of one incident version (ReplacingMergeTree: the highest version wins). */
export function incidentRow(inc: Incident, updatedIso: string): Record<string, unknown> & { version: number } {
  const source = inc.entities.find((e) => e.startsWith('source_ip='))?.slice('source_ip='.length) ?? ''
  return {
    incident_id: inc.id,
    version: nextVersion(),
    created_at: chTime(inc.created_at),
    updated_at: chTime(updatedIso),
    first_seen: chTime(inc.first_seen),
    last_seen: chTime(inc.last_seen),
    status: inc.status,
    severity: inc.severity,
    confidence: inc.confidence,
    risk_score: inc.risk_score,
    title: inc.title,
    threat_type: inc.verdict.threat_type,
    source_ip: source,
    attack_techniques: inc.verdict.attack.techniques,
    attack_tactics: inc.verdict.attack.tactics,
    alert_ids: inc.alert_ids,
    alert_count: inc.alert_count,
    entities: inc.entities,
    triager: inc.verdict.triager,
    auto_escalate: inc.verdict.auto_escalate ? 1 : 0,
    doc: JSON.stringify(inc),
  }
}

export function incidentRows(incidents: readonly Incident[], updatedIso: string): EncodedRows {
  return encode(incidents.map((i) => incidentRow(i, updatedIso)))
}

/** The `alerts` table row of one detection (a single-event match or a correlation firing). */
export function alertRow(
  a: TaskAlert & Partial<Pick<CorrelationAlert, 'eventIds' | 'correlation'>>,
  createdIso: string,
  /** The alert's ATT&CK when the caller resolved it already. */
  attack: { techniques: string[]; tactics: string[] } = attackFromTags(a.tags),
  /** Its id when the caller computed it already. */
  id: string = alertId(a),
): Record<string, unknown> {
  const corr = a.correlation === undefined ? {} : { event_ids: a.eventIds ?? [], correlation_type: a.correlation.type, correlation_groups: a.correlation.groups, correlation_value: a.correlation.value }
  return {
    ...corr,
    alert_id: id,
    timestamp: chTime(a.timestamp),
    created_at: chTime(createdIso),
    rule_id: a.rule.id,
    rule_title: a.rule.title,
    rule_level: a.rule.level,
    severity: severityOf(a.rule.level),
    attack_techniques: attack.techniques,
    attack_tactics: attack.tactics,
    event_id: a.eventId,
    ...(a.matched !== undefined ? { matched: a.matched } : {}),
    source_ip: a.entities.source_ip ?? '',
    destination_ip: a.entities.destination_ip ?? '',
    user_name: a.entities.user ?? '',
    host_name: a.entities.host ?? '',
  }
}

export function alertRows(alerts: readonly AnalyzedAlert[], createdIso: string): EncodedRows {
  return encode(alerts.map((a) => alertRow(a.alert, createdIso, a, a.id)))
}

/** Where a dead letter came from: the source, its request and the content type it declared. */
export interface DeadLetterOrigin {
  source: string
  requestId: string
  contentType: string
}

export function deadLetterRows(origin: DeadLetterOrigin, receivedIso: string, rejected: readonly RejectedRecord[]): EncodedRows {
  return encode(
    rejected.map((r) => ({
      id: randomUUID(),
      received_at: chTime(receivedIso),
      source: origin.source,
      request_id: origin.requestId,
      record_index: r.index,
      code: r.code,
      reason: r.reason,
      content_type: origin.contentType,
      raw: r.raw,
    })),
  )
}
