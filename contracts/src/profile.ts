/**
 * Behavioural profile of one entity (source IP, destination IP, user, host), built on the stream.
 *
 * Like incidents, profiles are stored documents read back at start: additional properties are
 * allowed (the schema default, kept on purpose) so a document written by another version loads.
 */
import { Type, type Static } from '@sinclair/typebox'
import { literalUnion } from './literals.js'

const entityKinds = ['source_ip', 'destination_ip', 'user', 'host'] as const
export const EntityKindSchema = literalUnion(entityKinds)
export type EntityKind = Static<typeof EntityKindSchema>
export const ENTITY_KINDS: readonly EntityKind[] = entityKinds

export const EntityProfileSchema = Type.Object({
  kind: EntityKindSchema,
  entity: Type.String(),
  /** IPs only: inside the configured internal CIDRs (RFC 1918 and friends by default). */
  internal: Type.Optional(Type.Boolean()),
  first_seen: Type.String(),
  last_seen: Type.String(),
  events: Type.Number(),
  /** Events per type (legacy `event_type`, else the event action or category). */
  event_types: Type.Record(Type.String(), Type.Number()),
  /** Events per severity of the event itself (NONE, LOW, MEDIUM, HIGH, CRITICAL). */
  severities: Type.Record(Type.String(), Type.Number()),
  /** Alerts that named this entity, per severity. */
  alerts: Type.Record(Type.String(), Type.Number()),
  techniques: Type.Array(Type.String()),
  tactics: Type.Array(Type.String()),
  /** Destination ports this entity contacted (capped). */
  ports: Type.Array(Type.Number()),
  /** User names this entity targeted or used (capped). */
  users: Type.Array(Type.String()),
  /** Hosts this entity touched or appeared on (capped). */
  hosts: Type.Array(Type.String()),
  /** 0-100: alert risk with exponential decay, weighted up when several tactics appear. */
  risk_score: Type.Number(),
  /** When `risk_score` was computed (stream time). */
  risk_at: Type.String(),
})
export type EntityProfile = Static<typeof EntityProfileSchema>
