/**
 * The triager interface: from an incident's alerts and context to a verdict. The heuristic
 * triager is the embedded default; an LLM triager (later) implements the same interface.
 */
import type { Incident, Verdict } from '@watchfloor/contracts'

export interface TriageAlert {
  id: string
  rule: { id: string; title: string; level: string }
  severity: string
  techniques: readonly string[]
  tactics: readonly string[]
  /** The tactics the rule names itself (a technique such as T1078 belongs to four tactics; the rule says which one it saw). */
  namedTactics: readonly string[]
  correlation: boolean
  count: number
}

export interface TriageInput {
  title: string
  alerts: readonly TriageAlert[]
  /** Entity keys (`source_ip=...`). */
  entities: readonly string[]
  first_seen: string
  last_seen: string
  alert_count: number
  /** Main address of the incident (most alerted source IP), with its context. */
  ip: { address: string; internal: boolean; risk_score: number; lists: string[] } | null
  /** Highest entity risk score among the incident's entities. */
  max_entity_risk: number
  /** The evidence behind the alerts: per rule, the most frequent values of the fields it matched. */
  evidence?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>
}

export interface Triager {
  readonly name: string
  triage(input: TriageInput): Verdict
}

/**
 * What the triager sees, rebuilt from a stored incident (its rules, entities, timeline and the
 * address context of its verdict): for a second opinion on an incident no longer open in the
 * pipeline's memory.
 */
export function triageInputOf(inc: Incident): TriageInput {
  const alerts: TriageAlert[] = Object.entries(inc.rules ?? {}).map(([id, r]) => ({
    id: r.first_alert,
    rule: { id, title: r.title, level: r.level },
    severity: r.severity,
    techniques: r.techniques,
    tactics: r.tactics,
    namedTactics: r.named_tactics,
    correlation: r.correlation,
    count: r.count,
  }))
  const rep = inc.verdict.ip_reputation
  return {
    title: inc.title,
    alerts,
    entities: inc.entities,
    first_seen: inc.first_seen,
    last_seen: inc.last_seen,
    alert_count: inc.alert_count,
    ip: rep.ip === null ? null : { address: rep.ip, internal: rep.reputation === 'internal', risk_score: rep.risk_score, lists: rep.lists },
    max_entity_risk: inc.risk_score,
    ...(inc.evidence ? { evidence: inc.evidence } : {}),
  }
}
