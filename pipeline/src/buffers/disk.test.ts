/** The disk buffer's promises: what `append` returned survives a crash, and lands once. */
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Telemetry } from '../telemetry/counters.js'
import { DiskBuffer, type BufferTable, type DiskBufferOptions } from './disk.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function options(overrides: Partial<DiskBufferOptions> = {}): DiskBufferOptions {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-buffer-'))
  dirs.push(dir)
  return { dir, segmentBytes: 1 << 20, maxUnflushedBytes: 1 << 20, flushRows: 1000, flushBytes: 1 << 20, lingerMs: 5, fsync: false, ...overrides }
}

/** A sink that records what it was sent; can be told to fail. */
function recordingSink() {
  const writes: { table: BufferTable; body: string; count: number }[] = []
  let failing = false
  return {
    writes,
    fail: (on: boolean) => (failing = on),
    sink: {
      write: async (table: BufferTable, rows: Uint8Array, count: number) => {
        if (failing) throw new Error('ClickHouse unavailable')
        writes.push({ table, body: Buffer.from(rows).toString(), count })
      },
    },
  }
}

const rows = (...ids: string[]) => Buffer.from(ids.map((id) => `{"event_id":"${id}"}\n`).join(''))
const counters = () => new Telemetry().component('disk_buffer', 'transform')

describe('DiskBuffer', () => {
  it('stores appended rows through the sink in order, grouped per table', async () => {
    const rec = recordingSink()
    const buf = new DiskBuffer(options(), rec.sink, counters())
    buf.open()
    buf.append([{ table: 'events', rows: rows('a', 'b'), count: 2 }, { table: 'dead_letters', rows: rows('x'), count: 1 }])
    buf.append([{ table: 'events', rows: rows('c'), count: 1 }])
    expect(await buf.drain(5000)).toBe(true)
    const events = rec.writes.filter((w) => w.table === 'events').map((w) => w.body).join('')
    expect(events).toBe(rows('a', 'b', 'c').toString())
    expect(rec.writes.filter((w) => w.table === 'dead_letters').map((w) => w.count)).toEqual([1])
    await buf.close(1000)
  })

  it('replays what was appended but never stored when a new process opens the same directory', async () => {
    const opts = options({ lingerMs: 60_000, flushRows: 1_000_000 })
    const crashed = recordingSink()
    const first = new DiskBuffer(opts, crashed.sink, counters())
    first.open()
    first.append([{ table: 'events', rows: rows('a', 'b', 'c'), count: 3 }])
    // simulated kill -9: no close, nothing flushed
    expect(crashed.writes).toEqual([])
    const rec = recordingSink()
    const second = new DiskBuffer({ ...opts, lingerMs: 5 }, rec.sink, counters())
    expect(second.open()).toBe(3)
    expect(await second.drain(5000)).toBe(true)
    expect(rec.writes.map((w) => w.body).join('')).toBe(rows('a', 'b', 'c').toString())
    await second.close(1000)
    // and a third run has nothing left to replay
    const third = new DiskBuffer(opts, recordingSink().sink, counters())
    expect(third.open()).toBe(0)
    await third.close(1000)
  })

  it('ignores a torn frame at the tail (written partly, never acknowledged)', async () => {
    const opts = options({ lingerMs: 60_000, flushRows: 1_000_000 })
    const first = new DiskBuffer(opts, recordingSink().sink, counters())
    first.open()
    first.append([{ table: 'events', rows: rows('a'), count: 1 }])
    const seg = readdirSync(opts.dir).find((f) => f.endsWith('.wal'))!
    appendFileSync(path.join(opts.dir, seg), Buffer.from([200, 0, 0, 0, 1, 2, 3]))
    const rec = recordingSink()
    const second = new DiskBuffer({ ...opts, lingerMs: 5 }, rec.sink, counters())
    expect(second.open()).toBe(1)
    await second.drain(5000)
    expect(rec.writes.map((w) => w.body)).toEqual([rows('a').toString()])
    await second.close(1000)
  })

  it('re-sends exactly the batch that was in flight at a crash, so the sink sees the same body', async () => {
    const opts = options({ lingerMs: 60_000, flushRows: 1_000_000 })
    const first = new DiskBuffer(opts, recordingSink().sink, counters())
    first.open()
    first.append([{ table: 'events', rows: rows('a'), count: 1 }])
    first.append([{ table: 'events', rows: rows('b'), count: 1 }])
    // The crash came after the flusher recorded its intent for the first frame only.
    const seg = Number(readdirSync(opts.dir).find((f) => f.endsWith('.wal'))!.slice(8, 16))
    const firstFrameEnd = 12 + rows('a').byteLength
    writeFileSync(path.join(opts.dir, 'checkpoint.json'), JSON.stringify({ committed: { segment: 0, offset: 0 }, inflight: [{ from: { segment: seg, offset: 0 }, to: { segment: seg, offset: firstFrameEnd } }] }))
    const rec = recordingSink()
    const second = new DiskBuffer({ ...opts, lingerMs: 5 }, rec.sink, counters())
    expect(second.open()).toBe(2)
    await second.drain(5000)
    expect(rec.writes.map((w) => w.body)).toEqual([rows('a').toString(), rows('b').toString()])
    await second.close(1000)
  })

  it('keeps rows while the sink fails, reports the error, and stores them once it recovers', async () => {
    const rec = recordingSink()
    const buf = new DiskBuffer(options({ maxUnflushedBytes: 30 }), rec.sink, counters())
    buf.open()
    rec.fail(true)
    buf.append([{ table: 'events', rows: rows('a', 'b'), count: 2 }])
    await new Promise((r) => setTimeout(r, 100))
    expect(buf.status.last_error).toBe('ClickHouse unavailable')
    expect(buf.unflushedRows).toBe(2)
    expect(buf.isFull).toBe(true)
    rec.fail(false)
    expect(await buf.drain(5000)).toBe(true)
    expect(rec.writes.map((w) => w.count)).toEqual([2])
    expect(buf.isFull).toBe(false)
    expect(buf.status.last_error).toBeUndefined()
    await buf.close(1000)
  })
})
