/**
 * The process entry for `watchfloor start`: load config -> open the store and apply
 * migrations -> start the pipeline -> serve the API. SIGTERM/SIGINT drain gracefully:
 * stop accepting, finish in-flight requests (each is stored before its answer), flush sinks.
 */
import type { FastifyInstance } from 'fastify'
import { KafkaProducer, KafkaSource, Pipeline, Telemetry, loadConfig, migrate, openStore, type Config, type Store } from '@watchfloor/pipeline'
import { buildApp } from './app.js'
import { TokenStore } from './auth.js'

export interface Running {
  app: FastifyInstance
  pipeline: Pipeline
  store: Store
  url: string
  tokens: TokenStore
  /** On the first start only: the admin token created then (printed once by `watchfloor start`). */
  adminToken?: { file: string; token: string }
  stop(): Promise<void>
}

export async function startServer(config: Readonly<Config> = loadConfig()): Promise<Running> {
  const store = await openStore(config)
  let pipeline: Pipeline | undefined
  try {
    const { applied } = await migrate(store.client)
    const telemetry = new Telemetry()
    pipeline = new Pipeline(config, store, telemetry)
    const replayed = pipeline.open()
    const reopened = await pipeline.restoreIncidents()
    const rules = await pipeline.warmUp()
    const kafka = config.kafka.brokers.length > 0 ? { producer: new KafkaProducer(config), source: config.kafka.consume ? new KafkaSource(config, pipeline, telemetry) : undefined } : undefined
    const tokens = new TokenStore(store)
    await tokens.load()
    const adminToken = await tokens.bootstrap(config.dataDir)
    const app = await buildApp({ config, pipeline, store, telemetry, tokens, ...(kafka ? { kafka } : {}) })
    if (rules) {
      const log = { rules: rules.rules, compiled: rules.compiled, failed: rules.errors.length, dirs: pipeline.ruleDirs }
      if (rules.errors.length > 0) app.log.warn({ ...log, first_errors: rules.errors.slice(0, 5) }, 'Sigma rules loaded; some could not be compiled (listed at /api/stats)')
      else app.log.info(log, 'Sigma rules loaded')
    }
    const intel = pipeline.analyzer.intel
    if (config.incident.threatIntelFiles.length > 0) {
      const log = { files: config.incident.threatIntelFiles, entries: intel.entries, errors: intel.errors.length }
      if (intel.errors.length > 0) app.log.warn({ ...log, first_errors: intel.errors.slice(0, 5) }, 'threat-intel lists loaded; some lines were skipped')
      else app.log.info(log, 'threat-intel lists loaded')
    }
    if (applied.length > 0) app.log.info({ applied }, 'applied ClickHouse migrations')
    // the token itself is only in the file (mode 0600), never in the log
    if (adminToken) app.log.warn({ file: adminToken.file }, 'first start: an admin API token was created; it is in this file, readable only by this user')
    if (reopened > 0) app.log.info({ incidents: reopened }, 'reopened the incidents a previous run left open')
    if (replayed > 0) app.log.warn({ rows: replayed }, 'storing rows acknowledged before an unclean stop (from the disk buffer)')
    await app.listen({ host: config.host, port: config.port })
    let kafkaStopped = false
    if (kafka?.source) {
      const source = kafka.source
      // Keep trying in the background while the broker is unreachable; ingest over HTTP still answers.
      const startSource = async (): Promise<void> => {
        while (!kafkaStopped) {
          try {
            await source.start()
            app.log.info({ brokers: config.kafka.brokers, topics: config.kafka.topics, group: config.kafka.groupId }, 'consuming from Kafka')
            return
          } catch (err) {
            app.log.error({ err: (err as Error).message }, 'Kafka consumer could not start; retrying in 5 s')
            await new Promise((r) => setTimeout(r, 5000))
          }
        }
      }
      void startSource()
    }
    const addr = app.server.address()
    const port = typeof addr === 'object' && addr ? addr.port : config.port
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    const url = `http://${host}:${port}`
    let stopping: Promise<void> | undefined
    const p = pipeline
    const stop = () =>
      (stopping ??= (async () => {
        kafkaStopped = true
        await kafka?.source?.stop().catch(() => undefined) // finish and commit the batch in progress
        await app.close()
        await p.drain()
        await kafka?.producer.close().catch(() => undefined)
        await store.close()
      })())
    return { app, pipeline, store, url, tokens, ...(adminToken ? { adminToken } : {}), stop }
  } catch (err) {
    await pipeline?.drain(0).catch(() => undefined)
    await store.close().catch(() => undefined)
    throw err
  }
}

/** Runs until SIGTERM/SIGINT; returns the exit code. */
export async function runServer(config?: Readonly<Config>): Promise<number> {
  const running = await startServer(config)
  const { store, url } = running
  process.stdout.write(`Watchfloor is running at ${url}  (API docs: ${url}/docs, store: ${store.location})\n`)
  if (running.adminToken) process.stdout.write(`First start: admin API token (shown this once; also in ${running.adminToken.file}, mode 0600):\n  ${running.adminToken.token}\n`)
  return await new Promise<number>((resolve) => {
    let signalled = false
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        process.stderr.write(`second ${sig}: exiting without draining\n`)
        process.exit(1)
      }
      signalled = true
      process.stderr.write(`${sig}: draining in-flight work...\n`)
      running.stop().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`drain failed: ${(err as Error).message}\n`)
          resolve(1)
        },
      )
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}
