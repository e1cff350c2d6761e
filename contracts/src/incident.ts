/** Incidents: alerts grouped by shared entities within a window, with a triage verdict. */

export const INCIDENT_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number]

/** Why an alert joined an incident. */
export interface GroupingLink {
  alert_id: string
  rule: { id: string; title: string }
  /** `first` for the alert that opened the incident; else the entity it shares (`source_ip=203.0.113.9`). */
  reason: 'first' | 'shared_entity' | 'repeat' | 'merged'
  entity?: string
  /** Time since the incident's previous alert, ms (event time). */
  gap_ms: number
}

export interface Verdict {
  severity: IncidentSeverity
  confidence: number
  threat_type: string
  attack: { techniques: string[]; tactics: string[] }
  /** Reputation of the main external/source address: from its profile and local threat-intel lists. */
  ip_reputation: { ip: string | null; reputation: 'malicious' | 'suspicious' | 'neutral' | 'internal' | 'unknown'; risk_score: number; lists: string[] }
  analysis: string
  recommendations: string[]
  auto_escalate: boolean
  iocs: { ips: string[]; users: string[]; hosts: string[]; domains: string[]; urls: string[] }
  /** Which triager produced it (`heuristic/1`, or an LLM model later). */
  triager: string
}

/** Lifecycle: New -> In Progress -> Triaged -> Escalated -> Closed (reopen from Closed with a reason). */
export const INCIDENT_STATUSES = ['new', 'in_progress', 'triaged', 'escalated', 'closed'] as const
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number]
export const CLOSE_REASONS = ['true_positive', 'benign_positive', 'false_positive', 'duplicate'] as const
export type CloseReason = (typeof CLOSE_REASONS)[number]

export interface StatusChange {
  at: string
  by: string
  from: IncidentStatus
  to: IncidentStatus
  reason?: string
  close_reason?: CloseReason
}

export interface TriageSubmission {
  at: string
  by: string
  verdict: CloseReason
  severity: IncidentSeverity
  /** The suggestion the analyst saw: the triager's severity and threat type, and which triager. */
  ai: { verdict: 'escalate' | 'review'; severity: IncidentSeverity; threat_type: string; auto_escalate: boolean; triager: string }
  accepted: boolean
}

export interface Incident {
  id: string
  title: string
  status: IncidentStatus
  /** Every lifecycle change: who, when, from, to, why. */
  status_history?: StatusChange[]
  close_reason?: CloseReason
  assignee?: string
  comments?: Array<{ at: string; by: string; text: string }>
  /** Analysts' triage: their verdict and severity, the AI suggestion shown, and whether they took it. */
  triage_submissions?: TriageSubmission[]
  created_at: string
  first_seen: string
  last_seen: string
  severity: IncidentSeverity
  risk_score: number
  confidence: number
  verdict: Verdict
  /** Entity keys (`source_ip=...`, `user=...`, `host=...`, `destination_ip=...`). */
  entities: string[]
  alert_ids: string[]
  alert_count: number
  /** Repeats per fingerprint (rule and main entity): a repeated alert raises its counter. */
  fingerprints: Record<string, { rule_id: string; count: number; first_seen: string; last_seen: string }>
  links: GroupingLink[]
  /** Events the alerts fired on (ids; capped). */
  event_ids: string[]
  /** Per rule: what the triager weighs (kept so an incident can be restored after a restart). */
  rules: Record<string, IncidentRule>
  /** Alerts per source address (the most frequent is the incident's main address). */
  source_ips: Record<string, number>
  version: number
}

export interface IncidentRule {
  title: string
  level: string
  severity: string
  techniques: string[]
  tactics: string[]
  named_tactics: string[]
  correlation: boolean
  count: number
  /** Id of the rule's first alert in the incident. */
  first_alert: string
}
