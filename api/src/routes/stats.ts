/** GET /api/stats (JSON) and GET /metrics (Prometheus text): what each component received, sent and dropped. */
import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'

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

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', produces: ['text/plain'] } }, async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(stats.prometheus())
  })
}

export default statsRoutes
