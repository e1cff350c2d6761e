/**
 * KPIs and exports (token with read rights: viewer, analyst, admin, proxy), and the audit log
 * query (admin). GET /api/metrics.json, GET /api/export.csv, GET /api/audit.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { authenticate } from '../auth.js'
import { computeKpis, incidentsCsv } from '../kpis.js'
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

const reportRoutes: FastifyPluginAsync = async (app) => {
  const { incidents, audit, tokens } = app.deps.services

  app.get(
    '/api/metrics.json',
    { schema: { tags: ['reports'], summary: 'Analyst KPIs: AI agreement and acceptance, time in state, MTTA/MTTR, rule precision', security: Auth, response: { 200: Type.Object({}, { additionalProperties: true }), 401: ErrorBody, 403: ErrorBody } } },
    async (req) => {
      authenticate(tokens, req, 'read')
      return computeKpis(await incidents.all())
    },
  )

  app.get(
    '/api/export.csv',
    { schema: { tags: ['reports'], summary: 'Incidents with their triage and timings as CSV (cells safe from formula injection)', security: Auth, produces: ['text/csv'], response: { 401: ErrorBody, 403: ErrorBody } } },
    async (req, reply) => {
      authenticate(tokens, req, 'read')
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="watchfloor-incidents.csv"').send(incidentsCsv(await incidents.all()))
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
