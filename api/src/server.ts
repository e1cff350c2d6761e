/**
 * The process entry for `watchfloor start`: the pipeline (`startPipeline`: store, migrations,
 * topology) -> the API around its services -> listen -> Kafka. SIGTERM/SIGINT drain gracefully:
 * stop accepting, finish in-flight requests (each is stored before its answer), flush sinks.
 */
import type { FastifyInstance } from 'fastify'
import { loadConfig, onSignals, startPipeline, type Config, type RunningPipeline } from '@watchfloor/pipeline'
import { buildApp } from './app.js'

export interface Running {
  app: FastifyInstance
  /** The running pipeline: its services (what the API got), its store (diagnostics and tests), `flushed`. */
  pipeline: RunningPipeline
  url: string
  /** On the first start only: the admin token created then (printed once by `watchfloor start`). */
  adminToken?: { file: string; token: string }
  stop(): Promise<void>
}

export async function startServer(config: Readonly<Config> = loadConfig()): Promise<Running> {
  const pipeline = await startPipeline(config)
  try {
    const app = await buildApp({ config, services: pipeline.services })
    const { report } = pipeline
    if (report.rules) {
      const log = { rules: report.rules.rules, compiled: report.rules.compiled, failed: report.rules.errors.length, dirs: report.ruleDirs }
      if (report.rules.errors.length > 0) app.log.warn({ ...log, first_errors: report.rules.errors.slice(0, 5) }, 'Sigma rules loaded; some could not be compiled (listed at /api/stats)')
      else app.log.info(log, 'Sigma rules loaded')
    }
    if (report.intel.files.length > 0) {
      const log = { files: report.intel.files, entries: report.intel.entries, errors: report.intel.errors.length }
      if (report.intel.errors.length > 0) app.log.warn({ ...log, first_errors: report.intel.errors.slice(0, 5) }, 'threat-intel lists loaded; some lines were skipped')
      else app.log.info(log, 'threat-intel lists loaded')
    }
    if (report.migrations.length > 0) app.log.info({ applied: report.migrations }, 'applied ClickHouse migrations')
    // the token itself is only in the file (mode 0600), never in the log
    if (report.adminToken) app.log.warn({ file: report.adminToken.file }, 'first start: an admin API token was created; it is in this file, readable only by this user')
    if (report.reopened > 0) app.log.info({ incidents: report.reopened }, 'reopened the incidents a previous run left open')
    if (report.replayed > 0) app.log.warn({ rows: report.replayed }, 'storing rows acknowledged before an unclean stop (from the disk buffer)')
    await app.listen({ host: config.host, port: config.port })
    pipeline.startKafka(app.log)
    const addr = app.server.address()
    const port = typeof addr === 'object' && addr ? addr.port : config.port
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    const url = `http://${host}:${port}`
    let stopping: Promise<void> | undefined
    const stop = () =>
      (stopping ??= (async () => {
        await app.close()
        await pipeline.stop()
      })())
    return { app, pipeline, url, ...(report.adminToken ? { adminToken: report.adminToken } : {}), stop }
  } catch (err) {
    await pipeline.stop().catch(() => undefined)
    throw err
  }
}

/** Runs until SIGTERM/SIGINT; returns the exit code. */
export async function runServer(config?: Readonly<Config>): Promise<number> {
  const running = await startServer(config)
  const { url } = running
  process.stdout.write(`Watchfloor is running at ${url}  (UI: ${url}/, API docs: ${url}/docs, store: ${running.pipeline.store.location})\n`)
  if (running.adminToken) process.stdout.write(`First start: admin API token (shown this once; also in ${running.adminToken.file}, mode 0600):\n  ${running.adminToken.token}\n`)
  const stats = await running.pipeline.services.stats.report().catch(() => undefined)
  if (stats !== undefined && stats.total_events === 0) process.stdout.write(emptyStoreHint(url))
  return onSignals(running.stop)
}

/** What to do next when the store has nothing in it yet. */
export function emptyStoreHint(url: string): string {
  return [
    'The store is empty. To send events:',
    `  npx watchfloor generate --events 5000 | npx watchfloor send --url ${url} --token <an ingest or admin token> -`,
    `  (or POST them to ${url}/api/ingest, or set KAFKA_BROKERS to consume a topic; see the README)`,
    'To watch Watchfloor work on generated attacks, on a store of its own: npx watchfloor demo',
    '',
  ].join('\n')
}
