/** GET /api/stats (JSON) and GET /metrics (Prometheus text): what each component received, sent and dropped. */
import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'

const statsRoutes: FastifyPluginAsync = async (app) => {
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
    async () => {
      const { store, telemetry, pipeline } = app.deps
      const q = async <T>(query: string) => (await (await store.client.query({ query, format: 'JSONEachRow' })).json<T>())
      const [events, dead, bySev, byStatus, byDecoder, alertsBySev] = await Promise.all([
        q<{ n: string }>('SELECT count() AS n FROM events'),
        q<{ n: string }>('SELECT count() AS n FROM dead_letters'),
        q<{ k: string; n: string }>('SELECT severity AS k, count() AS n FROM incidents FINAL GROUP BY k'),
        q<{ k: string; n: string }>('SELECT status AS k, count() AS n FROM incidents FINAL GROUP BY k'),
        q<{ k: string; n: string }>('SELECT decoder AS k, count() AS n FROM events GROUP BY k'),
        q<{ k: string; n: string }>('SELECT severity AS k, count() AS n FROM alerts FINAL GROUP BY k'),
      ])
      const map = (rows: { k: string; n: string }[]) => Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]))
      const sev = map(bySev)
      return {
        total_events: Number(events[0]?.n ?? 0),
        total_incidents: Object.values(sev).reduce((a, b) => a + b, 0),
        dead_letters: Number(dead[0]?.n ?? 0),
        incidents_by_severity: sev,
        incidents_by_status: map(byStatus),
        events_by_decoder: map(byDecoder),
        total_alerts: Object.values(map(alertsBySev)).reduce((a, b) => a + b, 0),
        alerts_by_severity: map(alertsBySev),
        detection: pipeline.ruleStats
          ? { sigma_rules: pipeline.ruleStats.rules, compiled: pipeline.ruleStats.compiled, correlations: pipeline.ruleStats.correlations, failed: pipeline.ruleStats.errors.length, errors: pipeline.ruleStats.errors.slice(0, 100), rule_dirs: pipeline.ruleDirs, correlation_groups: pipeline.analyzer.correlator?.groups ?? 0 }
          : { sigma_rules: 0, compiled: 0, correlations: 0, failed: 0, errors: [], rule_dirs: [], note: 'detection off (DETECT_BUILTIN_RULES=false and no SIGMA_RULES_DIRS)' },
        pipeline: { ...telemetry.snapshot(), decode: pipeline.decodeTotals() },
        ...(app.deps.kafka?.source ? { kafka: app.deps.kafka.source.status() } : {}),
      }
    },
  )

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', produces: ['text/plain'] } }, async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(app.deps.telemetry.prometheus())
  })
}

export default statsRoutes
