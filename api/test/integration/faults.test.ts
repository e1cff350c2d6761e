/**
 * Disk-full faults on real filesystems (a tmpfs of a fixed size, filled by a file), with a
 * separate Watchfloor process under steady HTTP load:
 * - the ClickHouse store runs out of space for 30 s: ingest answers 503 with Retry-After (the
 *   insert fails), then recovers on its own once space is back; every acknowledged event is
 *   stored exactly once and the attack stays one incident;
 * - the disk buffer runs out of space mid-write: 503 (BUFFER_WRITE_FAILED), the torn frame is
 *   cut off, and after SIGKILL and a restart every acknowledged event is there, including those
 *   acknowledged after the disk was full.
 * The Kafka side (paused partitions, no offsets committed) is in kafka.test.ts.
 */
import path from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { afterAll, describe, expect, it } from 'vitest'
import { fillDisk, mountTmpfs, tmpfs } from '../../../test/support/tmpfs.js'
import { spawnWatchfloor, tempDir } from '../helpers.js'

const tmp = tempDir('watchfloor-faults-')
const unmounts: Array<() => void> = []
afterAll(() => {
  for (const u of unmounts) u()
  tmp.cleanup()
})

const ATTACKER = '203.0.113.77'
let seq = 0
function batch(n: number): string {
  return Array.from({ length: n }, () => JSON.stringify({ timestamp: new Date().toISOString(), event_type: 'ssh_failed_login', source_ip: ATTACKER, username: `user${seq++ % 40}`, hostname: 'bastion-1', raw_log: `Failed password ${seq}` })).join('\n')
}

interface Tally {
  acked: string[]
  refused: number
  refusedWithoutRetryAfter: number
  other: Array<{ status: number; body: string }>
  sent: number
}

/** Producers that post a batch every `everyMs` until stopped, keeping what was acknowledged. */
function load(url: string, producers: number, perBatch: number, everyMs: number): { tally: Tally; stop: () => Promise<void>; ackedSince: (n: number) => number } {
  const tally: Tally = { acked: [], refused: 0, refusedWithoutRetryAfter: 0, other: [], sent: 0 }
  let running = true
  const one = async () => {
    while (running) {
      tally.sent += perBatch
      const res = await fetch(`${url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batch(perBatch) })
      const text = await res.text()
      if (res.status === 202) tally.acked.push(...(JSON.parse(text) as { ids: string[] }).ids)
      else if (res.status === 503) {
        tally.refused += perBatch
        if (!res.headers.get('retry-after')) tally.refusedWithoutRetryAfter++
      } else tally.other.push({ status: res.status, body: text.slice(0, 300) })
      await new Promise((r) => setTimeout(r, everyMs))
    }
  }
  const all = Array.from({ length: producers }, one)
  return {
    tally,
    stop: async () => {
      running = false
      await Promise.all(all)
    },
    ackedSince: (n) => tally.acked.length - n,
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function stopped(child: import('node:child_process').ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  await exited
}

async function storedOnce(dataDir: string, ids: string[]): Promise<{ rows: number; unique: number; incidents: number }> {
  const client = createClient({ connection: createChdbConnection({ path: path.join(dataDir, 'clickhouse') }) as never })
  try {
    const [r] = await (await client.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM events WHERE event_id IN {ids:Array(String)}', query_params: { ids }, format: 'JSONEachRow' })).json<{ n: string; u: string }>()
    const [i] = await (await client.query({ query: 'SELECT uniqExact(incident_id) AS n FROM incidents WHERE source_ip = {ip:String}', query_params: { ip: ATTACKER }, format: 'JSONEachRow' })).json<{ n: string }>()
    return { rows: Number(r!.n), unique: Number(r!.u), incidents: Number(i!.n) }
  } finally {
    await client.close()
  }
}

describe.skipIf(!tmpfs.have)(tmpfs.title('disk full'), () => {
  it('ClickHouse out of space for 30 s: 503 with Retry-After, recovery on its own, every acknowledged event stored once, one incident', async () => {
    const dir = path.join(tmp.dir, 'store-full')
    unmounts.push(mountTmpfs(path.join(dir, 'clickhouse'), 512 * 1024 * 1024))
    const wf = await spawnWatchfloor({ DATA_DIR: dir, SINK_RETRIES: '1' })
    const run = load(wf.url, 2, 50, 100)
    await sleep(3000)
    const before = run.tally.acked.length
    expect(before).toBeGreaterThan(0)
    const disk = fillDisk(path.join(dir, 'clickhouse'))
    const outageStart = run.tally.acked.length
    await sleep(30_000)
    const duringOutage = run.ackedSince(outageStart)
    const refusedInOutage = run.tally.refused
    disk.free()
    const recovered = run.tally.acked.length
    await sleep(5000)
    await run.stop()
    const t = run.tally
    console.log(`store out of space 30 s: ${t.sent} events sent, ${t.acked.length} acknowledged (${duringOutage} during the outage), ${t.refused} refused with 503`)
    expect(t.other).toEqual([])
    expect(refusedInOutage).toBeGreaterThan(0)
    expect(t.refusedWithoutRetryAfter).toBe(0)
    // some inserts still find room (the engine frees space as it merges parts): those are stored and checked below
    expect(t.acked.length - recovered).toBeGreaterThan(0)
    expect((await fetch(`${wf.url}/api/health`)).status).toBe(200)
    await stopped(wf.child, 'SIGTERM')
    const s = await storedOnce(dir, t.acked)
    console.log(`  stored: ${s.unique} of ${t.acked.length} acknowledged, ${s.rows} rows, ${s.incidents} incident(s) for the attacker`)
    expect(s.unique).toBe(t.acked.length)
    expect(s.rows).toBe(t.acked.length)
    expect(s.incidents).toBe(1)
  }, 180_000)

  it('disk buffer out of space mid-write: 503, and after SIGKILL and a restart every acknowledged event is stored, those after the fault too', async () => {
    const dir = path.join(tmp.dir, 'buffer-full')
    unmounts.push(mountTmpfs(path.join(dir, 'buffer'), 8 * 1024 * 1024))
    // nothing leaves the buffer before the kill: every acknowledged row must come back from it
    // small segments: the log rolls to a new file on most requests, across the fault too
    const env = { DATA_DIR: dir, BUFFER_ENABLED: 'true', BUFFER_SEGMENT_BYTES: '100kb', BUFFER_LINGER_MS: '60000', BUFFER_FLUSH_ROWS: '10000000', BUFFER_FLUSH_BYTES: '1gb', BUFFER_MAX_BYTES: '1gb' }
    const first = await spawnWatchfloor(env)
    const post = async () => {
      const res = await fetch(`${first.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batch(200) })
      return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as { ids?: string[]; error?: { code: string; message: string } } }
    }
    const acked: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = await post()
      expect(r.status).toBe(202)
      acked.push(...r.json.ids!)
    }
    // a few KB left: the next frame (~60 KB) is written in part, then the disk is full
    const disk = fillDisk(path.join(dir, 'buffer'), 8192)
    for (let i = 0; i < 2; i++) {
      const r = await post()
      expect(r.status).toBe(503)
      expect(r.retryAfter).toBe('1')
      expect(r.json.error).toEqual({ code: 'BUFFER_WRITE_FAILED', message: expect.stringMatching(/ENOSPC/) })
    }
    const buffer = (await (await fetch(`${first.url}/api/health`)).json()).components.buffer
    expect(buffer.last_error).toMatch(/ENOSPC/)
    disk.free()
    for (let i = 0; i < 3; i++) {
      const r = await post()
      expect(r.status).toBe(202)
      acked.push(...r.json.ids!)
    }
    await stopped(first.child, 'SIGKILL')

    const second = await spawnWatchfloor({ ...env, BUFFER_LINGER_MS: '50' })
    for (let i = 0; i < 100; i++) {
      const total = (await (await fetch(`${second.url}/api/stats`)).json()).total_events
      if (total >= acked.length) break
      await sleep(200)
    }
    await stopped(second.child, 'SIGTERM')
    const s = await storedOnce(dir, acked)
    console.log(`disk buffer out of space: ${acked.length} acknowledged (half of them after the fault), ${s.unique} stored after SIGKILL and restart, ${s.rows} rows`)
    expect(s.unique).toBe(acked.length)
    expect(s.rows).toBe(acked.length)
  }, 180_000)
})
