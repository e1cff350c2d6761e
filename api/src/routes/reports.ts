/**
 * KPIs and exports (token with read rights: viewer, analyst, admin, proxy), and the audit log
 * query (admin). GET /api/metrics.json, GET /api/export.csv, GET /api/audit.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Incident } from '@watchfloor/contracts'
import { chTime } from '@watchfloor/pipeline'
import { authorize } from '../auth.js'
import { computeKpis, incidentsCsv } from '../kpis.js'

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
const Auth = [{ bearer: [] }]
const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 256 })),
    action: Type.Optional(Type.String({ maxLength: 128 })),
    target: Type.Optional(Type.String({ maxLength: 256 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
  },
  { additionalProperties: false },
)

const reportRoutes: FastifyPluginAsync = async (app) => {
  const { store, tokens } = app.deps
  /** Latest version of every incident that an analyst touched or that is still open. */
  const incidents = async (): Promise<Incident[]> => {
    const rows = await store.client.query({ query: 'SELECT doc FROM incidents FINAL ORDER BY first_seen', format: 'JSONEachRow' }).then((r) => r.json<{ doc: string }>())
    return rows.map((r) => JSON.parse(r.doc) as Incident)
  }

  app.get(
    '/api/metrics.json',
    { schema: { tags: ['reports'], summary: 'Analyst KPIs: AI agreement and acceptance, time in state, MTTA/MTTR, rule precision', security: Auth, response: { 200: Type.Object({}, { additionalProperties: true }), 401: ErrorBody, 403: ErrorBody } } },
    async (req, reply) => {
      if (authorize(tokens, req, reply, 'read') === undefined) return reply
      return computeKpis(await incidents())
    },
  )

  app.get(
    '/api/export.csv',
    { schema: { tags: ['reports'], summary: 'Incidents with their triage and timings as CSV (cells safe from formula injection)', security: Auth, produces: ['text/csv'], response: { 401: ErrorBody, 403: ErrorBody } } },
    async (req, reply) => {
      if (authorize(tokens, req, reply, 'read') === undefined) return reply
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="watchfloor-incidents.csv"').send(incidentsCsv(await incidents()))
    },
  )

  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log of mutating requests, newest first (admin)',
        security: Auth,
        querystring: AuditQuery,
        response: { 200: Type.Object({ entries: Type.Array(Type.Object({}, { additionalProperties: true })) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      if (authorize(tokens, req, reply, 'admin') === undefined) return reply
      const q = req.query as Static<typeof AuditQuery>
      const since = q.since ? chTime(new Date(q.since).toISOString()) : '1970-01-01 00:00:00.000'
      const rows = await store.client
        .query({
          query:
            "SELECT ts, request_id, actor, role, action, target, before, after FROM audit_log WHERE ({actor:String} = '' OR actor = {actor:String}) AND ({action:String} = '' OR action = {action:String}) AND ({target:String} = '' OR target = {target:String}) AND ts >= toDateTime64({since:String}, 3, 'UTC') ORDER BY ts DESC LIMIT {limit:UInt32}",
          query_params: { actor: q.actor ?? '', action: q.action ?? '', target: q.target ?? '', since, limit: q.limit },
          format: 'JSONEachRow',
        })
        .then((r) => r.json<Record<string, string>>())
      return { entries: rows.map((r) => ({ ...r, before: JSON.parse(r.before ?? 'null'), after: JSON.parse(r.after ?? 'null') })) }
    },
  )
}

export default reportRoutes
