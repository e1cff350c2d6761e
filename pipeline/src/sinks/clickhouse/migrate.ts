/**
 * Applies clickhouse/migrations/NNNN_name.sql in order at start. Each file is idempotent;
 * applied versions are recorded in schema_migrations. Identical for embedded and server.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'

/** Both pipeline/src/sinks/clickhouse and pipeline/dist/sinks/clickhouse sit four levels below the repo root. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../clickhouse/migrations')

export interface Migration {
  version: number
  name: string
  checksum: string
  statements: string[]
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8')
      const body = text
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('--'))
        .join('\n')
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
        statements: body
          .split(/;\s*(?:\n|$)/)
          .map((s) => s.trim())
          .filter(Boolean),
      }
    })
}

export async function migrate(client: ClickHouseClient, dir = MIGRATIONS_DIR): Promise<{ applied: string[]; current: number }> {
  const migrations = readMigrations(dir)
  const first = migrations[0]
  if (first) for (const sql of first.statements) await client.command({ query: sql })
  const rs = await client.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' })
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)))
  const applied: string[] = []
  for (const m of migrations) {
    if (done.has(m.version)) continue
    for (const sql of m.statements) await client.command({ query: sql })
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    })
    applied.push(m.name)
  }
  return { applied, current: migrations.at(-1)?.version ?? 0 }
}
