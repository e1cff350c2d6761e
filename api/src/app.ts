/**
 * buildApp() assembles the Fastify application around the pipeline's narrow services (ingest,
 * incidents, profiles, health, stats, audit, tokens). It never listens and never sees the
 * pipeline: the server entry starts both, tests call `inject()` on fakes or on the real thing.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { createHash, randomUUID } from 'node:crypto'
import { LegacyIngestRecordSchema } from '@watchfloor/contracts'
import { WatchfloorError, dropReason, errorBody, type Config, type ErrorCode, type Services } from '@watchfloor/pipeline'
import ingestRoutes from './routes/ingest.js'
import healthRoutes from './routes/health.js'
import statsRoutes from './routes/stats.js'
import actionRoutes from './routes/actions.js'
import tokenRoutes from './routes/tokens.js'
import reportRoutes from './routes/reports.js'
import { authenticate } from './auth.js'
import profileRoutes from './routes/profiles.js'
import incidentRoutes from './routes/incidents.js'
import evidenceRoutes from './routes/evidence.js'
import uiRoutes from './routes/ui.js'

export interface AppDeps {
  config: Readonly<Config>
  services: Services
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps
  }
}

/** Fastify's own error codes that are answers to the request, as catalogue codes. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'INGEST_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'INGEST_UNSUPPORTED_MEDIA_TYPE',
}

/** The largest body of any request but ingest. */
export const API_BODY_LIMIT = 256 * 1024

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, services } = deps
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'] },
    genReqId: () => randomUUID(),
    // Request lines are logged by the onResponse hook below (failures only), never bodies.
    logController: new LogController({ disableRequestLogging: true }),
    // every body but ingest's is a small JSON document (a status move, a comment, a token request,
    // up to 500 incident ids): 256 KB; ingest sets its own limit, INGEST_MAX_BODY_BYTES
    bodyLimit: API_BODY_LIMIT,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } },
  })
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

  // Token guessing: an address that presented API_AUTH_FAILURES_PER_MINUTE unknown or revoked tokens
  // within a minute is refused (429) for the rest of that minute, whatever it sends.
  const failures = new Map<string, { start: number; n: number }>()
  const failureLimit = config.api.authFailuresPerMinute
  app.addHook('onRequest', async (req) => {
    if (failureLimit === 0) return
    const f = failures.get(req.ip)
    if (f === undefined || Date.now() - f.start >= 60_000 || f.n < failureLimit) return
    const retry = Math.max(1, Math.ceil((f.start + 60_000 - Date.now()) / 1000))
    services.stats.refused('api_auth', dropReason('RATE_LIMITED'))
    throw new WatchfloorError('RATE_LIMITED', `too many unknown tokens from this address; retry in ${retry} s`, { retryAfterSeconds: retry })
  })
  app.addHook('onError', async (req, _reply, err) => {
    if (failureLimit === 0 || !(err instanceof WatchfloorError) || err.code !== 'AUTH_REQUIRED' || typeof req.headers.authorization !== 'string') return
    const now = Date.now()
    let f = failures.get(req.ip)
    if (f === undefined || now - f.start >= 60_000) failures.set(req.ip, (f = { start: now, n: 0 }))
    f.n++
    if (failures.size > 100_000) for (const [k, v] of failures) if (now - v.start >= 60_000) failures.delete(k)
  })

  // Reads need a token that may read, ingest a token that may ingest (API_AUTH=all, the default).
  // Health, Prometheus metrics and the API docs stay open; actions and administration check their
  // own permission in their routes.
  const READS = /^\/api\/(incidents|incident\/[^/]+(\/(similar|alerts|events))?|alerts|events|stats|overview|ip\/[^/]+\/profile|user\/[^/]+\/profile|host\/[^/]+\/profile)$/
  app.addHook('onRequest', async (req) => {
    if (config.api.auth !== 'all') return
    const path = req.url.split('?')[0] ?? ''
    const need = req.method === 'POST' && path === '/api/ingest' ? 'ingest' : req.method === 'GET' && READS.test(path) ? 'read' : undefined
    if (need !== undefined) authenticate(services.tokens, req, need)
  })

  // Changes need a token, checked before the body is read: a request without a valid one is
  // refused (401) having cost nothing but its headers. The route then checks the token's role.
  app.addHook('onRequest', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return
    const path = req.url.split('?')[0] ?? ''
    if (!path.startsWith('/api/') || (path === '/api/ingest' && config.api.auth !== 'all')) return
    const h = req.headers.authorization
    const token = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h)?.[1] : undefined
    if (token === undefined) throw new WatchfloorError('AUTH_REQUIRED', 'send an API token: Authorization: Bearer <token>')
    if (services.tokens.verify(token) === undefined) throw new WatchfloorError('AUTH_REQUIRED', 'unknown or revoked token')
  })

  // Rate limits: ingest per client address, analyst actions per token (fixed one-minute windows).
  const windows = new Map<string, { start: number; n: number }>()
  app.addHook('onRequest', async (req) => {
    if (req.method !== 'POST') return
    const path = req.url.split('?')[0] ?? ''
    const ingest = path === '/api/ingest'
    const action = path.startsWith('/api/incident')
    if (!ingest && !action) return
    const limit = ingest ? config.api.ingestRatePerMinute : config.api.actionRatePerMinute
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
      services.stats.refused(ingest ? 'http' : 'api_actions', dropReason('RATE_LIMITED'))
      throw new WatchfloorError('RATE_LIMITED', `more than ${limit} requests a minute; retry in ${retry} s`, { retryAfterSeconds: retry })
    }
  })

  // Every answer that is not a success carries a catalogue code: {error: {code, message}}.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err instanceof WatchfloorError) {
      if (err.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(err.retryAfterSeconds))
      if (err.code === 'AUTH_REQUIRED') void reply.header('WWW-Authenticate', 'Bearer')
      return reply.status(err.httpStatus).send({ error: { code: err.code, message: err.message } })
    }
    const known = err.code !== undefined ? FASTIFY_CODES[err.code] : undefined
    if (known === 'INGEST_BODY_TOO_LARGE') return reply.status(413).send(errorBody(known, `request body exceeds ${config.ingest.maxBodyBytes} bytes (INGEST_MAX_BODY_BYTES)`))
    if (known !== undefined) return reply.status(415).send(errorBody(known, err.message))
    if (err.validation) return reply.status(400).send(errorBody('REQUEST_INVALID', err.message))
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return reply.status(err.statusCode).send(errorBody('REQUEST_INVALID', err.message))
    req.log.error({ err }, 'unhandled error')
    return reply.status(500).send(errorBody('INTERNAL'))
  })

  // the record shape existing producers send (any other field is kept too), listed in the API docs
  app.addSchema({ ...LegacyIngestRecordSchema, $id: 'LegacyIngestRecord' })
  await app.register(swagger, {
    // shared schemas appear in the docs under their own names
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
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
  await app.register(evidenceRoutes)
  await app.register(profileRoutes)
  await app.register(actionRoutes)
  await app.register(tokenRoutes)
  await app.register(reportRoutes)
  // the standalone UI at / and /ui/: static, open like /docs (its data comes from the routes above)
  await app.register(uiRoutes)
  return app
}
