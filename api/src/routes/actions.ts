/**
 * Analyst actions on incidents, each authorized (role `analyst` or `admin`, or Grafana's proxy
 * token with `X-Grafana-User`), recorded in the incident's status history and in the audit log:
 *
 * - POST /api/incident/:id/status  {status, reason?, close_reason?}: the lifecycle state machine
 *   New -> In Progress -> Triaged -> Escalated -> Closed; closing needs a close reason; reopening
 *   a closed incident needs a reason.
 * - POST /api/incident/:id/action  {action: reviewed|dismissed|escalated, reason?}: the seed
 *   systems' simpler actions (reviewed = triaged, dismissed = closed as false positive).
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { CLOSE_REASONS, INCIDENT_STATUSES, type CloseReason, type Incident, type IncidentStatus, type StatusChange } from '@watchfloor/contracts'
import { incidentRow } from '@watchfloor/pipeline'
import { audit, authorize } from '../auth.js'

/** Allowed transitions (to -> from which states). */
const ALLOWED: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  new: [],
  in_progress: ['new', 'triaged', 'escalated', 'closed'],
  triaged: ['new', 'in_progress', 'escalated'],
  escalated: ['new', 'in_progress', 'triaged'],
  closed: ['new', 'in_progress', 'triaged', 'escalated'],
}

export function checkTransition(from: IncidentStatus, to: IncidentStatus, reason: string | undefined, closeReason: CloseReason | undefined): string | undefined {
  if (from === to) return `the incident is already ${to}`
  if (!ALLOWED[to].includes(from)) return `${from} -> ${to} is not allowed (to ${to} from: ${ALLOWED[to].join(', ') || 'nowhere'})`
  if (to === 'closed' && closeReason === undefined) return `closing needs a close_reason (${CLOSE_REASONS.join(', ')})`
  if (from === 'closed' && (reason === undefined || reason.trim() === '')) return 'reopening a closed incident needs a reason'
  return undefined
}

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
const IncidentBody = Type.Object({ id: Type.String(), status: Type.String(), status_history: Type.Array(Type.Object({}, { additionalProperties: true })) }, { additionalProperties: true })
const StatusBody = Type.Object(
  {
    status: Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s))),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    close_reason: Type.Optional(Type.Union(CLOSE_REASONS.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
)
const ActionBody = Type.Object(
  { action: Type.Union([Type.Literal('reviewed'), Type.Literal('dismissed'), Type.Literal('escalated')]), reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
)
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) })
const Auth = [{ bearer: [] }]

const actionRoutes: FastifyPluginAsync = async (app) => {
  const { store, pipeline, tokens } = app.deps

  /** The incident as it is now: the pipeline's live copy while open, else the latest stored version. */
  async function current(id: string): Promise<Incident | undefined> {
    const live = pipeline.analyzer.incidents.get(id)
    if (live !== undefined) return live
    const rows = await store.client
      .query({ query: 'SELECT doc FROM incidents FINAL WHERE incident_id = {id:String} LIMIT 1', query_params: { id }, format: 'JSONEachRow' })
      .then((r) => r.json<{ doc: string }>())
    return rows[0] ? (JSON.parse(rows[0].doc) as Incident) : undefined
  }

  async function change(req: Parameters<typeof authorize>[1], reply: Parameters<typeof authorize>[2], id: string, to: IncidentStatus, reason: string | undefined, closeReason: CloseReason | undefined, action: string) {
    const who = authorize(tokens, req, reply, 'act')
    if (who === undefined) return reply
    const inc = await current(id)
    if (inc === undefined) return reply.status(404).send({ error: { code: 'INCIDENT_NOT_FOUND', message: `no incident with id ${id}` } })
    const from = inc.status
    const refused = checkTransition(from, to, reason, closeReason)
    if (refused !== undefined) return reply.status(409).send({ error: { code: 'INCIDENT_TRANSITION_REFUSED', message: refused } })
    const entry: StatusChange = { at: new Date().toISOString(), by: who.actor, from, to }
    if (reason !== undefined && reason !== '') entry.reason = reason
    if (closeReason !== undefined) entry.close_reason = closeReason
    const apply = (i: Incident) => {
      i.status = to
      i.status_history = [...(i.status_history ?? []), entry]
      if (to === 'closed' && closeReason !== undefined) i.close_reason = closeReason
      else delete i.close_reason
    }
    const updated = pipeline.analyzer.incidents.setStatus(id, apply) ?? (apply(inc), inc)
    const now = new Date().toISOString()
    await store.insertJsonRows('incidents', JSON.stringify(incidentRow(updated, now)) + '\n', {})
    await audit(store, { requestId: req.id, who, action, target: `incident:${id}`, before: { status: from }, after: { status: to, ...(closeReason ? { close_reason: closeReason } : {}), ...(reason ? { reason } : {}) } })
    return reply.send({ ...updated, status_history: updated.status_history ?? [] })
  }

  app.post(
    '/api/incident/:id/status',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Move an incident through its lifecycle (analyst)',
        security: Auth,
        params: Params,
        body: StatusBody,
        response: { 200: IncidentBody, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const b = req.body as Static<typeof StatusBody>
      return change(req, reply, id, b.status, b.reason, b.close_reason, `status:${b.status}`)
    },
  )

  app.post(
    '/api/incident/:id/action',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Seed API actions: reviewed, dismissed (closed as false positive), escalated (analyst)',
        security: Auth,
        params: Params,
        body: ActionBody,
        response: { 200: IncidentBody, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const b = req.body as Static<typeof ActionBody>
      const to: IncidentStatus = b.action === 'reviewed' ? 'triaged' : b.action === 'dismissed' ? 'closed' : 'escalated'
      return change(req, reply, id, to, b.reason, b.action === 'dismissed' ? 'false_positive' : undefined, `action:${b.action}`)
    },
  )
}

export default actionRoutes
