/**
 * buildApp() assembles the Fastify application around an already-built pipeline and store.
 * It never listens: the server entry does, tests call inject() or listen on port 0.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createHash, randomUUID } from 'node:crypto'
import type { Config, KafkaProducer, KafkaSource, Pipeline, Store, Telemetry } from '@watchfloor/pipeline'
import { WatchfloorError } from '@watchfloor/pipeline'
import ingestRoutes from './routes/ingest.js'
import healthRoutes from './routes/health.js'
import statsRoutes from './routes/stats.js'
import actionRoutes from './routes/actions.js'
import tokenRoutes from './routes/tokens.js'
import reportRoutes from './routes/reports.js'
import { authorize, type TokenStore } from './auth.js'
import profileRoutes from './routes/profiles.js'
import incidentRoutes from './routes/incidents.js'

export interface AppDeps {
  config: Readonly<Config>
  pipeline: Pipeline
  store: Store
  telemetry: Telemetry
  /** API tokens (hashes) and their roles. */
  tokens: TokenStore
  /** Present when KAFKA_BROKERS is set: HTTP ingest produces, the source consumes. */
  kafka?: { producer: KafkaProducer; source: KafkaSource | undefined }
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      deps.config.logLevel === 'silent'
        ? false
        : { level: deps.config.logLevel, redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'] },
    genReqId: () => randomUUID(),
    // Request lines are logged by the onResponse hook below (failures only), never bodies.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.ingest.maxBodyBytes,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.decorate('deps', deps)

  // During a graceful stop, answers to requests still in flight tell keep-alive clients to
  // close, so the server need not wait out their keep-alive timeout before exiting.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) void reply.header('connection', 'close')
    return payload
  })

  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500) req.log.warn({ url: req.url, method: req.method, status: reply.statusCode }, 'request failed')
    else if (reply.statusCode >= 400) req.log.info({ url: req.url, method: req.method, status: reply.statusCode }, 'request refused')
  })

  // Reads need a token that may read, ingest a token that may ingest (API_AUTH=all, the default).
  // Health, Prometheus metrics and the API docs stay open; actions and administration check their
  // own permission in their routes.
  const READS = /^\/api\/(incidents|incident\/[^/]+|stats|ip\/[^/]+\/profile|user\/[^/]+\/profile|host\/[^/]+\/profile)$/
  app.addHook('onRequest', async (req, reply) => {
    if (deps.config.api.auth !== 'all') return
    const path = req.url.split('?')[0] ?? ''
    const need = req.method === 'POST' && path === '/api/ingest' ? 'ingest' : req.method === 'GET' && READS.test(path) ? 'read' : undefined
    if (need === undefined) return
    if (authorize(deps.tokens, req, reply, need) === undefined) return reply
  })

  // Rate limits: ingest per client address, analyst actions per token (fixed one-minute windows).
  const windows = new Map<string, { start: number; n: number }>()
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST') return
    const path = req.url.split('?')[0] ?? ''
    const ingest = path === '/api/ingest'
    const action = path.startsWith('/api/incident')
    if (!ingest && !action) return
    const limit = ingest ? deps.config.api.ingestRatePerMinute : deps.config.api.actionRatePerMinute
    if (limit === 0) return
    const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : ''
    const key = `${ingest ? 'ingest' : 'action'}:${ingest || auth === '' ? req.ip : createHash('sha256').update(auth).digest('hex').slice(0, 16)}`
    const now = Date.now()
    let w = windows.get(key)
    if (w === undefined || now - w.start >= 60_000) {
      w = { start: now, n: 0 }
      windows.set(key, w)
      if (windows.size > 100_000) for (const [k, v] of windows) if (now - v.start >= 60_000) windows.delete(k)
    }
    if (++w.n > limit) {
      const retry = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000))
      deps.telemetry.component(ingest ? 'http' : 'api_actions', 'source').drop('rate_limited')
      return reply.status(429).header('Retry-After', String(retry)).send({ error: { code: 'RATE_LIMITED', message: `more than ${limit} requests a minute; retry in ${retry} s` } })
    }
  })

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err instanceof WatchfloorError) {
      if (err.canRetry) void reply.header('Retry-After', err.code === 'PIPELINE_STOPPING' ? '5' : '1')
      return reply.status(err.httpStatus).send({ error: { code: err.code, message: err.message } })
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: { code: 'INGEST_BODY_TOO_LARGE', message: `request body exceeds ${deps.config.ingest.maxBodyBytes} bytes (INGEST_MAX_BODY_BYTES)` } })
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ error: { code: 'INGEST_UNSUPPORTED_MEDIA_TYPE', message: err.message } })
    }
    if (err.validation) return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: err.message } })
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    if (status === 500) req.log.error({ err }, 'unhandled error')
    return reply.status(status).send({ error: { code: err.code ?? 'INTERNAL', message: status === 500 ? 'internal error' : err.message } })
  })

  await app.register(swagger, {
    openapi: {
      info: { title: 'Watchfloor API', version: '0.1.0', description: 'Streaming SOC triage: ingest, incidents, pipeline health.' },
      tags: [
        { name: 'ingest', description: 'Send events' },
        { name: 'incidents', description: 'Incidents to triage' },
        { name: 'operations', description: 'Health, statistics, metrics' },
        { name: 'profiles', description: 'Entity behavioural profiles' },
        { name: 'reports', description: 'KPIs and exports' },
        { name: 'admin', description: 'API tokens and the audit log' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token: Authorization: Bearer <token>' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(ingestRoutes)
  await app.register(healthRoutes)
  await app.register(statsRoutes)
  await app.register(incidentRoutes)
  await app.register(profileRoutes)
  await app.register(actionRoutes)
  await app.register(tokenRoutes)
  await app.register(reportRoutes)
  return app
}
