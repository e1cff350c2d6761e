/**
 * Who is asking, and may they: API tokens (`Authorization: Bearer <token>`, verified by the
 * pipeline's token service, which stores only hashes) and what each role may do. Roles: `viewer`
 * reads, `analyst` acts on incidents, `admin` also manages tokens and may ingest, `ingest` is for
 * producers, `proxy` is Grafana's plugin proxy (its requests act as the analyst named in
 * `X-Grafana-User`, a header trusted only with that token). Refusals are catalogued errors:
 * AUTH_REQUIRED (401) and AUTH_FORBIDDEN (403).
 */
import type { FastifyRequest } from 'fastify'
import { WatchfloorError, type Actor, type ChangeContext, type Role, type Tokens } from '@watchfloor/pipeline'

export type Permission = 'read' | 'act' | 'admin' | 'ingest'

/** Grafana login names: letters and digits of any script, and . _ @ + - (e-mail addresses too). */
const GRAFANA_LOGIN = /^[\p{L}\p{N}._@+-]{1,128}$/u

/** What each role may do. */
const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  analyst: ['read', 'act'],
  admin: ['read', 'act', 'admin', 'ingest'],
  ingest: ['ingest'],
  proxy: ['read', 'act'],
}

export interface Principal extends Actor {
  role: Role
  tokenId: string
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (typeof h !== 'string') return undefined
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  return m?.[1]
}

/** The request's principal, if it may `need`; else throws AUTH_REQUIRED or AUTH_FORBIDDEN. */
export function authenticate(tokens: Tokens, req: FastifyRequest, need: Permission): Principal {
  const token = bearer(req)
  const row = token === undefined ? undefined : tokens.verify(token)
  if (row === undefined) throw new WatchfloorError('AUTH_REQUIRED', token === undefined ? 'send an API token: Authorization: Bearer <token>' : 'unknown or revoked token')
  if (!GRANTS[row.role].includes(need)) throw new WatchfloorError('AUTH_FORBIDDEN', `role ${row.role} may not ${need}`)
  let actor = row.name
  if (row.role === 'proxy') {
    // Grafana's plugin proxy forwards the signed-in user; trusted only with the proxy token.
    const user = req.headers['x-grafana-user']
    if (typeof user !== 'string' || user.trim() === '') throw new WatchfloorError('AUTH_FORBIDDEN', 'the proxy token needs an X-Grafana-User header')
    // a login name, as Grafana's are (letters, digits, . _ @ + -): markup or control characters
    // would end up in comments, the history and the audit log
    if (!GRAFANA_LOGIN.test(user.trim())) throw new WatchfloorError('REQUEST_INVALID', 'X-Grafana-User must be a login name: letters, digits and . _ @ + - (at most 128 characters)')
    actor = `grafana:${user.trim()}`
  }
  return { actor, role: row.role, tokenId: row.token_id }
}

/** The principal and the request, as the services record a change. */
export function changeContext(tokens: Tokens, req: FastifyRequest, need: Permission): ChangeContext {
  const who = authenticate(tokens, req, need)
  return { who: { actor: who.actor, role: who.role }, requestId: req.id }
}
