/**
 * The triager interface: from an incident's alerts and context to a verdict. The heuristic
 * triager is the embedded default; an LLM triager (later) implements the same interface.
 */
import type { Verdict } from '@watchfloor/contracts'

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
}

export interface Triager {
  readonly name: string
  triage(input: TriageInput): Verdict
}
