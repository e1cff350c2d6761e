/**
 * The disk buffer: a write-ahead log between the transforms and the ClickHouse sinks.
 *
 * A source acknowledges once `append` resolves: the rows are then in a local segment file
 * (written with write(2), so they survive the process being killed; with `fsync` also power loss).
 * A flusher drains the log into the sinks in large batches (large inserts are ~2x cheaper for
 * ClickHouse than many small ones and leave fewer parts to merge), then records a checkpoint.
 * Before each insert the flusher records its intent (the log range) in the checkpoint file, so
 * after a crash the same range is re-sent as the same body and ClickHouse deduplicates it.
 * ClickHouse being slow or down never loses acknowledged data: the log holds it, and ingest
 * answers 503 only when the un-flushed backlog reaches its limit.
 *
 * Frame: [u32 payload length][u32 crc32 of payload][u8 table][3 bytes reserved][payload].
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import path from 'node:path'
import { crc32 } from 'node:zlib'
import { WatchfloorError } from '../errors.js'
import type { ComponentCounters } from '../telemetry/counters.js'

export const TABLES = ['events', 'dead_letters', 'alerts', 'incidents'] as const
export type BufferTable = (typeof TABLES)[number]

export interface BufferRecord {
  table: BufferTable
  /** JSONEachRow bytes, each row ending in '\n'. */
  rows: Uint8Array
  count: number
}

/**
 * What the buffer writes to. The sink derives its insert-deduplication token from the body, and
 * a log range always yields the same body, so a range re-sent after a crash lands once.
 */
export interface BufferSink {
  write(table: BufferTable, rows: Uint8Array, count: number): Promise<void>
}

export interface DiskBufferOptions {
  dir: string
  /** Roll to a new segment file past this size. */
  segmentBytes: number
  /** Un-flushed bytes above which `isFull` is true (sources answer 503). */
  maxUnflushedBytes: number
  /** Flush when this many rows are waiting... */
  flushRows: number
  /** ...or this many bytes... */
  flushBytes: number
  /** ...or the oldest waiting record is this old. */
  lingerMs: number
  fsync: boolean
}

export interface BufferStatus {
  unflushed_rows: number
  unflushed_bytes: number
  /** Age of the oldest record not yet stored in ClickHouse. */
  oldest_ms: number
  last_error?: string
  last_flush_ms_ago?: number
}

interface Position {
  segment: number
  offset: number
}

interface Checkpoint {
  /** Everything before this position is stored in ClickHouse. */
  committed: Position
  /** A flush that may or may not have landed: re-sent with the same tokens after a crash. */
  inflight?: { from: Position; to: Position }[]
}

interface Batch {
  /** The range of a previous run's flush this batch re-sends (after a crash). */
  range?: { from: Position; to: Position }
  entries: Entry[]
  from: Position
  to: Position
  done: boolean
}

/** Inserts running at once: one parsing while the next is being built keeps both cores busy. */
const MAX_INFLIGHT = 2

interface Entry extends BufferRecord {
  from: Position
  to: Position
  /** When it was appended (ms). */
  at: number
}

const HEADER = 12
const TABLE_CODE: Record<BufferTable, number> = { events: 0, dead_letters: 1, alerts: 2, incidents: 3 }

const segName = (n: number) => `segment-${String(n).padStart(8, '0')}.wal`
const atOrBefore = (a: Position, b: Position) => a.segment < b.segment || (a.segment === b.segment && a.offset <= b.offset)

export class DiskBuffer {
  private fd = -1
  private segment = 0
  private offset = 0
  private queue: Entry[] = []
  private queuedBytes = 0
  private queuedRows = 0
  private checkpoint: Checkpoint = { committed: { segment: 0, offset: 0 } }
  private inflight: Batch[] = []
  private inflightBytes = 0
  private inflightRows = 0
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private lastError: string | undefined
  private lastFlushAt = 0
  private waiters: (() => void)[] = []
  /** After a crash: the first flushes re-send exactly the ranges that were in flight. */
  private replayRanges: { from: Position; to: Position }[] = []

  constructor(
    private readonly opts: DiskBufferOptions,
    private readonly sink: BufferSink,
    private readonly counters: ComponentCounters,
  ) {}

  get unflushedBytes(): number {
    return this.queuedBytes + this.inflightBytes
  }
  get unflushedRows(): number {
    return this.queuedRows + this.inflightRows
  }
  get isFull(): boolean {
    return this.unflushedBytes >= this.opts.maxUnflushedBytes
  }
  get status(): BufferStatus {
    const out: BufferStatus = {
      unflushed_rows: this.unflushedRows,
      unflushed_bytes: this.unflushedBytes,
      oldest_ms: this.inflight[0] ? Date.now() - this.inflight[0].entries[0]!.at : this.queue[0] ? Date.now() - this.queue[0].at : 0,
    }
    if (this.lastError) out.last_error = this.lastError
    if (this.lastFlushAt) out.last_flush_ms_ago = Date.now() - this.lastFlushAt
    return out
  }
  /** Opens the log; records a previous run acknowledged but did not store are queued again. Returns how many rows. */
  open(): number {
    mkdirSync(this.opts.dir, { recursive: true })
    const cpFile = path.join(this.opts.dir, 'checkpoint.json')
    if (existsSync(cpFile)) this.checkpoint = JSON.parse(readFileSync(cpFile, 'utf8')) as Checkpoint
    const segments = readdirSync(this.opts.dir)
      .filter((f) => /^segment-\d{8}\.wal$/.test(f))
      .map((f) => Number(f.slice(8, 16)))
      .sort((a, b) => a - b)
    let replayed = 0
    for (const seg of segments) {
      if (seg < this.checkpoint.committed.segment) {
        rmSync(path.join(this.opts.dir, segName(seg)), { force: true })
        continue
      }
      const data = readFileSync(path.join(this.opts.dir, segName(seg)))
      let off = seg === this.checkpoint.committed.segment ? this.checkpoint.committed.offset : 0
      while (off + HEADER <= data.length) {
        const len = data.readUInt32LE(off)
        const crc = data.readUInt32LE(off + 4)
        const code = data.readUInt8(off + 8)
        const end = off + HEADER + len
        if (end > data.length) break // torn tail: written partly, never acknowledged
        const rows = data.subarray(off + HEADER, end)
        if (crc32(rows) !== crc || code >= TABLES.length) break
        const count = countLines(rows)
        this.enqueue({ table: TABLES[code]!, rows: Uint8Array.from(rows), count, from: { segment: seg, offset: off }, to: { segment: seg, offset: end }, at: Date.now() })
        replayed += count
        off = end
      }
    }
    this.replayRanges = [...(this.checkpoint.inflight ?? [])]
    // Always append to a fresh segment: a torn tail in the old one is left behind untouched.
    this.segment = (segments.at(-1) ?? 0) + 1
    this.openSegment()
    this.counters.received += replayed
    if (this.queue.length > 0) this.pump()
    return replayed
  }

  /** The tail of the current segment may hold part of a frame: append to a new segment. */
  private torn = false

  private rollSegment(): void {
    this.segment++
    this.openSegment()
    this.torn = false
  }

  private openSegment(): void {
    if (this.fd >= 0) {
      const fd = this.fd
      this.fd = -1
      closeSync(fd)
    }
    this.fd = openSync(path.join(this.opts.dir, segName(this.segment)), 'a')
    this.offset = 0
  }

  private enqueue(e: Entry): void {
    this.queue.push(e)
    this.queuedBytes += e.rows.byteLength
    this.queuedRows += e.count
  }

  /**
   * Writes the records to the log; when this returns they survive a crash. Synchronous on
   * purpose: one write(2) of an already-built buffer, ordered with every other append.
   */
  append(records: BufferRecord[]): void {
    if (this.closed) throw new Error('disk buffer is closed')
    const frames: Buffer[] = []
    const entries: Entry[] = []
    let offset = this.offset
    for (const r of records) {
      if (r.count === 0) continue
      const header = Buffer.alloc(HEADER)
      header.writeUInt32LE(r.rows.byteLength, 0)
      header.writeUInt32LE(crc32(r.rows), 4)
      header.writeUInt8(TABLE_CODE[r.table], 8)
      frames.push(header, Buffer.from(r.rows.buffer, r.rows.byteOffset, r.rows.byteLength))
      const from = { segment: this.segment, offset }
      offset += HEADER + r.rows.byteLength
      entries.push({ ...r, from, to: { segment: this.segment, offset }, at: Date.now() })
    }
    if (entries.length === 0) return
    const buf = Buffer.concat(frames)
    let written = 0
    try {
      if (this.torn) this.rollSegment()
      while (written < buf.length) written += writeSync(this.fd, buf, written)
      if (this.opts.fsync) fsyncSync(this.fd)
    } catch (err) {
      // A disk full (or failing) mid-write leaves part of a frame at the tail. Cut it off, or a
      // restart would stop reading the segment there and miss every frame appended after it; if
      // that fails too, the next append starts a new segment (the tail is read up to the torn frame).
      if (written > 0 || this.opts.fsync) {
        try {
          ftruncateSync(this.fd, this.offset)
        } catch {
          this.torn = true
        }
      }
      this.counters.errors++
      this.lastError = `append: ${(err as Error).message}`
      throw new WatchfloorError('BUFFER_WRITE_FAILED', `the local disk buffer could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing of this request was acknowledged`, { cause: err })
    }
    this.offset = offset
    for (const e of entries) {
      this.enqueue(e)
      this.counters.received += e.count
    }
    if (this.offset >= this.opts.segmentBytes) {
      // these rows are written: a new segment that cannot be opened now (disk full) is opened by the next append
      try {
        this.rollSegment()
      } catch (err) {
        this.torn = true
        this.lastError = `new segment: ${(err as Error).message}`
      }
    }
    if (!this.timer || this.queuedRows >= this.opts.flushRows || this.queuedBytes >= this.opts.flushBytes) this.pump()
  }

  /** Starts flushes while fewer than `maxInflight` run and a batch is ready; re-arms the linger timer. */
  private pump(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.inflight.length < MAX_INFLIGHT && this.queue.length > 0) {
      const ready = this.replayRanges.length > 0 || this.closed || this.queuedRows >= this.opts.flushRows || this.queuedBytes >= this.opts.flushBytes || Date.now() - this.queue[0]!.at >= this.opts.lingerMs
      if (!ready) {
        this.timer = setTimeout(() => this.pump(), Math.max(1, this.opts.lingerMs - (Date.now() - this.queue[0]!.at)))
        return
      }
      if (!this.startBatch(this.takeBatch())) {
        this.timer = setTimeout(() => this.pump(), 1000)
        return
      }
    }
    if (this.queue.length === 0 && this.inflight.length === 0) for (const w of this.waiters.splice(0)) w()
  }

  private takeBatch(): Batch {
    const entries: Entry[] = []
    let bytes = 0
    let rows = 0
    const range = this.replayRanges.shift()
    const limit = range?.to
    for (const e of this.queue) {
      if (limit) {
        if (!atOrBefore(e.to, limit)) break
      } else if (entries.length > 0 && (bytes + e.rows.byteLength > this.opts.flushBytes * 2 || rows + e.count > this.opts.flushRows * 2)) break
      entries.push(e)
      bytes += e.rows.byteLength
      rows += e.count
    }
    if (entries.length === 0) entries.push(this.queue[0]!) // a replay range with no frame left: move on
    this.queue.splice(0, entries.length)
    const taken = entries.reduce((n, e) => n + e.rows.byteLength, 0)
    const takenRows = entries.reduce((n, e) => n + e.count, 0)
    this.queuedBytes -= taken
    this.queuedRows -= takenRows
    this.inflightBytes += taken
    this.inflightRows += takenRows
    return { entries, from: entries[0]!.from, to: entries[entries.length - 1]!.to, done: false, ...(range ? { range } : {}) }
  }

  /** Puts a batch that could not start back at the head of the queue. */
  private untake(batch: Batch): void {
    this.queue.unshift(...batch.entries)
    if (batch.range) this.replayRanges.unshift(batch.range)
    const bytes = batch.entries.reduce((n, e) => n + e.rows.byteLength, 0)
    const rows = batch.entries.reduce((n, e) => n + e.count, 0)
    this.queuedBytes += bytes
    this.queuedRows += rows
    this.inflightBytes -= bytes
    this.inflightRows -= rows
  }

  private startBatch(batch: Batch): boolean {
    this.inflight.push(batch)
    // Record the intent first: after a crash exactly this range is re-sent (same body, deduplicated).
    const before = this.checkpoint
    this.checkpoint = { committed: this.checkpoint.committed, inflight: this.inflight.map((b) => ({ from: b.from, to: b.to })) }
    if (!this.writeCheckpoint()) {
      // no room to record it (disk full): the batch waits in the queue and is tried again
      this.inflight.pop()
      this.checkpoint = before
      this.untake(batch)
      return false
    }
    void this.send(batch)
    return true
  }

  private async send(batch: Batch): Promise<void> {
    for (;;) {
      try {
        for (const table of TABLES) {
          const parts = batch.entries.filter((e) => e.table === table)
          if (parts.length === 0) continue
          const body = parts.length === 1 ? parts[0]!.rows : Buffer.concat(parts.map((p) => p.rows))
          await this.sink.write(table, body, parts.reduce((n, p) => n + p.count, 0))
        }
        break
      } catch (err) {
        // Keep the batch; the log still holds it. Same batch, same body, after a pause.
        this.lastError = (err as Error).message
        this.counters.errors++
        await new Promise((r) => setTimeout(r, 1000))
      }
    }
    batch.done = true
    this.lastError = undefined
    this.lastFlushAt = Date.now()
    // Commit in log order: a later batch that finished first waits for the earlier one.
    while (this.inflight[0]?.done) {
      const b = this.inflight.shift()!
      this.checkpoint = { committed: b.to, inflight: this.inflight.map((x) => ({ from: x.from, to: x.to })) }
      const rows = b.entries.reduce((n, e) => n + e.count, 0)
      this.counters.sent += rows
      this.inflightRows -= rows
      this.inflightBytes -= b.entries.reduce((n, e) => n + e.rows.byteLength, 0)
    }
    // a segment is dropped only once a checkpoint past it is on disk: a restart must never start
    // from a checkpoint that names a segment already gone (it would re-send stored rows in new batches)
    if (this.writeCheckpoint()) this.dropCommittedSegments()
    this.pump()
  }

  /**
   * Writes the checkpoint (a temporary file renamed over the old one: never half written). False
   * when the disk refused it: the previous checkpoint stays, which only means more is re-sent
   * (with the same bodies, deduplicated) after a crash.
   */
  private writeCheckpoint(): boolean {
    const file = path.join(this.opts.dir, 'checkpoint.json')
    const tmp = `${file}.tmp`
    try {
      writeFileSync(tmp, JSON.stringify(this.checkpoint))
      if (this.opts.fsync) {
        const fd = openSync(tmp, 'r')
        fsyncSync(fd)
        closeSync(fd)
      }
      renameSync(tmp, file)
      return true
    } catch (err) {
      this.counters.errors++
      this.lastError = `checkpoint: ${(err as Error).message}`
      return false
    }
  }

  private dropCommittedSegments(): void {
    for (const f of readdirSync(this.opts.dir)) {
      if (!/^segment-\d{8}\.wal$/.test(f)) continue
      const seg = Number(f.slice(8, 16))
      if (seg < this.checkpoint.committed.segment && seg !== this.segment) rmSync(path.join(this.opts.dir, f), { force: true })
    }
  }

  /** Resolves when everything appended so far has been stored (or `timeoutMs` passed: it stays in the log). */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0 && this.inflight.length === 0) return true
    const done = new Promise<void>((r) => this.waiters.push(r))
    const wasClosed = this.closed
    this.closed = true // flush whatever is queued now, without waiting for the linger
    this.pump()
    this.closed = wasClosed
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))
    await Promise.race([done, timeout])
    clearTimeout(timer)
    return this.queue.length === 0 && this.inflight.length === 0
  }

  async close(timeoutMs: number): Promise<boolean> {
    this.closed = true
    const drained = await this.drain(timeoutMs)
    clearTimeout(this.timer)
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
    return drained
  }
}

function countLines(b: Uint8Array): number {
  let n = 0
  let i = -1
  while ((i = b.indexOf(10, i + 1)) !== -1) n++
  return n
}

