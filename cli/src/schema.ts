/**
 * `watchfloor schema [--cluster NAME]`: the ClickHouse DDL Watchfloor applies, as SQL to read or
 * run by hand. With --cluster, the cluster form: replicated local tables on every node and
 * Distributed tables over them (see pipeline/src/sinks/clickhouse/cluster.ts), plus the retention
 * TTLs of CLICKHOUSE_RETENTION_DAYS.
 */
import { clusterDdl, loadConfig, readMigrations, retentionStatements } from '@watchfloor/pipeline'

export async function runSchema(argv: string[]): Promise<number> {
  let cluster: string | undefined
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cluster') cluster = argv[++i]
    else {
      process.stderr.write(`watchfloor schema: unknown option ${argv[i]}\nusage: watchfloor schema [--cluster NAME]\n`)
      return 2
    }
  }
  const retention = loadConfig().clickhouse.retentionDays
  let statements: string[]
  try {
    statements = cluster !== undefined ? clusterDdl({ cluster, retentionDays: retention }) : [...readMigrations().flatMap((m) => m.statements), ...retentionStatements(retention)]
  } catch (err) {
    process.stderr.write(`watchfloor schema: ${(err as Error).message}\n`)
    return 2
  }
  process.stdout.write(statements.map((s) => `${s};\n`).join('\n'))
  return 0
}
