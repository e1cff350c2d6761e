/** GET /api/stats (JSON) and GET /metrics (Prometheus text): what each component received, sent and dropped. */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { WatchfloorError } from '@watchfloor/pipeline'
import { Auth, ErrorBody } from './schemas.js'

const OverviewQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'start of the range (default: 24 hours before `to`)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'end of the range (default: now)' })),
  },
  { additionalProperties: false },
)
const Counted = Type.Array(Type.Object({ value: Type.String(), alerts: Type.Integer() }))
const OverviewBody = Type.Object({
  from: Type.String(),
  to: Type.String(),
  bucket_seconds: Type.Integer(),
  incidents_over_time: Type.Array(Type.Object({ t: Type.String(), counts: Type.Record(Type.String(), Type.Integer()) })),
  open_by_status: Type.Record(Type.String(), Type.Integer()),
  top_sources: Counted,
  top_users: Counted,
  attack: Type.Array(Type.Object({ technique: Type.String(), name: Type.String(), tactics: Type.Array(Type.String()), alerts: Type.Integer() })),
})
/** The longest range one overview covers. */
const MAX_RANGE_MS = 400 * 86_400_000

const statsRoutes: FastifyPluginAsync = async (app) => {
  const { stats } = app.deps.services
  app.get(
    '/api/stats',
    {
      schema: {
        tags: ['operations'],
        summary: 'Pipeline and store statistics',
        response: {
          200: Type.Object(
            {
              total_events: Type.Integer(),
              total_incidents: Type.Integer(),
              dead_letters: Type.Integer(),
              incidents_by_severity: Type.Record(Type.String(), Type.Integer()),
              incidents_by_status: Type.Record(Type.String(), Type.Integer()),
              events_by_decoder: Type.Record(Type.String(), Type.Integer()),
              pipeline: Type.Object({}, { additionalProperties: true }),
            },
            { additionalProperties: true },
          ),
        },
      },
    },
    () => stats.report(),
  )

  app.get<{ Querystring: Static<typeof OverviewQuery> }>(
    '/api/overview',
    {
      schema: {
        tags: ['reports'],
        summary: 'SOC overview of a time range: incidents by severity over time, the open queue by status, top sources and users, ATT&CK techniques by tactic',
        security: Auth,
        querystring: OverviewQuery,
        response: { 200: OverviewBody, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const to = req.query.to === undefined ? Date.now() : Date.parse(req.query.to)
      const from = req.query.from === undefined ? to - 86_400_000 : Date.parse(req.query.from)
      if (from > to) throw new WatchfloorError('REQUEST_INVALID', 'from must not be after to')
      if (to - from > MAX_RANGE_MS) throw new WatchfloorError('REQUEST_INVALID', 'the range may cover at most 400 days')
      return stats.overview({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })
    },
  )

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', produces: ['text/plain'] } }, async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(stats.prometheus())
  })
}

export default statsRoutes
