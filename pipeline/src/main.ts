/**
 * The pipeline's entry point: the validated config -> the store (migrations applied) -> the
 * topology (`topology/build.ts`) -> started. What runs it (the API server, `watchfloor start`)
 * gets the narrow services and a `stop`; `onSignals` turns SIGTERM/SIGINT into a graceful stop.
 */
import type { Config } from './config/schema.js'
import type { Services } from './services/index.js'
import { migrate } from './sinks/clickhouse/migrate.js'
import { applyRetention } from './sinks/clickhouse/cluster.js'
import { openStore, type Store } from './sinks/clickhouse/client.js'
import { jsonLog, type Log } from './telemetry/log.js'
import { Telemetry } from './telemetry/counters.js'
import { buildTopology, type StartReport } from './topology/build.js'

export interface RunningPipeline {
  readonly services: Services
  /** The store the pipeline writes (for the process that runs it: diagnostics and tests; the API gets only `services`). */
  readonly store: Store
  readonly report: StartReport & { migrations: string[] }
  /** Starts consuming from Kafka when configured (in the background; retried while the broker is unreachable). */
  startKafka(log: Log): void
  /** Resolves true once every acknowledged row is in ClickHouse (the disk buffer emptied), false after the timeout. */
  flushed(timeoutMs: number): Promise<boolean>
  /** Graceful: sources stop, work in flight is stored, sinks flushed, store closed. */
  stop(): Promise<void>
}

/** `log`: where components report (default: JSON lines on stderr at LOG_LEVEL). */
export async function startPipeline(config: Readonly<Config>, log: Log = jsonLog(config.logLevel)): Promise<RunningPipeline> {
  const store = await openStore(config)
  try {
    const { applied } = await migrate(store.client)
    // retention: the TTL each table keeps its rows for (CLICKHOUSE_RETENTION_DAYS)
    await applyRetention(store.client, config.clickhouse.retentionDays)
    const topology = buildTopology(config, store, new Telemetry(), log)
    let report: StartReport
    try {
      report = await topology.start()
    } catch (err) {
      await topology.stop().catch(() => undefined)
      throw err
    }
    let stopping: Promise<void> | undefined
    return {
      services: topology.services,
      store,
      report: { ...report, migrations: applied },
      startKafka: (log) => topology.startKafka(log),
      flushed: (timeoutMs) => topology.flushed(timeoutMs),
      stop: () =>
        (stopping ??= (async () => {
          await topology.stop()
          await store.close()
        })()),
    }
  } catch (err) {
    await store.close().catch(() => undefined)
    throw err
  }
}

/**
 * SIGTERM/SIGINT stop gracefully (`stop`), a second signal exits at once. Resolves with the exit
 * code once stopped.
 */
export function onSignals(stop: () => Promise<void>, write: (line: string) => void = (l) => process.stderr.write(l)): Promise<number> {
  return new Promise<number>((resolve) => {
    let signalled = false
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        write(`second ${sig}: exiting without draining\n`)
        process.exit(1)
      }
      signalled = true
      write(`${sig}: draining in-flight work...\n`)
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          write(`drain failed: ${(err as Error).message}\n`)
          resolve(1)
        },
      )
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}
