/**
 * ClickHouse sink: `write(batch)` resolves only once the rows are stored (the ingest
 * acknowledgement waits on it). Concurrent writes are grouped into one INSERT while earlier
 * inserts are in flight (group commit), so many small requests cost few parts, and an idle
 * sink writes at once. Failed inserts are retried with backoff; the same body is re-sent, and
 * insert deduplication on the table turns a retry of a block that did land into a no-op.
 */
import { createHash } from 'node:crypto'
import type { Store } from './client.js'
import { WatchfloorError, toWatchfloorError } from '../../errors.js'
import type { ComponentCounters, StageTimers } from '../../telemetry/counters.js'

/** Rows as JSONEachRow: one JSON object per line, each line ending in '\n' (text, or its UTF-8 bytes). */
export interface RowBatch {
  rows: string | Uint8Array
  count: number
}

/** How every Watchfloor row body is read by the engine. */
export const INSERT_SETTINGS = {
  input_format_skip_unknown_fields: 0,
  date_time_input_format: 'best_effort',
  // a JSON object given for a String column is stored as its text (the events' `original`, see eventRowJson)
  input_format_json_read_objects_as_strings: 1,
} as const

export interface Sink {
  write(batch: RowBatch): Promise<void>
  flush(): Promise<void>
  close(): Promise<void>
  readonly queuedRows: number
}

export interface ClickHouseSinkOptions {
  table: string
  maxBatchRows: number
  /** Most bytes of row text in one INSERT (bounds the memory an insert holds). */
  maxBatchBytes?: number
  maxInflight: number
  retries: number
  /** First backoff delay; doubles per attempt. */
  backoffMs?: number
  /** Where the main thread's part of an insert (joining the bodies, the deduplication token) is timed. */
  timers?: StageTimers
}

interface Pending {
  batch: RowBatch
  resolve: () => void
  reject: (err: WatchfloorError) => void
}

/** One body from several batches; bytes stay bytes (one memcpy), text stays text. */
function joinRows(parts: (string | Uint8Array)[]): string | Uint8Array {
  if (parts.length === 1) return parts[0]!
  if (parts.every((p) => typeof p === 'string')) return (parts as string[]).join('')
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)))
}

export class ClickHouseSink implements Sink {
  private readonly queue: Pending[] = []
  private inflight = 0
  private queued = 0
  private closed = false
  private idleWaiters: (() => void)[] = []

  constructor(
    private readonly store: Pick<Store, 'insertJsonRows'>,
    private readonly counters: ComponentCounters,
    private readonly opts: ClickHouseSinkOptions,
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.table)) throw new Error(`bad table name ${opts.table}`)
  }

  get queuedRows(): number {
    return this.queued
  }

  write(batch: RowBatch): Promise<void> {
    if (batch.count === 0) return Promise.resolve()
    if (this.closed) return Promise.reject(new WatchfloorError('PIPELINE_STOPPING'))
    this.counters.received += batch.count
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject })
      this.queued += batch.count
      this.pump()
    })
  }

  private pump(): void {
    while (this.inflight < this.opts.maxInflight && this.queue.length > 0) {
      const group: Pending[] = []
      let rows = 0
      let bytes = 0
      const maxBytes = this.opts.maxBatchBytes ?? 32 * 1024 * 1024
      while (this.queue.length > 0) {
        const next = this.queue[0]!
        if (group.length > 0 && (rows + next.batch.count > this.opts.maxBatchRows || bytes + next.batch.rows.length > maxBytes)) break
        group.push(this.queue.shift()!)
        rows += next.batch.count
        bytes += next.batch.rows.length
      }
      this.queued -= rows
      this.inflight++
      void this.insert(group, rows).finally(() => {
        this.inflight--
        this.pump()
        if (this.inflight === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w()
      })
    }
  }

  private async insert(group: Pending[], rows: number): Promise<void> {
    const t0 = performance.now()
    const body = joinRows(group.map((p) => p.batch.rows))
    const token = createHash('sha256').update(body).digest('base64url')
    this.opts.timers?.add('main', `sink ${this.opts.table}`, performance.now() - t0, rows)
    let lastErr: unknown
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, (this.opts.backoffMs ?? 100) * 2 ** (attempt - 1)))
      try {
        // The token makes a re-sent body (a retry after a lost answer) land once: ClickHouse keeps
        // the last `non_replicated_deduplication_window` tokens per table and skips repeats.
        await this.store.insertJsonRows(this.opts.table, body, { ...INSERT_SETTINGS, insert_deduplicate: 1, insert_deduplication_token: token })
        this.counters.sent += rows
        for (const p of group) p.resolve()
        return
      } catch (err) {
        lastErr = err
        this.counters.errors++
      }
    }
    this.counters.drop('sink_write_failed', rows)
    const error = toWatchfloorError(lastErr, 'SINK_WRITE_FAILED')
    const typed = error.code === 'SINK_WRITE_FAILED' ? error : new WatchfloorError('SINK_WRITE_FAILED', error.message, { cause: lastErr })
    for (const p of group) p.reject(typed)
  }

  /** Resolves when everything written so far is stored (or has failed). */
  flush(): Promise<void> {
    if (this.inflight === 0 && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  async close(): Promise<void> {
    await this.flush()
    this.closed = true
  }
}
