/**
 * The evidence behind incidents and hunting over it (token with read rights): an incident's
 * alerts (rule, ATT&CK, the values that matched, the events) and events (normalized fields and
 * the original record), and alerts and events by time range, entity, rule and technique. Paged.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { ErrorBody, IncidentId } from './schemas.js'

const Paging = { limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }), offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }) }
const PageQuery = Type.Object(Paging, { additionalProperties: false })
const HuntQuery = Type.Object(
  {
    ...Paging,
    from: Type.Optional(Type.String({ format: 'date-time', description: 'default: 24 hours before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })),
    ip: Type.Optional(Type.String({ maxLength: 64, description: 'source or destination address' })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    host: Type.Optional(Type.String({ maxLength: 256 })),
    rule: Type.Optional(Type.String({ maxLength: 256, description: 'rule id or title (alerts)' })),
    technique: Type.Optional(Type.String({ maxLength: 32, pattern: '^T\\d{4}(\\.\\d{3})?$', description: 'ATT&CK technique (alerts)' })),
  },
  { additionalProperties: false },
)
const Alert = Type.Object({ id: Type.String(), timestamp: Type.String(), rule: Type.Object({ id: Type.String(), title: Type.String(), level: Type.String() }), matched: Type.Record(Type.String(), Type.String()), event_ids: Type.Array(Type.String()) }, { additionalProperties: true })
const Event = Type.Object({ event_id: Type.String(), timestamp: Type.String(), original: Type.String() }, { additionalProperties: true })
const Alerts = Type.Object({ alerts: Type.Array(Alert), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() })
const Events = Type.Object({ events: Type.Array(Event), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() })

const evidenceRoutes: FastifyPluginAsync = async (app) => {
  const { evidence } = app.deps.services
  const paged = <T extends object>(q: { limit: number; offset: number }, r: T) => ({ ...r, limit: q.limit, offset: q.offset })

  app.get<{ Params: Static<typeof IncidentId>; Querystring: Static<typeof PageQuery> }>(
    '/api/incident/:id/alerts',
    { schema: { tags: ['incidents'], summary: "An incident's alerts: rule, ATT&CK, the values that matched, the events they fired on", params: IncidentId, querystring: PageQuery, response: { 200: Alerts, 404: ErrorBody } } },
    async (req) => paged(req.query, await evidence.incidentAlerts(req.params.id, req.query)),
  )
  app.get<{ Params: Static<typeof IncidentId>; Querystring: Static<typeof PageQuery> }>(
    '/api/incident/:id/events',
    { schema: { tags: ['incidents'], summary: "An incident's events: normalized fields and the original record", params: IncidentId, querystring: PageQuery, response: { 200: Events, 404: ErrorBody } } },
    async (req) => paged(req.query, await evidence.incidentEvents(req.params.id, req.query)),
  )
  app.get<{ Querystring: Static<typeof HuntQuery> }>(
    '/api/alerts',
    { schema: { tags: ['incidents'], summary: 'Alerts by time range, entity, rule and technique (newest first)', querystring: HuntQuery, response: { 200: Alerts, 400: ErrorBody } } },
    async (req) => paged(req.query, await evidence.alerts(req.query)),
  )
  app.get<{ Querystring: Static<typeof HuntQuery> }>(
    '/api/events',
    { schema: { tags: ['incidents'], summary: 'Events by time range and entity (newest first)', querystring: HuntQuery, response: { 200: Events, 400: ErrorBody } } },
    async (req) => paged(req.query, await evidence.events(req.query)),
  )
}

export default evidenceRoutes
