/**
 * API tokens: a token is `wf_<role>_<random>`; only its SHA-256 is stored (ClickHouse
 * `api_tokens`, latest version wins). Roles: `viewer` reads, `analyst` acts on incidents, `admin`
 * also manages tokens, `ingest` is for producers, `proxy` is Grafana's plugin proxy.
 *
 * On the first start (no token at all) an admin token is generated and written to
 * DATA_DIR/admin-token readable only by the user. Tokens are never logged.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Store } from '../sinks/clickhouse/client.js'
import { chTime, nextVersion, rowJson } from '../sinks/clickhouse/values.js'

export const ROLES = ['viewer', 'analyst', 'admin', 'ingest', 'proxy'] as const
export type Role = (typeof ROLES)[number]

/** A token as stored: its hash, never the token itself. */
export interface TokenRow {
  token_id: string
  name: string
  role: Role
  token_hash: string
  created_at: string
  created_by: string
  revoked: number
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** Token administration and verification, as the API uses it. */
export interface Tokens {
  readonly size: number
  create(name: string, role: Role, createdBy: string): Promise<{ id: string; token: string; name: string; role: Role }>
  /** False when no active token has that id. */
  revoke(id: string): Promise<boolean>
  list(): Array<Omit<TokenRow, 'token_hash' | 'revoked'>>
  /** The token's row, or undefined for an unknown or revoked token. */
  verify(token: string): TokenRow | undefined
}

export class TokenStore implements Tokens {
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
    await this.store.insertJsonRows('api_tokens', rowJson({ ...row, version: nextVersion() }) + '\n', {})
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

