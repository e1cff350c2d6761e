/**
 * One @clickhouse/client for both deployments: the embedded engine (chdb, in process,
 * data under DATA_DIR) or a ClickHouse server (CLICKHOUSE_URL). Same SQL, same client API.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import type { Config } from '../../config/schema.js'

type ChdbConnectionForClient = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

export type StoreMode = 'embedded' | 'server'

export interface Store {
  client: ClickHouseClient
  mode: StoreMode
  /** Human-readable location without credentials (shown at start and in /api/health). */
  location: string
  close(): Promise<void>
}

export async function openStore(config: Readonly<Config>): Promise<Store> {
  const ch = config.clickhouse
  if (ch.url) {
    const url = new URL(ch.url)
    const location = `${url.protocol}//${url.host}/${ch.database}`
    // Create the database first with a client bound to `default`.
    const bootstrap = createClient({ url: ch.url, username: ch.username, password: ch.password })
    try {
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.database}` })
    } finally {
      await bootstrap.close()
    }
    const client = createClient({
      url: ch.url,
      username: ch.username,
      password: ch.password,
      database: ch.database,
      clickhouse_settings: ch.fsync ? { fsync_after_insert: 1 } : {},
    })
    return { client, mode: 'server', location, close: () => client.close() }
  }
  const dir = path.join(config.dataDir, 'clickhouse')
  mkdirSync(dir, { recursive: true })
  const client = createClient({
    // chdb implements @clickhouse/client-common's Connection; the client bundles its own copy of
    // those declarations, so the structurally identical types need a cast.
    connection: createChdbConnection({ path: dir }) as unknown as ChdbConnectionForClient,
    clickhouse_settings: ch.fsync ? { fsync_after_insert: 1 } : {},
  })
  return { client, mode: 'embedded', location: `chdb:${dir}`, close: () => client.close() }
}
