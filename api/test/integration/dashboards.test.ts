/**
 * Every Grafana dashboard query runs on the real ClickHouse engine against the migrated schema
 * (Grafana's macros replaced by what the ClickHouse datasource expands them to), so a dashboard
 * never ships a query that fails.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, startTestServer } from '../helpers.js'

let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer()
}, 120_000)
afterAll(async () => {
  await server?.cleanup()
})

const expand = (sql: string) =>
  sql
    .replace(/\$__timeFilter\((\w+)\)/g, "$1 >= toDateTime64('2026-11-22 00:00:00', 3) AND $1 <= toDateTime64('2026-11-24 00:00:00', 3)")
    .replace(/\$__timeInterval\((\w+)\)/g, 'toStartOfInterval($1, INTERVAL 60 second)')

describe('grafana dashboards', () => {
  const dir = path.join(REPO_ROOT, 'grafana/dashboards')
  for (const f of readdirSync(dir)) {
    it(`${f}: every panel query runs`, async () => {
      const dash = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { panels: { title: string; targets: { rawSql: string }[] }[] }
      expect(dash.panels.length).toBeGreaterThan(0)
      for (const p of dash.panels)
        for (const t of p.targets) {
          const rs = await server.pipeline.store.client.query({ query: expand(t.rawSql), format: 'JSONEachRow' }).catch((err: Error) => {
            throw new Error(`${f} / ${p.title}: ${err.message}`)
          })
          await rs.json()
        }
    })
  }
})
