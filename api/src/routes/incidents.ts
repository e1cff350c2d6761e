/**
 * GET /api/incidents (limit, offset, severity, status, source_ip) and GET /api/incident/:id.
 * The latest version of each incident wins; every filter is a bound query parameter.
 */
import { isIP } from 'node:net'
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES } from '@watchfloor/contracts'
import { WatchfloorError } from '@watchfloor/pipeline'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { ErrorBody, IncidentId } from './schemas.js'

export const SEVERITIES = INCIDENT_SEVERITIES
/** The lifecycle's states, plus the seed systems' status names (still accepted as filters). */
export const STATUSES = [...INCIDENT_STATUSES, 'reviewed', 'dismissed'] as const

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
    severity: Type.Optional(Type.String({ description: `one of ${SEVERITIES.join(', ')} (any case)` })),
    status: Type.Optional(Type.String({ description: `one of ${STATUSES.join(', ')}` })),
    source_ip: Type.Optional(Type.String({ description: 'IPv4 or IPv6 address' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'only incidents whose events reach this time or later (last_seen >= from)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'only incidents whose events began by this time (first_seen <= to)' })),
  },
  { additionalProperties: false },
)

const Incident = Type.Object({ id: Type.String(), severity: Type.String(), status: Type.String() }, { additionalProperties: true })
const SimilarQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 50, default: 5 }) }, { additionalProperties: false })
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()])
const Similar = Type.Object({
  id: Type.String(),
  score: Type.Number(),
  title: Type.String(),
  severity: Type.String(),
  status: Type.String(),
  reasons: Type.Object({ entities: Type.Array(Type.String()), rules: Type.Array(Type.String()), techniques: Type.Array(Type.String()), text: Type.Array(Type.String()), vector: Type.Optional(Type.Number()) }),
  disposition: Nullable(Type.String({ description: 'close reason once closed' })),
  closed_by: Nullable(Type.String()),
  closed_at: Nullable(Type.String()),
  last_seen: Type.String(),
})

const incidentRoutes: FastifyPluginAsync = async (app) => {
  const { incidents } = app.deps.services
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'List incidents, newest activity first',
        querystring: ListQuery,
        response: { 200: Type.Object({ incidents: Type.Array(Incident), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }), 400: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query
      const severity = q.severity?.toUpperCase() ?? ''
      if (severity && !(SEVERITIES as readonly string[]).includes(severity)) throw new WatchfloorError('REQUEST_INVALID', `severity must be one of ${SEVERITIES.join(', ')}`)
      const status = q.status?.toLowerCase() ?? ''
      if (status && !(STATUSES as readonly string[]).includes(status)) throw new WatchfloorError('REQUEST_INVALID', `status must be one of ${STATUSES.join(', ')}`)
      const sourceIp = q.source_ip ?? ''
      if (sourceIp && isIP(sourceIp) === 0) throw new WatchfloorError('REQUEST_INVALID', 'source_ip must be an IPv4 or IPv6 address')
      const from = q.from === undefined ? '' : new Date(q.from).toISOString()
      const to = q.to === undefined ? '' : new Date(q.to).toISOString()
      if (from !== '' && to !== '' && from > to) throw new WatchfloorError('REQUEST_INVALID', 'from must not be after to')
      const page = await incidents.list({ limit: q.limit, offset: q.offset, severity, status, sourceIp, from, to })
      return { ...page, limit: q.limit, offset: q.offset }
    },
  )

  app.get<{ Params: Static<typeof IncidentId> }>(
    '/api/incident/:id',
    { schema: { tags: ['incidents'], summary: 'One incident, with the incidents that share an entity with it', params: IncidentId, response: { 200: Incident, 404: ErrorBody } } },
    (req) => incidents.get(req.params.id),
  )

  app.get<{ Params: Static<typeof IncidentId>; Querystring: Static<typeof SimilarQuery> }>(
    '/api/incident/:id/similar',
    {
      schema: {
        tags: ['incidents'],
        summary: 'The most similar other incidents: score, why (shared entities, rules, techniques, words), and how they were resolved (disposition, who closed them, when)',
        params: IncidentId,
        querystring: SimilarQuery,
        response: { 200: Type.Object({ id: Type.String(), similar: Type.Array(Similar) }), 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (req) => ({ id: req.params.id, similar: await incidents.similar(req.params.id, req.query.limit) }),
  )
}

export default incidentRoutes
