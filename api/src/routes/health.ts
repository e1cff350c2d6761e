/** GET /api/health: a real check of each component (a query, a worker round trip), 503 if any fails. */
import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'

const Component = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]), latency_ms: Type.Optional(Type.Number()), detail: Type.Optional(Type.String()) }, { additionalProperties: true })
const Health = Type.Object({ status: Type.String(), components: Type.Record(Type.String(), Component) })

async function timed<T>(fn: () => Promise<T>, timeoutMs: number): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: string; ms: number }> {
  const t0 = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const value = await Promise.race([fn(), new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))])
    return { ok: true, value, ms: Math.round(performance.now() - t0) }
  } catch (err) {
    return { ok: false, error: (err as Error).message, ms: Math.round(performance.now() - t0) }
  } finally {
    clearTimeout(timer)
  }
}

const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/health', { schema: { tags: ['operations'], summary: 'Component health', response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    const { store, pipeline, config } = app.deps
    const ch = await timed(async () => {
      const rs = await store.client.query({ query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name IN (\'events\', \'dead_letters\', \'incidents\')', format: 'JSONEachRow' })
      const rows = await rs.json<{ n: string | number }>()
      return Number(rows[0]?.n ?? 0)
    }, 5000)
    const workers = await timed(
      () => pipeline.pool.run({ framing: 'ndjson', text: '', source: 'health', ingested: new Date().toISOString(), firstLine: 1, maxRecordBytes: 1, maxDepth: 2 }),
      5000,
    )
    const components: Record<string, { status: 'ok' | 'degraded' | 'down'; latency_ms?: number; detail?: string; [k: string]: unknown }> = {
      clickhouse: ch.ok
        ? ch.value === 3
          ? { status: 'ok', latency_ms: ch.ms, mode: store.mode, location: store.location }
          : { status: 'down', latency_ms: ch.ms, detail: `expected 3 Watchfloor tables, found ${ch.value}`, mode: store.mode }
        : { status: 'down', latency_ms: ch.ms, detail: ch.error, mode: store.mode },
      workers: workers.ok
        ? { status: 'ok', latency_ms: workers.ms, threads: pipeline.pool.threads.length, queued_tasks: pipeline.pool.queueSize }
        : { status: 'down', latency_ms: workers.ms, detail: workers.error },
      buffer: (() => {
        const st = pipeline.buffer.status
        if (st.last_error) return { status: 'degraded' as const, detail: `ClickHouse inserts failing, acknowledged rows wait in the disk buffer: ${st.last_error}`, ...st }
        if (pipeline.buffer.isFull) return { status: 'degraded' as const, detail: 'disk buffer backlog at its limit: producers receive 503', ...st }
        return { status: 'ok' as const, ...st }
      })(),
      ingest: pipeline.isStopping
        ? { status: 'down', detail: 'shutting down' }
        : pipeline.pendingRecords >= config.pipeline.maxPendingRecords
          ? { status: 'degraded', detail: 'saturated: producers receive 503 with Retry-After', pending_records: pipeline.pendingRecords }
          : { status: 'ok', pending_records: pipeline.pendingRecords, max_pending_records: config.pipeline.maxPendingRecords },
    }
    const worst = Object.values(components).some((c) => c.status === 'down') ? 'down' : Object.values(components).some((c) => c.status === 'degraded') ? 'degraded' : 'ok'
    return reply.status(worst === 'down' ? 503 : 200).send({ status: worst, components })
  })
}

export default healthRoutes
