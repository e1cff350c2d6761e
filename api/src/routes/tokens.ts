/** API token management (role `admin`): create (the secret is shown once), list, revoke. Every change is audited. */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { ROLES, WatchfloorError } from '@watchfloor/pipeline'
import { changeContext } from '../auth.js'
import { Auth, ErrorBody } from './schemas.js'

const CreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._@:-]+$' }), role: Type.Union(ROLES.map((r) => Type.Literal(r))) },
  { additionalProperties: false },
)
const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const TokenInfo = Type.Object({ token_id: Type.String(), name: Type.String(), role: Type.String(), created_at: Type.String(), created_by: Type.String() })

const tokenRoutes: FastifyPluginAsync = async (app) => {
  const { tokens, audit } = app.deps.services
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API token (admin); the token is in this answer only',
        security: Auth,
        body: CreateBody,
        response: { 201: Type.Object({ id: Type.String(), token: Type.String(), name: Type.String(), role: Type.String() }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const ctx = changeContext(tokens, req, 'admin')
      const created = await tokens.create(req.body.name, req.body.role, ctx.who.actor)
      await audit.record({ ...ctx, action: 'token:create', target: `token:${created.id}`, before: null, after: { name: req.body.name, role: req.body.role } })
      return reply.status(201).send(created)
    },
  )
  app.get(
    '/api/tokens',
    { schema: { tags: ['admin'], summary: 'List API tokens (admin; no secrets)', security: Auth, response: { 200: Type.Object({ tokens: Type.Array(TokenInfo) }), 401: ErrorBody, 403: ErrorBody } } },
    async (req) => {
      changeContext(tokens, req, 'admin')
      return { tokens: tokens.list() }
    },
  )
  app.delete<{ Params: Static<typeof TokenParams> }>(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API token (admin)',
        security: Auth,
        params: TokenParams,
        response: { 200: Type.Object({ revoked: Type.String() }), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const ctx = changeContext(tokens, req, 'admin')
      const { id } = req.params
      if (!(await tokens.revoke(id))) throw new WatchfloorError('TOKEN_NOT_FOUND', `no active token ${id}`)
      await audit.record({ ...ctx, action: 'token:revoke', target: `token:${id}`, before: { active: true }, after: { active: false } })
      return { revoked: id }
    },
  )
}

export default tokenRoutes
