/** What detection produces in the workers: alerts and correlation signals, and the rule set's statistics. */

export interface RuleStats {
  rules: number
  compiled: number
  correlations: number
  errors: { file: string; reason: string }[]
}

/** The entities an alert names. */
export interface AlertEntities {
  source_ip?: string
  destination_ip?: string
  user?: string
  host?: string
}

/** A Sigma rule that fired on one record of the task. */
export interface TaskAlert {
  /** 0-based record index within the task (the same numbering as errors). */
  index: number
  eventId: string
  timestamp: string
  rule: { id: string; title: string; level: string }
  tags: string[]
  entities: AlertEntities
  /** The values of the fields the rule reads, as the event had them. */
  matched?: Record<string, string>
}

/** A match of a rule referenced by a correlation rule: input for the main thread's correlator. */
export interface TaskSignal {
  index: number
  eventId: string
  timestamp: string
  /** Correlation rule id. */
  corr: string
  steps: number[]
  key: string[]
  value?: string | number
  entities: AlertEntities
}

/** A correlation rule that fired: one alert listing the events that made it fire. */
export interface CorrelationAlert extends TaskAlert {
  /** Contributing events, oldest first; `eventId` is the first of them. */
  eventIds: string[]
  correlation: { type: string; groups: Record<string, string>; value: number }
}

/** An alert (single-event or correlation) with what the main thread resolved for it. */
export interface AnalyzedAlert {
  id: string
  alert: TaskAlert | CorrelationAlert
  severity: string
  techniques: string[]
  tactics: string[]
}
