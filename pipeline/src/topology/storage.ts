/**
 * The durable write path after the workers and stages: one ClickHouse sink per table, and the
 * disk buffer in front of them when `BUFFER_ENABLED=true`. `write` resolves when the rows are
 * durable: inserted into ClickHouse, or appended to the buffer's log.
 */
import path from 'node:path'
import type { Config } from '../config/schema.js'
import { DiskBuffer, TABLES, type BufferStatus, type BufferTable } from '../buffers/disk.js'
import type { Store } from '../sinks/clickhouse/client.js'
import type { EncodedRows } from '../sinks/clickhouse/rows.js'
import { ClickHouseSink, type Sink } from '../sinks/clickhouse/sink.js'
import type { Telemetry } from '../telemetry/counters.js'

/** The telemetry component of each table's sink. */
const COMPONENT: Readonly<Record<BufferTable, string>> = { events: 'clickhouse', dead_letters: 'dead_letter', alerts: 'clickhouse_alerts', incidents: 'clickhouse_incidents' }

export class Storage {
  private readonly sinks: Record<BufferTable, Sink>
  private readonly buffer: DiskBuffer

  constructor(
    private readonly config: Readonly<Config>,
    store: Store,
    telemetry: Telemetry,
  ) {
    const s = config.sink
    const sink = (table: BufferTable) => new ClickHouseSink(store, telemetry.component(COMPONENT[table], 'sink'), { maxBatchRows: s.maxBatchRows, maxBatchBytes: s.maxBatchBytes, maxInflight: s.maxInflight, retries: s.retries, table, timers: telemetry.stages })
    this.sinks = { events: sink('events'), dead_letters: sink('dead_letters'), alerts: sink('alerts'), incidents: sink('incidents') }
    const b = config.buffer
    this.buffer = new DiskBuffer(
      { dir: path.join(config.dataDir, 'buffer'), segmentBytes: b.segmentBytes, maxUnflushedBytes: b.maxBytes, flushRows: b.flushRows, flushBytes: b.flushBytes, lingerMs: b.lingerMs, fsync: b.fsync },
      { write: (table, rows, count) => this.sinks[table].write({ rows, count }) },
      telemetry.component('disk_buffer', 'transform'),
    )
    telemetry.gauge('buffer_unflushed_rows', 'Acknowledged rows not yet stored in ClickHouse.', () => this.buffer.unflushedRows)
    telemetry.gauge('buffer_unflushed_bytes', 'Acknowledged bytes not yet stored in ClickHouse.', () => this.buffer.unflushedBytes)
    telemetry.gauge('buffer_oldest_unflushed_ms', 'Age of the oldest acknowledged row not yet stored.', () => this.buffer.status.oldest_ms)
    telemetry.gauge('clickhouse_queued_rows', 'Rows waiting for a ClickHouse insert.', () => this.sinks.events.queuedRows)
  }

  /** Opens the disk buffer: rows a previous run acknowledged but did not store are stored first. Returns how many. */
  open(): number {
    return this.buffer.open()
  }

  /** Makes rows durable: appended to the disk buffer, or (buffer disabled) inserted into ClickHouse. */
  async write(table: BufferTable, rows: EncodedRows): Promise<void> {
    if (rows.count === 0 || this.config.sink.type === 'none') return
    if (this.config.buffer.enabled) this.buffer.append([{ table, rows: rows.rows, count: rows.count }])
    else await this.sinks[table].write(rows)
  }

  /** The buffer's backlog is at its limit: new work must be refused. */
  get isFull(): boolean {
    return this.buffer.isFull
  }

  get backlogBytes(): number {
    return this.buffer.unflushedBytes
  }

  get bufferStatus(): BufferStatus {
    return this.buffer.status
  }

  /** Resolves true once the disk buffer is empty (every acknowledged row stored), false after the timeout. */
  flushed(timeoutMs: number): Promise<boolean> {
    return this.buffer.drain(timeoutMs)
  }

  /** Empties the buffer into ClickHouse (what does not fit in the time stays for the next start), then closes the sinks. */
  async close(timeoutMs: number): Promise<boolean> {
    const stored = await this.buffer.close(timeoutMs)
    await Promise.all(TABLES.map((t) => this.sinks[t].close()))
    return stored
  }
}
