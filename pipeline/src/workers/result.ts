/**
 * The worker result as a runtime schema: what comes back from a worker thread is checked where it
 * enters the main thread (a compiled check costs a fraction of the structured clone), so a worker
 * that returns something else fails the task with WORKER_FAILED instead of corrupting state.
 */
import { Type } from '@sinclair/typebox'
import { EntityKindSchema, checkContract } from '@watchfloor/contracts'
import { ERRORS, type ErrorCode } from '../errors.js'
import type { TransformFailure, TransformResult } from './task.js'

const ErrorCodeSchema = Type.Union((Object.keys(ERRORS) as ErrorCode[]).map((c) => Type.Literal(c)))
const Counts = Type.Record(Type.String(), Type.Number())
const Entities = Type.Object({ source_ip: Type.Optional(Type.String()), destination_ip: Type.Optional(Type.String()), user: Type.Optional(Type.String()), host: Type.Optional(Type.String()) })
const Rule = Type.Object({ id: Type.String(), title: Type.String(), level: Type.String() })

export const TransformResultSchema = Type.Object({
  ok: Type.Literal(true),
  records: Type.Integer({ minimum: 0 }),
  rows: Type.Uint8Array(),
  ids: Type.Array(Type.String()),
  errors: Type.Array(Type.Object({ index: Type.Integer(), line: Type.Optional(Type.Integer()), code: ErrorCodeSchema, reason: Type.String(), raw: Type.String() })),
  decoders: Counts,
  statuses: Counts,
  alerts: Type.Array(Type.Object({ index: Type.Integer(), eventId: Type.String(), timestamp: Type.String(), rule: Rule, tags: Type.Array(Type.String()), entities: Entities, matched: Type.Optional(Type.Record(Type.String(), Type.String())) })),
  signals: Type.Array(
    Type.Object({
      index: Type.Integer(),
      eventId: Type.String(),
      timestamp: Type.String(),
      corr: Type.String(),
      steps: Type.Array(Type.Integer()),
      key: Type.Array(Type.String()),
      value: Type.Optional(Type.Union([Type.String(), Type.Number()])),
      entities: Entities,
    }),
  ),
  profiles: Type.Array(
    Type.Object({
      kind: EntityKindSchema,
      entity: Type.String(),
      first: Type.String(),
      last: Type.String(),
      events: Type.Number(),
      types: Counts,
      severities: Counts,
      ports: Type.Array(Type.Number()),
      users: Type.Array(Type.String()),
      hosts: Type.Array(Type.String()),
    }),
  ),
  timing: Type.Optional(Type.Object({ records: Type.Integer({ minimum: 0 }), ms: Counts })),
  ruleStats: Type.Optional(Type.Object({ rules: Type.Integer(), compiled: Type.Integer(), correlations: Type.Integer(), errors: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })) })),
})

export const TransformFailureSchema = Type.Object({ ok: Type.Literal(false), code: ErrorCodeSchema, reason: Type.String() })

/** A worker's answer, checked against the schema its `ok` names (so a refusal names the failing path); throws ContractError. */
export function checkResult(value: unknown): TransformResult | TransformFailure {
  const ok = typeof value === 'object' && value !== null ? (value as { ok?: unknown }).ok : undefined
  return ok === false ? checkContract(TransformFailureSchema, value, 'worker failure') : checkContract(TransformResultSchema, value, 'worker result')
}
