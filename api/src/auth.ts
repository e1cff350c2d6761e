/**
 * API tokens and roles. A token is `wf_<role>_<random>`; only its SHA-256 is stored (ClickHouse
 * `api_tokens`). Roles: `viewer` reads, `analyst` acts on incidents, `admin` also manages tokens,
 * `ingest` is for producers, `proxy` is Grafana's plugin proxy (its requests act as the analyst
 * named in `X-Grafana-User`, a header trusted only with that token).
 *
 * On the first start (no token at all) an admin token is generated, printed once and written to
 * DATA_DIR/admin-token readable only by the user. Tokens are never logged.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { chTime, nextVersion, type Store } from '@watchfloor/pipeline'

export const ROLES = ['viewer', 'analyst', 'admin', 'ingest', 'proxy'] as const
export type Role = (typeof ROLES)[number]

/** What each role may do. */
const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  analyst: ['read', 'act'],
  admin: ['read', 'act', 'admin', 'ingest'],
  ingest: ['ingest'],
  proxy: ['read', 'act'],
}
export type Permission = 'read' | 'act' | 'admin' | 'ingest'

export interface Principal {
  /** Who acts: the token's name, or the Grafana user behind the proxy token. */
  actor: string
  role: Role
  tokenId: string
}

interface TokenRow {
  token_id: string
  name: string
  role: Role
  token_hash: string
  created_at: string
  created_by: string
  revoked: number
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export class TokenStore {
  private readonly byHash = new Map<string, TokenRow>()

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const rs = await this.store.client.query({ query: 'SELECT token_id, name, role, token_hash, created_at, created_by, revoked FROM api_tokens FINAL', format: 'JSONEachRow' })
    this.byHash.clear()
    for (const r of await rs.json<TokenRow>()) if (r.revoked === 0) this.byHash.set(r.token_hash, r)
  }

  get size(): number {
    return this.byHash.size
  }

  private async write(row: TokenRow): Promise<void> {
    await this.store.insertJsonRows('api_tokens', JSON.stringify({ ...row, version: nextVersion() }) + '\n', {})
  }

  /** Create a token; the secret is returned once and never stored. */
  async create(name: string, role: Role, createdBy: string): Promise<{ id: string; token: string; name: string; role: Role }> {
    const token = `wf_${role}_${randomBytes(24).toString('base64url')}`
    const row: TokenRow = { token_id: randomUUID(), name, role, token_hash: sha256(token), created_at: chTime(new Date().toISOString()), created_by: createdBy, revoked: 0 }
    await this.write(row)
    this.byHash.set(row.token_hash, row)
    return { id: row.token_id, token, name, role }
  }

  async revoke(id: string): Promise<boolean> {
    const row = [...this.byHash.values()].find((r) => r.token_id === id)
    if (row === undefined) return false
    await this.write({ ...row, revoked: 1 })
    this.byHash.delete(row.token_hash)
    return true
  }

  list(): Array<Omit<TokenRow, 'token_hash' | 'revoked'>> {
    return [...this.byHash.values()].map(({ token_hash: _h, revoked: _r, ...rest }) => rest).sort((a, b) => a.created_at.localeCompare(b.created_at))
  }

  /** The token's row, compared in constant time on the hash. */
  verify(token: string): TokenRow | undefined {
    const h = sha256(token)
    const row = this.byHash.get(h)
    if (row === undefined) return undefined
    return timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(h)) ? row : undefined
  }

  /** First start: an admin token, printed once and written to DATA_DIR/admin-token (mode 0600). */
  async bootstrap(dataDir: string): Promise<{ file: string; token: string } | undefined> {
    if (this.byHash.size > 0) return undefined
    const { token } = await this.create('admin', 'admin', 'bootstrap')
    const file = path.join(dataDir, 'admin-token')
    writeFileSync(file, token + '\n', { mode: 0o600 })
    return { file, token }
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (typeof h !== 'string') return undefined
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  return m?.[1]
}

/** Authenticate the request and require a permission; sends 401/403 and returns undefined when refused. */
export function authorize(tokens: TokenStore, req: FastifyRequest, reply: FastifyReply, need: Permission): Principal | undefined {
  const token = bearer(req)
  const row = token === undefined ? undefined : tokens.verify(token)
  if (row === undefined) {
    void reply
      .status(401)
      .header('WWW-Authenticate', 'Bearer')
      .send({ error: { code: 'AUTH_REQUIRED', message: token === undefined ? 'send an API token: Authorization: Bearer <token>' : 'unknown or revoked token' } })
    return undefined
  }
  if (!GRANTS[row.role].includes(need)) {
    void reply.status(403).send({ error: { code: 'AUTH_FORBIDDEN', message: `role ${row.role} may not ${need}` } })
    return undefined
  }
  let actor = row.name
  if (row.role === 'proxy') {
    // Grafana's plugin proxy forwards the signed-in user; trusted only with the proxy token.
    const user = req.headers['x-grafana-user']
    if (typeof user !== 'string' || user.trim() === '' || user.length > 256) {
      void reply.status(403).send({ error: { code: 'AUTH_FORBIDDEN', message: 'the proxy token needs an X-Grafana-User header' } })
      return undefined
    }
    actor = `grafana:${user.trim()}`
  }
  return { actor, role: row.role, tokenId: row.token_id }
}

/** Append one row to the audit log (every mutating request). */
export async function audit(store: Store, entry: { requestId: string; who: Principal; action: string; target: string; before: unknown; after: unknown }): Promise<void> {
  const row = {
    ts: chTime(new Date().toISOString()),
    request_id: entry.requestId,
    actor: entry.who.actor,
    role: entry.who.role,
    action: entry.action,
    target: entry.target,
    before: JSON.stringify(entry.before ?? null),
    after: JSON.stringify(entry.after ?? null),
  }
  await store.insertJsonRows('audit_log', JSON.stringify(row) + '\n', {})
}
