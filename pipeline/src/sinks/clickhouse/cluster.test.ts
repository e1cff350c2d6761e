/**
 * The cluster form of the schema, parsed by ClickHouse's own parser (the embedded engine's
 * EXPLAIN AST), and retention by TTL applied on the real engine.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../config/load.js'
import { openStore, type Store } from './client.js'
import { applyRetention, clusterDdl, retentionStatements } from './cluster.js'
import { migrate, readMigrations } from './migrate.js'

let dir: string
let store: Store
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-cluster-'))
  store = await openStore(loadConfig({ env: {}, overrides: { dataDir: dir } }))
  await migrate(store.client)
})
afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const parse = async (sql: string) => (await (await store.client.query({ query: `EXPLAIN AST ${sql}`, format: 'TabSeparatedRaw' })).text()).split('\n')[0]

describe('cluster schema', () => {
  const ddl = clusterDdl({ cluster: 'soc', retentionDays: { events: 30, dead_letters: 14 } })
  const tables = readMigrations()
    .flatMap((m) => m.statements)
    .map((s) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(s)?.[1])
    .filter((t): t is string => t !== undefined)

  it('gives every table a replicated local table on each node and a Distributed table over them, sharded by its sorting key', () => {
    expect(tables).toContain('events')
    for (const t of tables) {
      const local = ddl.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${t}_local ON CLUSTER 'soc'`))
      expect(local, t).toMatch(new RegExp(`ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/\\{shard\\}/\\{database\\}/${t}_local', '\\{replica\\}'`))
      expect(ddl).toContainEqual(expect.stringMatching(new RegExp(`^CREATE TABLE IF NOT EXISTS ${t} ON CLUSTER 'soc' AS ${t}_local\\nENGINE = Distributed\\('soc', currentDatabase\\(\\), ${t}_local, cityHash64\\(`)))
    }
    // the versions of one incident (ReplacingMergeTree on incident_id) always meet on one shard
    expect(ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS incidents ON CLUSTER'))).toContain('cityHash64(incident_id)')
    expect(ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS events ON CLUSTER'))).toContain('cityHash64(toStartOfHour(timestamp), event_id)')
    expect(ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS incidents_local'))).toContain("'{replica}', version)")
    // a column added later goes to both
    expect(ddl).toContain("ALTER TABLE alerts_local ON CLUSTER 'soc' ADD COLUMN IF NOT EXISTS event_ids Array(String) DEFAULT []")
    expect(ddl).toContain("ALTER TABLE alerts ON CLUSTER 'soc' ADD COLUMN IF NOT EXISTS event_ids Array(String) DEFAULT []")
    expect(ddl.slice(-2)).toEqual(["ALTER TABLE events_local ON CLUSTER 'soc' MODIFY TTL toDateTime(timestamp) + INTERVAL 30 DAY", "ALTER TABLE dead_letters_local ON CLUSTER 'soc' MODIFY TTL toDateTime(received_at) + INTERVAL 14 DAY"])
  })

  it("is accepted by ClickHouse's parser, statement by statement", async () => {
    for (const sql of ddl) expect(await parse(sql), sql.slice(0, 80)).toMatch(/^"?(CreateQuery|AlterQuery)/)
    await expect(parse("CREATE TABLE x ON CLUSTER 'soc' (a String) ENGIN = X")).rejects.toThrow(/Syntax error/)
  })

  it('refuses a cluster name that is not an identifier, and a statement it has no cluster form for', () => {
    expect(() => clusterDdl({ cluster: "soc'; DROP TABLE events; --" })).toThrow(/letters, digits and _ only/)
    expect(() => clusterDdl({ cluster: 'soc' }, [{ version: 99, name: '0099_x', checksum: '', statements: ['DROP TABLE events'] }])).toThrow(/0099_x: no cluster form/)
  })
})

describe('retention', () => {
  it('drops rows older than the days configured for their table, and only those', async () => {
    const day = 86_400_000
    const at = (ms: number) => new Date(Date.now() - ms).toISOString().replace('T', ' ').replace('Z', '')
    await applyRetention(store.client, { events: 2 })
    await store.client.insert({ table: 'events', format: 'JSONEachRow', values: [
      { event_id: 'old', timestamp: at(3 * day), ingested_at: at(3 * day), source: 'test', decoder: 'ecs', decode_status: 'ok', original: '{}' },
      { event_id: 'new', timestamp: at(day), ingested_at: at(day), source: 'test', decoder: 'ecs', decode_status: 'ok', original: '{}' },
    ] })
    await store.client.insert({ table: 'dead_letters', format: 'JSONEachRow', values: [{ id: 'dl-old', received_at: at(30 * day), source: 'test', code: 'X', reason: 'x', raw: 'x' }] })
    for (const t of ['events', 'dead_letters']) await store.client.command({ query: `OPTIMIZE TABLE ${t} FINAL` })
    const ids = await (await store.client.query({ query: 'SELECT event_id FROM events ORDER BY event_id', format: 'JSONEachRow' })).json<{ event_id: string }>()
    expect(ids.map((r) => r.event_id)).toEqual(['new'])
    // dead letters have no retention configured: kept
    const dead = await (await store.client.query({ query: "SELECT count() AS n FROM dead_letters WHERE id = 'dl-old'", format: 'JSONEachRow' })).json<{ n: string }>()
    expect(Number(dead[0]!.n)).toBe(1)
    expect(() => retentionStatements({ api_tokens: 3 })).toThrow(/no retention for table api_tokens/)
    // named no more: the TTL goes, the table keeps everything again (and a second start changes nothing)
    expect(await applyRetention(store.client, {})).toEqual(['ALTER TABLE events REMOVE TTL'])
    expect(await applyRetention(store.client, {})).toEqual([])
  })
})
