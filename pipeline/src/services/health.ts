/**
 * Health: a probe per component (a query on the store, a round trip through a worker, the disk
 * buffer's backlog, admission control, the Kafka consumer when there is one). Each probe has a
 * time limit; the worst component decides the overall status.
 */
import type { Config } from '../config/schema.js'
import type { Store } from '../sinks/clickhouse/client.js'
import type { BufferStatus } from '../buffers/disk.js'
import type { SearchStatus } from '../sinks/search/types.js'
import type { TransformPool } from '../workers/pool.js'
import { makeTask } from '../workers/task.js'

export type ComponentStatus = 'ok' | 'degraded' | 'down'

export interface ComponentHealth {
  status: ComponentStatus
  latency_ms?: number
  detail?: string
  [k: string]: unknown
}

export interface HealthReport {
  status: ComponentStatus
  components: Record<string, ComponentHealth>
}

export interface Health {
  check(): Promise<HealthReport>
}

/** One component's probe. */
export type Probe = () => Promise<ComponentHealth> | ComponentHealth

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

const TIMEOUT_MS = 5000

export function storeProbe(store: Store): Probe {
  return async () => {
    const ch = await timed(async () => {
      const rs = await store.client.query({ query: "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'dead_letters', 'incidents')", format: 'JSONEachRow' })
      const rows = await rs.json<{ n: string | number }>()
      return Number(rows[0]?.n ?? 0)
    }, TIMEOUT_MS)
    if (!ch.ok) return { status: 'down', latency_ms: ch.ms, detail: ch.error, mode: store.mode }
    if (ch.value !== 3) return { status: 'down', latency_ms: ch.ms, detail: `expected 3 Watchfloor tables, found ${ch.value}`, mode: store.mode }
    return { status: 'ok', latency_ms: ch.ms, mode: store.mode, location: store.location }
  }
}

export function workersProbe(pool: TransformPool, config: Pick<Config, 'pipeline'>): Probe {
  const probe = makeTask(config).probe('health')
  return async () => {
    const w = await timed(() => pool.run({ ...probe, ingested: new Date().toISOString() }), TIMEOUT_MS)
    return w.ok ? { status: 'ok', latency_ms: w.ms, threads: pool.threads, queued_tasks: pool.queueSize } : { status: 'down', latency_ms: w.ms, detail: w.error }
  }
}

/** The durable write path, as the buffer probe sees it. */
export interface BufferState {
  readonly bufferStatus: BufferStatus
  readonly isFull: boolean
}

export function bufferProbe(storage: BufferState): Probe {
  return () => {
    const st = storage.bufferStatus
    if (st.last_error) return { status: 'degraded', detail: `ClickHouse inserts failing, acknowledged rows wait in the disk buffer: ${st.last_error}`, ...st }
    if (storage.isFull) return { status: 'degraded', detail: 'disk buffer backlog at its limit: producers receive 503', ...st }
    return { status: 'ok', ...st }
  }
}

/** Admission control, as the ingest probe sees it. */
export interface AdmissionState {
  readonly stopping: boolean
  readonly pendingRecords: number
}

export function ingestProbe(pipeline: AdmissionState, config: Pick<Config, 'pipeline'>): Probe {
  const max = config.pipeline.maxPendingRecords
  return () => {
    if (pipeline.stopping) return { status: 'down', detail: 'shutting down' }
    const pending = pipeline.pendingRecords
    if (pending >= max) return { status: 'degraded', detail: 'saturated: producers receive 503 with Retry-After', pending_records: pending }
    return { status: 'ok', pending_records: pending, max_pending_records: max }
  }
}

export class ComponentHealthCheck implements Health {
  constructor(private readonly probes: Readonly<Record<string, Probe>>) {}

  async check(): Promise<HealthReport> {
    const entries = await Promise.all(Object.entries(this.probes).map(async ([name, probe]) => [name, await probe()] as const))
    const components = Object.fromEntries(entries)
    const all = Object.values(components)
    const status: ComponentStatus = all.some((c) => c.status === 'down') ? 'down' : all.some((c) => c.status === 'degraded') ? 'degraded' : 'ok'
    return { status, components }
  }
}

/** The search index: degraded while it cannot write (incidents are still stored in ClickHouse and backfilled after). */
export function searchProbe(index: { status(): SearchStatus }): Probe {
  return () => {
    const { status, detail, ...rest } = index.status()
    return { status, ...(detail !== undefined ? { detail } : {}), ...rest }
  }
}
