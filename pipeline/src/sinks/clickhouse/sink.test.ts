/** The ClickHouse sink and migrations against the real embedded engine. */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouseClient } from '@clickhouse/client'
import { loadConfig } from '../../config/load.js'
import { Telemetry } from '../../telemetry/counters.js'
import { openStore, type Store } from './client.js'
import { migrate, readMigrations } from './migrate.js'
import { ClickHouseSink } from './sink.js'
import { eventToRow } from './event-row.js'
import type { CanonicalEvent } from '@watchfloor/contracts'

let store: Store
let dir: string
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-sink-'))
  store = await openStore(loadConfig({ env: {}, overrides: { dataDir: dir } }))
})
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const count = async (client: ClickHouseClient, sql: string) => Number((await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)

describe('migrations', () => {
  it('apply in order once, and a second run applies nothing', async () => {
    const first = await migrate(store.client)
    expect(first.applied).toEqual(readMigrations().map((m) => m.name))
    expect(first.applied[0]).toBe('0001_schema_migrations')
    const second = await migrate(store.client)
    expect(second.applied).toEqual([])
    expect(await count(store.client, 'SELECT count() AS n FROM schema_migrations FINAL')).toBe(first.applied.length)
  })
})

describe('ClickHouseSink', () => {
  const row = (i: number, tag: string) => JSON.stringify({ id: `${tag}-${i}`, received_at: '2026-11-20 00:00:00.000', source: 'test', request_id: tag, record_index: i, code: 'X', reason: 'r', content_type: '', raw: `raw ${i}` })

  it('groups concurrent writes into few inserts and resolves each write once stored', async () => {
    const telemetry = new Telemetry()
    const counters = telemetry.component('clickhouse', 'sink')
    const sink = new ClickHouseSink(store, counters, { table: 'dead_letters', maxBatchRows: 100_000, maxInflight: 1, retries: 0 })
    const writes = Array.from({ length: 50 }, (_, w) => sink.write({ rows: Array.from({ length: 100 }, (_, i) => row(i, `g${w}`)).join('\n') + '\n', count: 100 }))
    await Promise.all(writes)
    expect(counters.sent).toBe(5000)
    expect(await count(store.client, "SELECT count() AS n FROM dead_letters WHERE request_id LIKE 'g%'")).toBe(5000)
    // 50 writes issued together: the first goes alone, the other 49 share the next insert.
    const parts = await count(store.client, "SELECT count() AS n FROM system.parts WHERE table = 'dead_letters' AND active")
    expect(parts).toBeLessThanOrEqual(3)
  })

  it('rejects with a retryable SINK_WRITE_FAILED after its retries and counts the drop', async () => {
    const telemetry = new Telemetry()
    const counters = telemetry.component('clickhouse', 'sink')
    const sink = new ClickHouseSink(store, counters, { table: 'dead_letters', maxBatchRows: 1000, maxInflight: 1, retries: 2, backoffMs: 1 })
    const err = await sink.write({ rows: '{"id": "x", "received_at": "not a time at all"}\n', count: 1 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SINK_WRITE_FAILED', canRetry: true })
    expect(counters.errors).toBe(3)
    expect(counters.dropped.get('sink_write_failed')).toBe(1)
  })

  it('turns a retried identical block into one stored copy (insert deduplication on events)', async () => {
    const telemetry = new Telemetry()
    const sink = new ClickHouseSink(store, telemetry.component('clickhouse', 'sink'), { table: 'events', maxBatchRows: 1000, maxInflight: 1, retries: 0 })
    // A complete row as the pipeline writes it (every column present).
    const event: CanonicalEvent = { '@timestamp': '2026-11-20T00:00:00.000Z', event: { id: 'dup-1' }, message: 'm', watchfloor: { decoder: 'legacy', decode_status: 'ok', source: 'test' } }
    const body = JSON.stringify(eventToRow(event, '{"m":1}')) + '\n'
    await sink.write({ rows: body, count: 1 })
    await sink.write({ rows: body, count: 1 })
    expect(await count(store.client, "SELECT count() AS n FROM events WHERE event_id = 'dup-1'")).toBe(1)
  })
})
