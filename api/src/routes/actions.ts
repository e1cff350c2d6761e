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
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { CLOSE_REASONS, INCIDENT_SEVERITIES, INCIDENT_STATUSES, type CloseReason, type Incident, type IncidentSeverity, type IncidentStatus, type StatusChange, type TriageSubmission } from '@watchfloor/contracts'
import { incidentRow } from '@watchfloor/pipeline'
import { audit, authorize, type Principal } from '../auth.js'

/** Allowed transitions (to -> from which states). */
export const ALLOWED: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
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
/** Answers of a route that changes one incident: the incident, or why not. */
const IncidentAnswers = { 200: IncidentBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }
/** The same for a lifecycle move, which can also be malformed (400) or not allowed from the current status (409). */
const TransitionAnswers = { ...IncidentAnswers, 400: ErrorBody, 409: ErrorBody }

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

  type Outcome = { ok: true; incident: Incident } | { ok: false; status: number; code: string; message: string }

  /**
   * One change to one incident by an authorized principal: `plan` checks it against the current
   * incident and returns the change (or a refusal); the change is applied to the live incident
   * (or the stored one), written as a new version, and audited with before/after.
   */
  async function mutate(
    who: Principal,
    requestId: string,
    id: string,
    action: string,
    plan: (inc: Incident) => { refused: string } | { apply: (i: Incident) => void; before: unknown; after: unknown },
  ): Promise<Outcome> {
    const inc = await current(id)
    if (inc === undefined) return { ok: false, status: 404, code: 'INCIDENT_NOT_FOUND', message: `no incident with id ${id}` }
    const p = plan(inc)
    if ('refused' in p) return { ok: false, status: 409, code: 'INCIDENT_CHANGE_REFUSED', message: p.refused }
    const updated = pipeline.analyzer.incidents.update(id, p.apply) ?? (p.apply(inc), inc)
    await store.insertJsonRows('incidents', JSON.stringify(incidentRow(updated, new Date().toISOString())) + '\n', {})
    await audit(store, { requestId, who, action, target: `incident:${id}`, before: p.before, after: p.after })
    return { ok: true, incident: updated }
  }

  function statusPlan(who: Principal, to: IncidentStatus, reason: string | undefined, closeReason: CloseReason | undefined) {
    return (inc: Incident) => {
      const from = inc.status
      const refused = checkTransition(from, to, reason, closeReason)
      if (refused !== undefined) return { refused }
      const entry: StatusChange = { at: new Date().toISOString(), by: who.actor, from, to }
      if (reason !== undefined && reason !== '') entry.reason = reason
      if (closeReason !== undefined) entry.close_reason = closeReason
      return {
        apply: (i: Incident) => {
          i.status = to
          i.status_history = [...(i.status_history ?? []), entry]
          if (to === 'closed' && closeReason !== undefined) i.close_reason = closeReason
          else delete i.close_reason
        },
        before: { status: from },
        after: { status: to, ...(closeReason ? { close_reason: closeReason } : {}), ...(reason ? { reason } : {}) },
      }
    }
  }

  const send = (reply: FastifyReply, o: Outcome) =>
    o.ok ? reply.send({ ...o.incident, status_history: o.incident.status_history ?? [] }) : reply.status(o.status).send({ error: { code: o.code, message: o.message } })

  async function change(req: FastifyRequest, reply: FastifyReply, id: string, to: IncidentStatus, reason: string | undefined, closeReason: CloseReason | undefined, action: string) {
    const who = authorize(tokens, req, reply, 'act')
    if (who === undefined) return reply
    return send(reply, await mutate(who, req.id, id, action, statusPlan(who, to, reason, closeReason)))
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
        response: TransitionAnswers,
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
        response: TransitionAnswers,
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const b = req.body as Static<typeof ActionBody>
      const to: IncidentStatus = b.action === 'reviewed' ? 'triaged' : b.action === 'dismissed' ? 'closed' : 'escalated'
      return change(req, reply, id, to, b.reason, b.action === 'dismissed' ? 'false_positive' : undefined, `action:${b.action}`)
    },
  )

  app.post(
    '/api/incident/:id/assign',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Assign an incident to an analyst (empty assignee: unassign)',
        security: Auth,
        params: Params,
        body: Type.Object({ assignee: Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9._@:-]*$' }) }, { additionalProperties: false }),
        response: IncidentAnswers,
      },
    },
    async (req, reply) => {
      const who = authorize(tokens, req, reply, 'act')
      if (who === undefined) return reply
      const { id } = req.params as { id: string }
      const { assignee } = req.body as { assignee: string }
      return send(
        reply,
        await mutate(who, req.id, id, 'assign', (inc) => ({
          apply: (i) => {
            if (assignee === '') delete i.assignee
            else i.assignee = assignee
          },
          before: { assignee: inc.assignee ?? null },
          after: { assignee: assignee || null },
        })),
      )
    },
  )

  app.post(
    '/api/incident/:id/comment',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Comment on an incident',
        security: Auth,
        params: Params,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false }),
        response: IncidentAnswers,
      },
    },
    async (req, reply) => {
      const who = authorize(tokens, req, reply, 'act')
      if (who === undefined) return reply
      const { id } = req.params as { id: string }
      const { text } = req.body as { text: string }
      const comment = { at: new Date().toISOString(), by: who.actor, text }
      return send(reply, await mutate(who, req.id, id, 'comment', () => ({ apply: (i) => void (i.comments = [...(i.comments ?? []), comment]), before: null, after: { comment: text } })))
    },
  )

  app.post(
    '/api/incident/:id/triage',
    {
      schema: {
        tags: ['incidents'],
        summary: "Record an analyst's triage: verdict, severity, and whether they accepted the AI suggestion shown",
        security: Auth,
        params: Params,
        body: Type.Object(
          { verdict: Type.Union(CLOSE_REASONS.map((s) => Type.Literal(s))), severity: Type.Union(INCIDENT_SEVERITIES.map((s) => Type.Literal(s))), accepted: Type.Boolean() },
          { additionalProperties: false },
        ),
        response: IncidentAnswers,
      },
    },
    async (req, reply) => {
      const who = authorize(tokens, req, reply, 'act')
      if (who === undefined) return reply
      const { id } = req.params as { id: string }
      const b = req.body as { verdict: CloseReason; severity: IncidentSeverity; accepted: boolean }
      return send(
        reply,
        await mutate(who, req.id, id, 'triage', (inc) => {
          const v = inc.verdict
          const sub: TriageSubmission = { at: new Date().toISOString(), by: who.actor, verdict: b.verdict, severity: b.severity, ai: { verdict: v.auto_escalate ? 'escalate' : 'review', severity: v.severity, threat_type: v.threat_type, auto_escalate: v.auto_escalate, triager: v.triager }, accepted: b.accepted }
          return { apply: (i) => void (i.triage_submissions = [...(i.triage_submissions ?? []), sub]), before: null, after: sub }
        }),
      )
    },
  )

  app.post(
    '/api/incidents/merge',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Merge incidents into one: their alerts and entities join it, they are closed as duplicates of it',
        security: Auth,
        body: Type.Object(
          { into: Type.String({ minLength: 1, maxLength: 128 }), ids: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 100 }), reason: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: TransitionAnswers,
      },
    },
    async (req, reply) => {
      const who = authorize(tokens, req, reply, 'act')
      if (who === undefined) return reply
      const b = req.body as { into: string; ids: string[]; reason?: string }
      const ids = [...new Set(b.ids)].filter((id) => id !== b.into)
      if (ids.length === 0) return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: 'name at least one incident other than the target' } })
      const target = await current(b.into)
      if (target === undefined) return reply.status(404).send({ error: { code: 'INCIDENT_NOT_FOUND', message: `no incident with id ${b.into}` } })
      if (target.status === 'closed') return reply.status(409).send({ error: { code: 'INCIDENT_CHANGE_REFUSED', message: 'reopen the target incident before merging into it' } })
      const sources: Incident[] = []
      for (const id of ids) {
        const s = await current(id)
        if (s === undefined) return reply.status(404).send({ error: { code: 'INCIDENT_NOT_FOUND', message: `no incident with id ${id}` } })
        if (s.status === 'closed') return reply.status(409).send({ error: { code: 'INCIDENT_CHANGE_REFUSED', message: `incident ${id} is closed` } })
        sources.push(structuredClone(s))
      }
      const live = pipeline.analyzer.incidents
      if (live.get(b.into) === undefined) live.restore([target]) // open it again to take the merged alerts
      const merged = live.merge(b.into, sources)!
      await store.insertJsonRows('incidents', JSON.stringify(incidentRow(merged, new Date().toISOString())) + '\n', {})
      await audit(store, { requestId: req.id, who, action: 'merge', target: `incident:${b.into}`, before: { alert_count: target.alert_count - sources.reduce((n, s) => n + s.alert_count, 0) }, after: { merged: ids, alert_count: merged.alert_count } })
      for (const id of ids) {
        const o = await mutate(who, req.id, id, 'merged-into', statusPlan(who, 'closed', b.reason ?? `merged into ${b.into}`, 'duplicate'))
        if (!o.ok) req.log.warn({ id, code: o.code }, 'a merged incident could not be closed')
      }
      return reply.send({ ...merged, status_history: merged.status_history ?? [] })
    },
  )

  app.post(
    '/api/incidents/bulk',
    {
      schema: {
        tags: ['incidents'],
        summary: 'One status change or action on many incidents; each is checked and reported on its own',
        security: Auth,
        body: Type.Object(
          {
            ids: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 500 }),
            status: Type.Optional(Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s)))),
            action: Type.Optional(Type.Union([Type.Literal('reviewed'), Type.Literal('dismissed'), Type.Literal('escalated')])),
            reason: Type.Optional(Type.String({ maxLength: 2000 })),
            close_reason: Type.Optional(Type.Union(CLOSE_REASONS.map((s) => Type.Literal(s)))),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ results: Type.Array(Type.Object({ id: Type.String(), ok: Type.Boolean(), status: Type.Optional(Type.String()), error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })) })) }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const who = authorize(tokens, req, reply, 'act')
      if (who === undefined) return reply
      const b = req.body as { ids: string[]; status?: IncidentStatus; action?: 'reviewed' | 'dismissed' | 'escalated'; reason?: string; close_reason?: CloseReason }
      if ((b.status === undefined) === (b.action === undefined)) return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: 'give exactly one of status or action' } })
      const to: IncidentStatus = b.status ?? (b.action === 'reviewed' ? 'triaged' : b.action === 'dismissed' ? 'closed' : 'escalated')
      const closeReason = b.close_reason ?? (b.action === 'dismissed' ? 'false_positive' : undefined)
      const results = []
      for (const id of [...new Set(b.ids)]) {
        const o = await mutate(who, req.id, id, b.status ? `bulk:status:${to}` : `bulk:action:${b.action}`, statusPlan(who, to, b.reason, closeReason))
        results.push(o.ok ? { id, ok: true, status: o.incident.status } : { id, ok: false, error: { code: o.code, message: o.message } })
      }
      return { results }
    },
  )
}

export default actionRoutes
