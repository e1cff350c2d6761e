/**
 * Entity profiles: GET /api/ip/:ip/profile (`?role=source|destination`, source by default),
 * GET /api/user/:name/profile, GET /api/host/:name/profile. 404 PROFILE_NOT_FOUND when there is
 * none (or profiling is off).
 */
import { isIP } from 'node:net'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { WatchfloorError, normalizeIp } from '@watchfloor/pipeline'
import { ErrorBody } from './schemas.js'

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
const IpParams = Type.Object({ ip: Type.String({ minLength: 2, maxLength: 64 }) })
const IpQuery = Type.Object({ role: Type.Union([Type.Literal('source'), Type.Literal('destination')], { default: 'source' }) }, { additionalProperties: false })
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 512 }) })

const profileRoutes: FastifyPluginAsync = async (app) => {
  const { profiles } = app.deps.services

  app.get<{ Params: Static<typeof IpParams>; Querystring: Static<typeof IpQuery> }>(
    '/api/ip/:ip/profile',
    { schema: { tags: ['profiles'], summary: 'Behavioural profile of an IP address', params: IpParams, querystring: IpQuery, response: { 200: Profile, 400: ErrorBody, 404: ErrorBody } } },
    (req) => {
      const addr = isIP(req.params.ip) === 0 ? undefined : normalizeIp(req.params.ip)
      if (addr === undefined) throw new WatchfloorError('REQUEST_INVALID', 'ip must be an IPv4 or IPv6 address')
      return profiles.get(req.query.role === 'destination' ? 'destination_ip' : 'source_ip', addr)
    },
  )

  for (const [path, kind, what] of [
    ['/api/user/:name/profile', 'user', 'a user'],
    ['/api/host/:name/profile', 'host', 'a host'],
  ] as const) {
    app.get<{ Params: Static<typeof NameParams> }>(
      path,
      { schema: { tags: ['profiles'], summary: `Behavioural profile of ${what}`, params: NameParams, response: { 200: Profile, 404: ErrorBody } } },
      (req) => profiles.get(kind, req.params.name),
    )
  }
}

export default profileRoutes
