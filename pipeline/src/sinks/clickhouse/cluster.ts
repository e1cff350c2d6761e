/**
 * The same schema for a ClickHouse cluster, and retention by TTL.
 *
 * `clusterDdl` rewrites the migrations (clickhouse/migrations) for a cluster: each table becomes a
 * `<name>_local` table on every node (`ON CLUSTER`, its engine made `Replicated...` with the usual
 * `{shard}`/`{replica}` macros) and a `Distributed` table `<name>` over them, sharded by a hash of
 * the table's sorting key so the versions of one row (ReplacingMergeTree) always meet on one shard.
 * `ALTER`s go to both. Watchfloor reads and writes the `Distributed` tables under the names it
 * always uses. `npx watchfloor schema --cluster NAME` prints the result.
 *
 * `retentionStatements` gives the `ALTER TABLE ... MODIFY TTL` that keep each table for the days
 * configured (CLICKHOUSE_RETENTION_DAYS); applied at start, after the migrations.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { readMigrations, type Migration } from './migrate.js'

/** The time column each table's retention counts from. */
export const RETENTION_COLUMNS: Readonly<Record<string, string>> = {
  events: 'timestamp',
  alerts: 'timestamp',
  incidents: 'last_seen',
  dead_letters: 'received_at',
  entity_profiles: 'last_seen',
  audit_log: 'ts',
}

const ident = (s: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)

/** `ALTER TABLE t MODIFY TTL col + INTERVAL n DAY` for each table with a retention (`table` may be renamed, e.g. to `t_local`). */
export function retentionStatements(days: Readonly<Record<string, number>>, table: (t: string) => string = (t) => t, onCluster = ''): string[] {
  const out: string[] = []
  for (const [t, n] of Object.entries(days)) {
    const col = RETENTION_COLUMNS[t]
    if (col === undefined || !Number.isInteger(n) || n < 1) throw new Error(`no retention for table ${t} (${n} days)`)
    out.push(`ALTER TABLE ${table(t)}${onCluster} MODIFY TTL toDateTime(${col}) + INTERVAL ${n} DAY`)
  }
  return out
}

/**
 * Applies the configured retention (idempotent: MODIFY TTL sets the same rule again), and removes
 * the TTL of a table no longer named, so that it keeps everything again as the option says.
 */
export async function applyRetention(client: ClickHouseClient, days: Readonly<Record<string, number>>): Promise<string[]> {
  const statements = retentionStatements(days)
  const rs = await client.query({ query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)} AND engine_full LIKE '% TTL %'", query_params: { names: Object.keys(RETENTION_COLUMNS) }, format: 'JSONEachRow' })
  for (const { name } of await rs.json<{ name: string }>()) if (days[name] === undefined) statements.push(`ALTER TABLE ${name} REMOVE TTL`)
  for (const sql of statements) await client.command({ query: sql, clickhouse_settings: { materialize_ttl_after_modify: 0 } })
  return statements
}

const CREATE = /^CREATE TABLE IF NOT EXISTS (\w+)\s*\(([\s\S]*)\)\s*ENGINE\s*=\s*(\w+)(?:\(([^)]*)\))?([\s\S]*)$/
const ALTER = /^ALTER TABLE (\w+)\s+([\s\S]*)$/
const ORDER_BY = /ORDER BY\s+(\(([^()]|\([^()]*\))*\)|[\w.]+)/

export interface ClusterOptions {
  cluster: string
  /** Retention per table, as CLICKHOUSE_RETENTION_DAYS gives it. */
  retentionDays?: Readonly<Record<string, number>>
}

/** The migrations as cluster DDL, statement by statement (each ends without `;`). */
export function clusterDdl(opts: ClusterOptions, migrations: Migration[] = readMigrations()): string[] {
  if (!ident(opts.cluster)) throw new Error(`cluster name ${JSON.stringify(opts.cluster)}: letters, digits and _ only`)
  const on = ` ON CLUSTER '${opts.cluster}'`
  const out: string[] = []
  for (const m of migrations) {
    for (const sql of m.statements) {
      const c = CREATE.exec(sql)
      if (c) {
        const [, name, columns, engine, args, rest] = c
        const local = `${name}_local`
        const zk = `'/clickhouse/tables/{shard}/{database}/${local}', '{replica}'`
        const replicated = `Replicated${engine}(${zk}${args !== undefined && args.trim() !== '' ? `, ${args.trim()}` : ''})`
        out.push(`CREATE TABLE IF NOT EXISTS ${local}${on}\n(${columns})\nENGINE = ${replicated}${rest}`)
        const order = ORDER_BY.exec(rest ?? '')
        const key = order ? order[1]!.replace(/^\((.*)\)$/s, '$1') : 'rand()'
        out.push(`CREATE TABLE IF NOT EXISTS ${name}${on} AS ${local}\nENGINE = Distributed('${opts.cluster}', currentDatabase(), ${local}, cityHash64(${key}))`)
        continue
      }
      const a = ALTER.exec(sql)
      if (a) {
        const [, name, change] = a
        out.push(`ALTER TABLE ${name}_local${on} ${change}`)
        out.push(`ALTER TABLE ${name}${on} ${change}`)
        continue
      }
      throw new Error(`${m.name}: no cluster form for: ${sql.slice(0, 80)}`)
    }
  }
  if (opts.retentionDays) out.push(...retentionStatements(opts.retentionDays, (t) => `${t}_local`, on))
  return out
}
