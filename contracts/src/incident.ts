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
    /** File hashes (MD5, SHA-1, SHA-256) and file paths seen in the matched events. */
    hashes: Type.Optional(Type.Array(Type.String())),
    files: Type.Optional(Type.Array(Type.String())),
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

/** What an LLM may suggest an incident is: the close reasons that are a verdict on it. */
export const SUGGESTED_DISPOSITIONS = ['true_positive', 'benign_positive', 'false_positive'] as const
export const SuggestedDispositionSchema = literalUnion(SUGGESTED_DISPOSITIONS)
export type SuggestedDisposition = Static<typeof SuggestedDispositionSchema>

/** The verdict an LLM returns: validated against this schema (strict JSON schema output where the server supports it). */
export const SuggestedVerdictSchema = Type.Object(
  {
    disposition: SuggestedDispositionSchema,
    severity: IncidentSeveritySchema,
    confidence: Type.Integer({ minimum: 0, maximum: 100 }),
    threat_type: Type.String({ maxLength: 64 }),
    analysis: Type.String({ maxLength: 2000 }),
    recommendations: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 8 }),
  },
  { additionalProperties: false },
)
export type SuggestedVerdict = Static<typeof SuggestedVerdictSchema>

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
    /** The LLM's second opinion shown with it, when one was ready: its disposition and severity, and the model. */
    llm: Type.Optional(Type.Object({ disposition: SuggestedDispositionSchema, severity: IncidentSeveritySchema, model: Type.String() })),
  }),
  accepted: Type.Boolean(),
})
export type TriageSubmission = Static<typeof TriageSubmissionSchema>

/**
 * An LLM's second opinion on an incident: pending while the call runs, then ready (with the
 * verdict and how it was obtained) or failed (with the reason; the heuristic verdict stands).
 * It never changes the incident's status or severity by itself: the analyst decides.
 */
export const SuggestionSchema = Type.Object({
  status: literalUnion(['pending', 'ready', 'failed']),
  /** `auto` (the gray zone of the heuristic verdict) or the analyst who asked. */
  requested_by: Type.String(),
  requested_at: Type.String(),
  completed_at: Type.Optional(Type.String()),
  verdict: Type.Optional(SuggestedVerdictSchema),
  model: Type.Optional(Type.String()),
  prompt_version: Type.Optional(Type.String()),
  tokens: Type.Optional(Type.Object({ prompt: Type.Number(), completion: Type.Number() })),
  latency_ms: Type.Optional(Type.Number()),
  /** What the model was shown besides the incident: similar incidents and entity profiles. */
  context: Type.Optional(Type.Object({ similar: Type.Array(Type.String()), profiles: Type.Array(Type.String()) })),
  /** How the output was obtained: a strict JSON schema, JSON mode plus validation, one repair, or nothing valid. */
  validation: Type.Optional(literalUnion(['json_schema', 'json_object', 'repaired', 'invalid'])),
  cached: Type.Optional(Type.Boolean()),
  /** Lower severity or a non-threat disposition than the heuristic verdict; data that reads like instructions. */
  flags: Type.Optional(Type.Object({ downgrade: Type.Boolean(), injection_suspected: Type.Boolean() })),
  reason: Type.Optional(Type.String()),
})
export type Suggestion = Static<typeof SuggestionSchema>

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
  /** The latest LLM second opinion, when one was asked for. */
  suggestion: Type.Optional(SuggestionSchema),
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
  /** Repeats per fingerprint (rule and main entity): a repeated alert raises its counter. At most 200 fingerprints (the first seen); `alert_count` counts every alert. */
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
  /** The evidence behind the alerts, per rule: the most frequent values of the fields the rule matched (command lines, paths, URLs, user names). */
  evidence: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Array(Type.String())))),
  version: Type.Number(),
})
export type Incident = Static<typeof IncidentSchema>
