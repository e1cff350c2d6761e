/**
 * GET /api/incidents (limit, offset, severity, status, source_ip) and GET /api/incident/:id.
 * The latest version of each incident wins; every filter is a bound query parameter.
 */
import { isIP } from 'node:net'
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES } from '@watchfloor/contracts'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'

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
  },
  { additionalProperties: false },
)

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
const Incident = Type.Object({ id: Type.String(), severity: Type.String(), status: Type.String() }, { additionalProperties: true })

interface Row {
  incident_id: string
  version: string
  created_at: string
  updated_at: string
  first_seen: string
  last_seen: string
  status: string
  severity: string
  confidence: number
  risk_score: number
  title: string
  threat_type: string
  source_ip: string
  attack_techniques: string[]
  attack_tactics: string[]
  alert_ids: string[]
  alert_count: number
  entities: string[]
  doc: string
}

function toIncident(r: Row): Record<string, unknown> {
  let doc: Record<string, unknown> = {}
  try {
    doc = JSON.parse(r.doc) as Record<string, unknown>
  } catch {
    doc = {}
  }
  return {
    ...doc,
    id: r.incident_id,
    version: Number(r.version),
    status: r.status,
    severity: r.severity,
    confidence: r.confidence,
    risk_score: r.risk_score,
    title: r.title,
    threat_type: r.threat_type,
    source_ip: r.source_ip,
    attack_techniques: r.attack_techniques,
    attack_tactics: r.attack_tactics,
    alert_ids: r.alert_ids,
    alert_count: r.alert_count,
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    created_at: r.created_at,
    updated_at: r.updated_at,
  }
}

const incidentRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'List incidents, newest activity first',
        querystring: ListQuery,
        response: { 200: Type.Object({ incidents: Type.Array(Incident), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }), 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const q = req.query as Static<typeof ListQuery>
      const severity = q.severity?.toUpperCase() ?? ''
      if (severity && !(SEVERITIES as readonly string[]).includes(severity)) return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: `severity must be one of ${SEVERITIES.join(', ')}` } })
      const status = q.status?.toLowerCase() ?? ''
      if (status && !(STATUSES as readonly string[]).includes(status)) return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: `status must be one of ${STATUSES.join(', ')}` } })
      const sourceIp = q.source_ip ?? ''
      if (sourceIp && isIP(sourceIp) === 0) return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: 'source_ip must be an IPv4 or IPv6 address' } })
      const where = `({severity:String} = '' OR severity = {severity:String}) AND ({status:String} = '' OR status = {status:String}) AND ({source_ip:String} = '' OR source_ip = {source_ip:String})`
      const params = { severity, status, source_ip: sourceIp, limit: q.limit, offset: q.offset }
      const client = app.deps.store.client
      const [rows, count] = await Promise.all([
        client.query({ query: `SELECT * FROM incidents FINAL WHERE ${where} ORDER BY last_seen DESC, incident_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, query_params: params, format: 'JSONEachRow' }).then((r) => r.json<Row>()),
        client.query({ query: `SELECT count() AS n FROM incidents FINAL WHERE ${where}`, query_params: params, format: 'JSONEachRow' }).then((r) => r.json<{ n: string }>()),
      ])
      return { incidents: rows.map(toIncident), total: Number(count[0]?.n ?? 0), limit: q.limit, offset: q.offset }
    },
  )

  app.get(
    '/api/incident/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'One incident',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: Incident, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const rows = await app.deps.store.client
        .query({ query: 'SELECT * FROM incidents FINAL WHERE incident_id = {id:String} LIMIT 1', query_params: { id }, format: 'JSONEachRow' })
        .then((r) => r.json<Row>())
      const row = rows[0]
      if (!row) return reply.status(404).send({ error: { code: 'INCIDENT_NOT_FOUND', message: `no incident with id ${id}` } })
      // related: other incidents that share an entity (source IP, user, host, destination IP)
      const related =
        row.entities.length === 0
          ? []
          : await app.deps.store.client
              .query({
                query: 'SELECT incident_id, severity, status, title, last_seen, entities FROM incidents FINAL WHERE hasAny(entities, {entities:Array(String)}) AND incident_id != {id:String} ORDER BY last_seen DESC LIMIT 10',
                query_params: { entities: row.entities, id },
                format: 'JSONEachRow',
              })
              .then((r) => r.json<{ incident_id: string; severity: string; status: string; title: string; last_seen: string; entities: string[] }>())
      return {
        ...toIncident(row),
        related: related.map((r) => ({ id: r.incident_id, severity: r.severity, status: r.status, title: r.title, last_seen: r.last_seen, shared: r.entities.filter((e) => row.entities.includes(e)) })),
      }
    },
  )
}

export default incidentRoutes
