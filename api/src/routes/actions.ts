/**
 * Analyst actions on incidents, each authorized (role `analyst` or `admin`, or Grafana's proxy
 * token with `X-Grafana-User`); the incident service checks and applies them, records them in the
 * incident's status history and in the audit log:
 *
 * - POST /api/incident/:id/status  {status, reason?, close_reason?}: the lifecycle
 *   New -> In Progress -> Triaged -> Escalated -> Closed;
 * - POST /api/incident/:id/action  {action: reviewed|dismissed|escalated, reason?}: the seed
 *   systems' simpler actions (reviewed = triaged, dismissed = closed as false positive);
 * - assign, comment, triage (with the AI suggestion shown), merge, bulk.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { CLOSE_REASONS, INCIDENT_SEVERITIES, INCIDENT_STATUSES, type Incident } from '@watchfloor/contracts'
import { SEED_ACTIONS, WatchfloorError, seedMove, type StatusMove } from '@watchfloor/pipeline'
import { changeContext } from '../auth.js'
import { Auth, ErrorBody, IncidentId } from './schemas.js'

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))
const Status = literals(INCIDENT_STATUSES)
const CloseReason = literals(CLOSE_REASONS)
const SeedAction = literals(SEED_ACTIONS)
const Reason = Type.String({ maxLength: 2000 })
const Id = Type.String({ minLength: 1, maxLength: 128 })

const IncidentBody = Type.Object({ id: Type.String(), status: Type.String(), status_history: Type.Array(Type.Object({}, { additionalProperties: true })) }, { additionalProperties: true })
const StatusBody = Type.Object({ status: Status, reason: Type.Optional(Reason), close_reason: Type.Optional(CloseReason) }, { additionalProperties: false })
const ActionBody = Type.Object({ action: SeedAction, reason: Type.Optional(Reason) }, { additionalProperties: false })
const AssignBody = Type.Object({ assignee: Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9._@:-]*$' }) }, { additionalProperties: false })
const CommentBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false })
const TriageBody = Type.Object({ verdict: CloseReason, severity: literals(INCIDENT_SEVERITIES), accepted: Type.Boolean() }, { additionalProperties: false })
const MergeBody = Type.Object({ into: Id, ids: Type.Array(Id, { minItems: 1, maxItems: 100 }), reason: Type.Optional(Reason) }, { additionalProperties: false })
const BulkBody = Type.Object(
  { ids: Type.Array(Id, { minItems: 1, maxItems: 500 }), status: Type.Optional(Status), action: Type.Optional(SeedAction), reason: Type.Optional(Reason), close_reason: Type.Optional(CloseReason) },
  { additionalProperties: false },
)
const BulkAnswer = Type.Object({ results: Type.Array(Type.Object({ id: Type.String(), ok: Type.Boolean(), status: Type.Optional(Type.String()), error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })) })) })

/** Answers of a route that changes one incident: the incident, or why not. */
const IncidentAnswers = { 200: IncidentBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }
/** The same for a lifecycle move, which can also be malformed (400) or not allowed from the current status (409). */
const TransitionAnswers = { ...IncidentAnswers, 400: ErrorBody, 409: ErrorBody }

const answer = (inc: Incident) => ({ ...inc, status_history: inc.status_history ?? [] })

/** A move from a request: a lifecycle status, or one of the seed systems' actions. */
function moveOf(b: { status?: Static<typeof Status>; action?: Static<typeof SeedAction>; reason?: string; close_reason?: Static<typeof CloseReason> }, prefix: string): StatusMove {
  const seed = b.action !== undefined ? seedMove(b.action) : undefined
  const to = b.status ?? seed?.to
  if (to === undefined || (b.status !== undefined && b.action !== undefined)) throw new WatchfloorError('REQUEST_INVALID', 'give exactly one of status or action')
  const closeReason = b.close_reason ?? seed?.closeReason
  return { to, action: b.status !== undefined ? `${prefix}status:${to}` : `${prefix}action:${b.action ?? ''}`, ...(b.reason !== undefined ? { reason: b.reason } : {}), ...(closeReason !== undefined ? { closeReason } : {}) }
}

const actionRoutes: FastifyPluginAsync = async (app) => {
  const { incidents, tokens } = app.deps.services
  const schema = (summary: string, body: object, response: object, params = true) => ({ tags: ['incidents'], summary, security: Auth, ...(params ? { params: IncidentId } : {}), body, response })

  app.post<{ Params: Static<typeof IncidentId>; Body: Static<typeof StatusBody> }>(
    '/api/incident/:id/status',
    { schema: schema('Move an incident through its lifecycle (analyst)', StatusBody, TransitionAnswers) },
    async (req) => answer(await incidents.move(changeContext(tokens, req, 'act'), req.params.id, moveOf(req.body, ''))),
  )

  app.post<{ Params: Static<typeof IncidentId>; Body: Static<typeof ActionBody> }>(
    '/api/incident/:id/action',
    { schema: schema('Seed API actions: reviewed, dismissed (closed as false positive), escalated (analyst)', ActionBody, TransitionAnswers) },
    async (req) => answer(await incidents.move(changeContext(tokens, req, 'act'), req.params.id, moveOf(req.body, ''))),
  )

  app.post<{ Params: Static<typeof IncidentId>; Body: Static<typeof AssignBody> }>(
    '/api/incident/:id/assign',
    { schema: schema('Assign an incident to an analyst (empty assignee: unassign)', AssignBody, IncidentAnswers) },
    async (req) => answer(await incidents.assign(changeContext(tokens, req, 'act'), req.params.id, req.body.assignee)),
  )

  app.post<{ Params: Static<typeof IncidentId>; Body: Static<typeof CommentBody> }>(
    '/api/incident/:id/comment',
    { schema: schema('Comment on an incident', CommentBody, IncidentAnswers) },
    async (req) => answer(await incidents.comment(changeContext(tokens, req, 'act'), req.params.id, req.body.text)),
  )

  app.post<{ Params: Static<typeof IncidentId>; Body: Static<typeof TriageBody> }>(
    '/api/incident/:id/triage',
    { schema: schema("Record an analyst's triage: verdict, severity, and whether they accepted the AI suggestion shown", TriageBody, IncidentAnswers) },
    async (req) => answer(await incidents.submitTriage(changeContext(tokens, req, 'act'), req.params.id, req.body)),
  )

  app.post<{ Params: Static<typeof IncidentId> }>(
    '/api/incident/:id/suggest',
    {
      schema: {
        tags: ['incidents'],
        summary: "Ask the LLM for a second opinion: 202 at once with `suggestion.status: pending`; the suggestion lands on the incident (never changing its status or severity by itself)",
        security: Auth,
        params: IncidentId,
        response: { 202: IncidentBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => reply.status(202).send(answer(await incidents.requestSuggestion(changeContext(tokens, req, 'act'), req.params.id))),
  )

  app.post<{ Body: Static<typeof MergeBody> }>(
    '/api/incidents/merge',
    { schema: schema('Merge incidents into one: their alerts and entities join it, they are closed as duplicates of it', MergeBody, TransitionAnswers, false) },
    async (req) => answer(await incidents.merge(changeContext(tokens, req, 'act'), req.body.into, req.body.ids, req.body.reason)),
  )

  app.post<{ Body: Static<typeof BulkBody> }>(
    '/api/incidents/bulk',
    { schema: schema('One status change or action on many incidents; each is checked and reported on its own', BulkBody, { 200: BulkAnswer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody }, false) },
    async (req) => {
      const ctx = changeContext(tokens, req, 'act')
      return { results: await incidents.bulk(ctx, req.body.ids, moveOf(req.body, 'bulk:')) }
    },
  )
}

export default actionRoutes
