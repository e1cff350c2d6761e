/**
 * Incidents: alerts grouped by shared entities within a window, with a triage verdict.
 *
 * The objects allow additional properties (TypeBox's and JSON Schema's default, kept on
 * purpose): incident documents are stored and read back, and a document written by another
 * version may carry fields this one does not know; they are kept, not refused.
 */
import { Type, type Static } from '@sinclair/typebox'
import { literalUnion } from './literals.js'

export const INCIDENT_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const
export const IncidentSeveritySchema = literalUnion(INCIDENT_SEVERITIES)
export type IncidentSeverity = Static<typeof IncidentSeveritySchema>

/** Why an alert joined an incident. */
export const GroupingLinkSchema = Type.Object({
  alert_id: Type.String(),
  rule: Type.Object({ id: Type.String(), title: Type.String() }),
  /** `first` for the alert that opened the incident; else the entity it shares (`source_ip=203.0.113.9`). */
  reason: literalUnion(['first', 'shared_entity', 'repeat', 'merged']),
  entity: Type.Optional(Type.String()),
  /** Time since the incident's previous alert, ms (event time). */
  gap_ms: Type.Number(),
})
export type GroupingLink = Static<typeof GroupingLinkSchema>

export const VerdictSchema = Type.Object({
  severity: IncidentSeveritySchema,
  confidence: Type.Number(),
  threat_type: Type.String(),
  attack: Type.Object({ techniques: Type.Array(Type.String()), tactics: Type.Array(Type.String()) }),
  /** Reputation of the main external/source address: from its profile and local threat-intel lists. */
  ip_reputation: Type.Object({
    ip: Type.Union([Type.String(), Type.Null()]),
    reputation: literalUnion(['malicious', 'suspicious', 'neutral', 'internal', 'unknown']),
    risk_score: Type.Number(),
    lists: Type.Array(Type.String()),
  }),
  analysis: Type.String(),
  recommendations: Type.Array(Type.String()),
  auto_escalate: Type.Boolean(),
  iocs: Type.Object({
    ips: Type.Array(Type.String()),
    users: Type.Array(Type.String()),
    hosts: Type.Array(Type.String()),
    domains: Type.Array(Type.String()),
    urls: Type.Array(Type.String()),
  }),
  /** Which triager produced it (`heuristic/1`, or an LLM model later). */
  triager: Type.String(),
})
export type Verdict = Static<typeof VerdictSchema>

/** Lifecycle: New -> In Progress -> Triaged -> Escalated -> Closed (reopen from Closed with a reason). */
export const INCIDENT_STATUSES = ['new', 'in_progress', 'triaged', 'escalated', 'closed'] as const
export const IncidentStatusSchema = literalUnion(INCIDENT_STATUSES)
export type IncidentStatus = Static<typeof IncidentStatusSchema>
export const CLOSE_REASONS = ['true_positive', 'benign_positive', 'false_positive', 'duplicate'] as const
export const CloseReasonSchema = literalUnion(CLOSE_REASONS)
export type CloseReason = Static<typeof CloseReasonSchema>

export const StatusChangeSchema = Type.Object({
  at: Type.String(),
  by: Type.String(),
  from: IncidentStatusSchema,
  to: IncidentStatusSchema,
  reason: Type.Optional(Type.String()),
  close_reason: Type.Optional(CloseReasonSchema),
})
export type StatusChange = Static<typeof StatusChangeSchema>

export const TriageSubmissionSchema = Type.Object({
  at: Type.String(),
  by: Type.String(),
  verdict: CloseReasonSchema,
  severity: IncidentSeveritySchema,
  /** The suggestion the analyst saw: the triager's severity and threat type, and which triager. */
  ai: Type.Object({
    verdict: literalUnion(['escalate', 'review']),
    severity: IncidentSeveritySchema,
    threat_type: Type.String(),
    auto_escalate: Type.Boolean(),
    triager: Type.String(),
  }),
  accepted: Type.Boolean(),
})
export type TriageSubmission = Static<typeof TriageSubmissionSchema>

export const IncidentRuleSchema = Type.Object({
  title: Type.String(),
  level: Type.String(),
  severity: Type.String(),
  techniques: Type.Array(Type.String()),
  tactics: Type.Array(Type.String()),
  named_tactics: Type.Array(Type.String()),
  correlation: Type.Boolean(),
  count: Type.Number(),
  /** Id of the rule's first alert in the incident. */
  first_alert: Type.String(),
})
export type IncidentRule = Static<typeof IncidentRuleSchema>

export const IncidentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: IncidentStatusSchema,
  /** Every lifecycle change: who, when, from, to, why. */
  status_history: Type.Optional(Type.Array(StatusChangeSchema)),
  close_reason: Type.Optional(CloseReasonSchema),
  assignee: Type.Optional(Type.String()),
  comments: Type.Optional(Type.Array(Type.Object({ at: Type.String(), by: Type.String(), text: Type.String() }))),
  /** Analysts' triage: their verdict and severity, the AI suggestion shown, and whether they took it. */
  triage_submissions: Type.Optional(Type.Array(TriageSubmissionSchema)),
  created_at: Type.String(),
  first_seen: Type.String(),
  last_seen: Type.String(),
  severity: IncidentSeveritySchema,
  risk_score: Type.Number(),
  confidence: Type.Number(),
  verdict: VerdictSchema,
  /** Entity keys (`source_ip=...`, `user=...`, `host=...`, `destination_ip=...`). */
  entities: Type.Array(Type.String()),
  alert_ids: Type.Array(Type.String()),
  alert_count: Type.Number(),
  /** Repeats per fingerprint (rule and main entity): a repeated alert raises its counter. */
  fingerprints: Type.Record(
    Type.String(),
    Type.Object({ rule_id: Type.String(), count: Type.Number(), first_seen: Type.String(), last_seen: Type.String() }),
  ),
  links: Type.Array(GroupingLinkSchema),
  /** Events the alerts fired on (ids; capped). */
  event_ids: Type.Array(Type.String()),
  /** Per rule: what the triager weighs (kept so an incident can be restored after a restart). */
  rules: Type.Record(Type.String(), IncidentRuleSchema),
  /** Alerts per source address (the most frequent is the incident's main address). */
  source_ips: Type.Record(Type.String(), Type.Number()),
  version: Type.Number(),
})
export type Incident = Static<typeof IncidentSchema>
