/** The `incidents` table row of one incident version (ReplacingMergeTree: the highest version wins). */
import type { Incident } from '@watchfloor/contracts'
import { chTime, nextVersion } from '../../sinks/clickhouse/values.js'


export function incidentRow(inc: Incident, updatedIso: string): Record<string, unknown> {
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
