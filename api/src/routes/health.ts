/** GET /api/health: a real check of each component (a query, a worker round trip), 503 if any is down. */
import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'

const Component = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]), latency_ms: Type.Optional(Type.Number()), detail: Type.Optional(Type.String()) }, { additionalProperties: true })
const Health = Type.Object({ status: Type.String(), components: Type.Record(Type.String(), Component) })

const healthRoutes: FastifyPluginAsync = async (app) => {
  const { health } = app.deps.services
  app.get('/api/health', { schema: { tags: ['operations'], summary: 'Component health', response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    const report = await health.check()
    return reply.status(report.status === 'down' ? 503 : 200).send(report)
  })
}

export default healthRoutes
