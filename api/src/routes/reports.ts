/**
 * KPIs and exports (token with read rights: viewer, analyst, admin, proxy), and the audit log
 * query (admin). GET /api/metrics.json, GET /api/export.csv, GET /api/audit.
 */
import { Readable } from 'node:stream'
import type { FastifyPluginAsync } from 'fastify'
import { WatchfloorError } from '@watchfloor/pipeline'
import { Type, type Static } from '@sinclair/typebox'
import { authenticate } from '../auth.js'
import { KpiAccumulator, incidentsCsvStream } from '../kpis.js'
import { Auth, ErrorBody } from './schemas.js'

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

const RangeQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'incidents opened at or after this time (default: 30 days before `to`)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'incidents opened at or before this time (default: now)' })),
  },
  { additionalProperties: false },
)

/** The range asked, by the incidents' processing time; the last 30 days by default. */
function rangeOf(q: Static<typeof RangeQuery>): { from: string; to: string } {
  const to = q.to === undefined ? Date.now() : Date.parse(q.to)
  const from = q.from === undefined ? to - 30 * 86_400_000 : Date.parse(q.from)
  if (from > to) throw new WatchfloorError('REQUEST_INVALID', 'from must not be after to')
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() }
}

const reportRoutes: FastifyPluginAsync = async (app) => {
  const { incidents, audit, tokens } = app.deps.services

  app.get<{ Querystring: Static<typeof RangeQuery> }>(
    '/api/metrics.json',
    { schema: { tags: ['reports'], summary: 'Analyst KPIs of the incidents opened in a range (default: the last 30 days): AI agreement and acceptance, time in state, MTTA/MTTR, rule precision', security: Auth, querystring: RangeQuery, response: { 200: Type.Object({}, { additionalProperties: true }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } } },
    async (req) => {
      authenticate(tokens, req, 'read')
      const acc = new KpiAccumulator()
      for await (const page of incidents.pages(rangeOf(req.query))) for (const inc of page) acc.add(inc)
      return acc.result()
    },
  )

  app.get<{ Querystring: Static<typeof RangeQuery> }>(
    '/api/export.csv',
    { schema: { tags: ['reports'], summary: 'Incidents opened in a range (default: the last 30 days) with their triage and timings as CSV, streamed (cells safe from formula injection)', security: Auth, querystring: RangeQuery, produces: ['text/csv'], response: { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } } },
    async (req, reply) => {
      authenticate(tokens, req, 'read')
      const range = rangeOf(req.query)
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="watchfloor-incidents.csv"').send(Readable.from(incidentsCsvStream(incidents.pages(range))))
    },
  )

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
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
    async (req) => {
      authenticate(tokens, req, 'admin')
      const q = req.query
      return { entries: await audit.query({ limit: q.limit, ...(q.actor !== undefined ? { actor: q.actor } : {}), ...(q.action !== undefined ? { action: q.action } : {}), ...(q.target !== undefined ? { target: q.target } : {}), ...(q.since !== undefined ? { since: q.since } : {}) }) }
    },
  )
}

export default reportRoutes
