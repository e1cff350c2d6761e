/**
 * Entity profiles: GET /api/ip/:ip/profile (`?role=source|destination`, source by default),
 * GET /api/user/:name/profile, GET /api/host/:name/profile. Served from the pipeline's memory
 * (the freshest state), else from ClickHouse after a restart or an eviction.
 */
import { isIP } from 'node:net'
import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { EntityKind } from '@watchfloor/contracts'
import { normalizeIp } from '@watchfloor/pipeline'

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
const Profile = Type.Object(
  {
    kind: Type.String(),
    entity: Type.String(),
    events: Type.Integer(),
    risk_score: Type.Integer({ minimum: 0, maximum: 100 }),
    first_seen: Type.String(),
    last_seen: Type.String(),
  },
  { additionalProperties: true },
)

const profileRoutes: FastifyPluginAsync = async (app) => {
  const lookup = async (kind: EntityKind, entity: string) => {
    const profiles = app.deps.pipeline.analyzer.profiles
    if (profiles === undefined) return { status: 404 as const, body: { error: { code: 'PROFILE_NOT_FOUND', message: 'profiling is off (PROFILE_ENABLED=false)' } } }
    const p = await profiles.get(kind, entity)
    if (p === undefined) return { status: 404 as const, body: { error: { code: 'PROFILE_NOT_FOUND', message: `no ${kind} profile for ${entity}` } } }
    return { status: 200 as const, body: p }
  }

  app.get(
    '/api/ip/:ip/profile',
    {
      schema: {
        tags: ['profiles'],
        summary: 'Behavioural profile of an IP address',
        params: Type.Object({ ip: Type.String({ minLength: 2, maxLength: 64 }) }),
        querystring: Type.Object({ role: Type.Union([Type.Literal('source'), Type.Literal('destination')], { default: 'source' }) }, { additionalProperties: false }),
        response: { 200: Profile, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { ip } = req.params as { ip: string }
      const { role } = req.query as { role: 'source' | 'destination' }
      const addr = isIP(ip) === 0 ? undefined : normalizeIp(ip)
      if (addr === undefined) return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: 'ip must be an IPv4 or IPv6 address' } })
      const r = await lookup(role === 'destination' ? 'destination_ip' : 'source_ip', addr)
      return reply.status(r.status).send(r.body)
    },
  )

  for (const [path, kind, what] of [
    ['/api/user/:name/profile', 'user', 'a user'],
    ['/api/host/:name/profile', 'host', 'a host'],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          tags: ['profiles'],
          summary: `Behavioural profile of ${what}`,
          params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 512 }) }),
          response: { 200: Profile, 404: ErrorBody },
        },
      },
      async (req, reply) => {
        const { name } = req.params as { name: string }
        const r = await lookup(kind, name)
        return reply.status(r.status).send(r.body)
      },
    )
  }
}

export default profileRoutes
