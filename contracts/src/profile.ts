/** Behavioural profile of one entity (source IP, destination IP, user, host), built on the stream. */

export type EntityKind = 'source_ip' | 'destination_ip' | 'user' | 'host'
export const ENTITY_KINDS: readonly EntityKind[] = ['source_ip', 'destination_ip', 'user', 'host']

export interface EntityProfile {
  kind: EntityKind
  entity: string
  /** IPs only: inside the configured internal CIDRs (RFC 1918 and friends by default). */
  internal?: boolean
  first_seen: string
  last_seen: string
  events: number
  /** Events per type (legacy `event_type`, else the event action or category). */
  event_types: Record<string, number>
  /** Events per severity of the event itself (NONE, LOW, MEDIUM, HIGH, CRITICAL). */
  severities: Record<string, number>
  /** Alerts that named this entity, per severity. */
  alerts: Record<string, number>
  techniques: string[]
  tactics: string[]
  /** Destination ports this entity contacted (capped). */
  ports: number[]
  /** User names this entity targeted or used (capped). */
  users: string[]
  /** Hosts this entity touched or appeared on (capped). */
  hosts: string[]
  /** 0-100: alert risk with exponential decay, weighted up when several tactics appear. */
  risk_score: number
  /** When `risk_score` was computed (stream time). */
  risk_at: string
}
