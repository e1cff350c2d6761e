/**
 * What the ingest and Kafka benches share: `watchfloor start` in its own process (so its CPU can
 * be read per thread from /proc, apart from the load generator's), its stats, where its CPU went,
 * and the latency from an event to the incident it opens being visible in the API.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, migrate, openStore } from '@watchfloor/pipeline'
import { fmt } from './util.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

export interface Server {
  url: string
  pid: number
  stop(): Promise<void>
}

/** `watchfloor start` in its own process, configured as `start` is (the environment), plus `env`. */
export async function startServer(dataDir: string, env: Readonly<Record<string, string>>): Promise<Server> {
  // BENCH_SERVER_NODE_FLAGS: extra node flags for the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where the time goes
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...flags, path.join(ROOT, 'cli/bin/watchfloor.js'), 'start'], {
    // the bench sends without tokens (API_AUTH=actions); everything else is the defaults
    env: { ...process.env, API_AUTH: 'actions', ...env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /running at (http:\/\/\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.on('exit', (c) => reject(new Error(`server exited with ${c}: ${out}`)))
  })
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((r) => {
        child.removeAllListeners('exit')
        child.on('exit', () => r())
        child.kill('SIGTERM')
      }),
  }
}

export interface StageFigure {
  thread: 'worker' | 'main'
  seconds: number
  records: number
  us_per_record: number
}

export interface ServerStats {
  total_events: number
  pipeline: { components: Record<string, { received: number; sent: number }>; gauges: Record<string, number>; stages: Record<string, StageFigure> }
}

export async function stats(url: string): Promise<ServerStats> {
  return (await (await fetch(`${url}/api/stats`)).json()) as ServerStats
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICK_MS = 10

/** CPU ms per thread of a process, and of the whole process (which keeps the CPU of threads that exited). */
export interface CpuSample {
  total: number
  threads: Map<number, { name: string; ms: number }>
}

/** Fields 14 and 15 (utime, stime) of a /proc stat line; the name in parentheses may hold spaces. */
function statMs(text: string): number {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * TICK_MS
}

export function cpuSample(pid: number): CpuSample {
  const threads = new Map<number, { name: string; ms: number }>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      threads.set(Number(tid), { name, ms: statMs(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')) })
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return { total: statMs(readFileSync(`/proc/${pid}/stat`, 'utf8')), threads }
}

/**
 * Where the server's CPU went between two samples, in ms: the main thread (tid = pid); the
 * transform workers (the `workers` busiest other Node threads: Node names every thread it starts
 * `node`); Node's other threads (V8's GC and compiler helpers, libuv's pool); and the rest of the
 * process, which is the embedded ClickHouse engine's threads (they carry ClickHouse's names).
 */
export interface CpuSplit {
  total: number
  main: number
  workers: number
  helpers: number
  engine: number
}

export function cpuSplit(pid: number, before: CpuSample, after: CpuSample, workers: number): CpuSplit {
  const delta = (tid: number) => (after.threads.get(tid)?.ms ?? 0) - (before.threads.get(tid)?.ms ?? 0)
  const main = delta(pid)
  const node = [...after.threads].filter(([tid, t]) => tid !== pid && t.name === 'node').map(([tid]) => delta(tid)).sort((a, b) => b - a)
  const w = node.slice(0, workers).reduce((a, b) => a + b, 0)
  const helpers = node.slice(workers).reduce((a, b) => a + b, 0)
  const total = after.total - before.total
  return { total, main, workers: w, helpers, engine: Math.max(0, total - main - w - helpers) }
}

/** µs per event, as printed. */
export const us = (ms: number, events: number) => `${((ms * 1000) / events).toFixed(1)} us`

/** A run's CPU per event, split by thread, as printed. */
export const cpuLine = (c: CpuSplit, events: number) => `${us(c.total, events)} = main thread ${us(c.main, events)} + workers ${us(c.workers, events)} + Node helper threads (GC) ${us(c.helpers, events)} + engine ${us(c.engine, events)}`

/** What every measured server run reports besides its own figures. */
export interface Measured {
  cpu: CpuSplit
  stages: Record<string, StageFigure>
  peakRss: number
}

/** `work` against a started server, with the server's CPU per thread over it, its stage timers after it and its peak RSS. */
export async function measure<T extends object>(server: Server, work: () => Promise<T>): Promise<T & Measured> {
  let peakRss = 0
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(server.pid))), 200)
  try {
    const workers = (await stats(server.url)).pipeline.gauges.worker_threads ?? 2
    const before = cpuSample(server.pid)
    const result = await work()
    const after = cpuSample(server.pid)
    peakRss = Math.max(peakRss, rssOf(server.pid))
    const s = await stats(server.url)
    return { ...result, cpu: cpuSplit(server.pid, before, after, workers), stages: s.pipeline.stages, peakRss }
  } finally {
    clearInterval(sampler)
  }
}

/** The run whose rate is the median of the rounds'. */
export function medianRun<T extends { rate: number }>(runs: readonly T[]): T {
  const m = median(runs.map((r) => r.rate))
  return runs.find((r) => r.rate === m) ?? runs[Math.floor(runs.length / 2)]!
}

/**
 * The per-stage lines: each thread's CPU per event split by the server's own stage timers. The
 * timers read thread time, which is more than CPU when the thread waited for a core (more busy
 * threads than cores): the stages' shares are then scaled to the thread's CPU.
 */
export function stageLines(stages: Record<string, StageFigure>, split: CpuSplit, events: number): string[] {
  const lines: string[] = []
  for (const thread of ['worker', 'main'] as const) {
    const own = Object.entries(stages).filter(([, s]) => s.thread === thread)
    if (own.length === 0) continue
    const sum = own.reduce((n, [, s]) => n + s.us_per_record, 0)
    const cpu = ((thread === 'worker' ? split.workers : split.main) * 1000) / events
    const scale = sum > cpu ? cpu / sum : 1
    const note = scale < 1 ? ` (thread time ${sum.toFixed(1)} us scaled to the CPU: the thread waited for a core)` : ''
    lines.push(`  ${thread === 'worker' ? 'workers' : 'main thread'}: ${cpu.toFixed(1)} us of CPU per event${note}`)
    lines.push('    ' + own.map(([k, s]) => `${k.slice(k.indexOf(':') + 1)} ${(s.us_per_record * scale).toFixed(1)}`).join(', '))
    lines.push(`    untimed (${thread === 'worker' ? 'result transfer, task hand-over, GC outside the stages' : 'HTTP or Kafka, result transfer, GC outside the stages'}): ${Math.max(0, cpu - sum * scale).toFixed(1)} us`)
  }
  return lines
}

/**
 * An event built to open an incident of its own: a Suricata alert (the built-in pack's exploit
 * signature rule fires on it) between two addresses of the benchmarking range 198.18.0.0/15 that
 * nothing else uses, stamped now. `i` picks the addresses.
 */
export function markerEvent(i: number): { record: string; ip: string } {
  const ip = `198.18.${(i >> 8) & 255}.${i & 255}`
  const record = JSON.stringify({
    timestamp: new Date().toISOString(),
    event_type: 'alert',
    src_ip: ip,
    src_port: 40000 + (i % 20000),
    dest_ip: `198.19.${(i >> 8) & 255}.${i & 255}`,
    dest_port: 445,
    proto: 'TCP',
    alert: { action: 'allowed', gid: 1, signature_id: 2024218, rev: 3, signature: 'ET EXPLOIT Possible ETERNALBLUE MS17-010', category: 'Attempted Administrator Privilege Gain', severity: 1 },
  })
  return { record, ip }
}

/**
 * Watches the API's incident list for the markers' incidents: every `everyMs` one request for
 * the incidents active since `since`; the first time a marker's source address shows up is when
 * its incident became visible to an analyst.
 */
export function incidentWatcher(url: string, since: string, everyMs = 50): { seen: Map<string, number>; stop(): Promise<void> } {
  const seen = new Map<string, number>()
  let on = true
  const loop = (async () => {
    while (on) {
      try {
        const res = await fetch(`${url}/api/incidents?limit=500&from=${encodeURIComponent(since)}`)
        const now = performance.now()
        const body = (await res.json()) as { incidents?: Array<{ source_ip?: string; entities?: string[] }> }
        for (const inc of body.incidents ?? []) {
          const ip = inc.source_ip || inc.entities?.find((e) => e.startsWith('source_ip='))?.slice(10)
          if (ip && !seen.has(ip)) seen.set(ip, now)
        }
      } catch {
        // the server is busy; the next poll tries again
      }
      await sleep(everyMs)
    }
  })()
  return {
    seen,
    stop: async () => {
      on = false
      await loop
    },
  }
}

/** p50 / p99 of marker latencies (ms from sent to visible); unseen markers count as the longest wait. */
export function latencyFigures(sent: ReadonlyMap<string, number>, seen: ReadonlyMap<string, number>, waitedUntil: number): { p50: number; p99: number; seen: number; total: number } {
  const lat = [...sent].map(([ip, t]) => (seen.get(ip) ?? waitedUntil) - t).sort((a, b) => a - b)
  const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] ?? NaN
  return { p50: q(0.5), p99: q(0.99), seen: [...sent.keys()].filter((ip) => seen.has(ip)).length, total: sent.size }
}

/**
 * The store's own limit on this machine: the pipeline's output rows (`rows`, one body per
 * request) inserted straight into the `events` table of a fresh engine in this process, and the
 * raw records (`raw`) into a one-column table (JSONAsString), `events` rows in all, batches of
 * `batch`, `concurrency` inserts at a time (at most 2: the engine parses with every core).
 */
export async function storeOnlyLimit(dir: string, rows: readonly Uint8Array[], raw: readonly string[], events: number, batch: number, concurrency: number): Promise<{ rows: number; bytes: number }> {
  const store = await openStore(loadConfig({ env: {}, overrides: { dataDir: dir } }))
  try {
    await migrate(store.client)
    await store.client.command({ query: 'CREATE TABLE raw_ndjson (line String) ENGINE = MergeTree ORDER BY tuple()' })
    const requests = Math.ceil(events / batch)
    const run = async (table: string, payloads: readonly (string | Uint8Array)[], format?: 'JSONAsString') => {
      let i = 0
      const t = performance.now()
      await Promise.all(
        Array.from({ length: Math.min(concurrency, 2) }, async () => {
          while (i < requests) await store.insertJsonRows(table, payloads[i++ % payloads.length]!, {}, format)
        }),
      )
      return (requests * batch) / ((performance.now() - t) / 1000)
    }
    return { rows: await run('events', rows), bytes: await run('raw_ndjson', raw, 'JSONAsString') }
  } finally {
    await store.close()
  }
}
