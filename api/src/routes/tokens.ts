/** API token management (role `admin`): create (the secret is shown once), list, revoke. */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { audit, authorize, ROLES, type Role } from '../auth.js'

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
const CreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._@:-]+$' }), role: Type.Union(ROLES.map((r) => Type.Literal(r))) },
  { additionalProperties: false },
)
const TokenInfo = Type.Object({ token_id: Type.String(), name: Type.String(), role: Type.String(), created_at: Type.String(), created_by: Type.String() })
const Auth = [{ bearer: [] }]

const tokenRoutes: FastifyPluginAsync = async (app) => {
  const { tokens, store } = app.deps
  app.post(
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
      const who = authorize(tokens, req, reply, 'admin')
      if (who === undefined) return reply
      const b = req.body as Static<typeof CreateBody>
      const created = await tokens.create(b.name, b.role as Role, who.actor)
      await audit(store, { requestId: req.id, who, action: 'token:create', target: `token:${created.id}`, before: null, after: { name: b.name, role: b.role } })
      return reply.status(201).send(created)
    },
  )
  app.get(
    '/api/tokens',
    { schema: { tags: ['admin'], summary: 'List API tokens (admin; no secrets)', security: Auth, response: { 200: Type.Object({ tokens: Type.Array(TokenInfo) }), 401: ErrorBody, 403: ErrorBody } } },
    async (req, reply) => {
      const who = authorize(tokens, req, reply, 'admin')
      if (who === undefined) return reply
      return { tokens: tokens.list() }
    },
  )
  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API token (admin)',
        security: Auth,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ revoked: Type.String() }), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const who = authorize(tokens, req, reply, 'admin')
      if (who === undefined) return reply
      const { id } = req.params as { id: string }
      if (!(await tokens.revoke(id))) return reply.status(404).send({ error: { code: 'TOKEN_NOT_FOUND', message: `no active token ${id}` } })
      await audit(store, { requestId: req.id, who, action: 'token:revoke', target: `token:${id}`, before: { active: true }, after: { active: false } })
      return { revoked: id }
    },
  )
}

export default tokenRoutes
