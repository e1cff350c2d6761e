/**
 * `watchfloor bench ingest`: where the events/s and the CPU of an event go, from one run.
 *
 * Each round (`--rounds`, default 3; the figures are medians) runs, on this machine:
 *   end to end:     HTTP NDJSON into `watchfloor start` (its own process, embedded engine, fresh
 *                   data dir, defaults), timed until the last event is stored;
 *   pipeline only:  the same with SINK_TYPE=none: every stage runs, the rows are encoded and
 *                   discarded, so the figure is the pipeline's own (no store);
 *   store only:     the pipeline's output rows for the same records inserted straight into the
 *                   `events` table of a fresh engine in this process, same batch size and concurrency.
 * The server's CPU is read per thread from /proc (main thread, transform workers, Node's helper
 * threads, the engine's threads) and split per stage by the server's own stage timers
 * (`stages` in /api/stats). Then the latency at half the end-to-end rate: an event that opens an
 * incident of its own is sent a few times a second among the load, and the time until its
 * incident is listed by `GET /api/incidents` is taken (p50, p99).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTransform, loadConfig, makeTask, workerSettings } from '@watchfloor/pipeline'
import { loadCorpus, type CorpusKind } from './corpus.js'
import { fmt } from './util.js'
import { cpuLine, incidentWatcher, latencyFigures, markerEvent, measure, median, medianRun, mib, sleep, stageLines, startServer, stats, storeOnlyLimit, type Measured } from './server.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`)
  const v = i >= 0 ? Number(args[i + 1]) : dflt
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`)
  return v
}

interface ServerRun extends Measured {
  rate: number
  ackRate: number
  events: number
  seconds: number
  refused: number
}

/** Sends `requests` bodies (`concurrency` at a time, 503s retried) to a fresh server; timed until the last event is stored. */
async function serverRun(bodies: readonly string[], requests: number, concurrency: number, env: Readonly<Record<string, string>>): Promise<ServerRun> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'watchfloor-bench-'))
  const server = await startServer(dataDir, env)
  try {
    return await measure(server, async () => {
      let next = 0
      let stored = 0
      let refused = 0
      const t0 = performance.now()
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests) {
            const i = next++
            for (;;) {
              const res = await fetch(`${server.url}/api/ingest`, { method: 'POST', body: bodies[i % bodies.length]!, headers: { 'content-type': 'application/x-ndjson' } })
              const text = await res.text()
              if (res.status === 202) {
                stored += Number(/"accepted":(\d+)/.exec(text)?.[1] ?? 0)
                break
              }
              if (res.status === 503) {
                refused++
                await sleep(50)
                continue
              }
              throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`)
            }
          }
        }),
      )
      const ackSeconds = (performance.now() - t0) / 1000
      // With the disk buffer on, acknowledged means in the buffer; the figure that counts is stored in ClickHouse.
      while (((await stats(server.url)).pipeline.gauges.buffer_unflushed_rows ?? 0) > 0) await sleep(20)
      const seconds = (performance.now() - t0) / 1000
      return { rate: stored / seconds, ackRate: stored / ackSeconds, events: stored, seconds, refused }
    })
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/**
 * p50 / p99 from an event to its incident listed by the API, with the server loaded at `rate`
 * events/s for `seconds`: markers (each opening an incident of its own) go in their own small
 * requests, 5 a second, among the load.
 */
async function latencyRun(bodies: readonly string[], batch: number, rate: number, seconds: number, env: Readonly<Record<string, string>>): Promise<{ p50: number; p99: number; seen: number; total: number; rate: number; storedP50: number; storedP99: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'watchfloor-bench-lat-'))
  const server = await startServer(dataDir, env)
  try {
    const watcher = incidentWatcher(server.url, new Date(Date.now() - 60_000).toISOString())
    const sent = new Map<string, number>()
    const acked = new Map<string, number>()
    const post = (body: string) => fetch(`${server.url}/api/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } }).then((r) => r.text())
    const start = performance.now()
    let sentEvents = 0
    let markers = 0
    const inflight = new Set<Promise<unknown>>()
    while (performance.now() - start < seconds * 1000) {
      const elapsed = (performance.now() - start) / 1000
      if (sentEvents + batch <= elapsed * rate && inflight.size < 8) {
        const p = post(bodies[(sentEvents / batch) % bodies.length]!).finally(() => inflight.delete(p))
        inflight.add(p)
        sentEvents += batch
      }
      if (markers < elapsed * 5) {
        const m = markerEvent(markers++)
        const at = performance.now()
        sent.set(m.ip, at)
        void post(m.record + '\n').then(() => acked.set(m.ip, performance.now()))
      }
      await sleep(5)
    }
    await Promise.all(inflight)
    const until = performance.now() + 10_000
    while (watcher.seen.size < sent.size && performance.now() < until) await sleep(50)
    await watcher.stop()
    const stored = latencyFigures(sent, acked, performance.now())
    return { ...latencyFigures(sent, watcher.seen, performance.now()), rate: sentEvents / seconds, storedP50: stored.p50, storedP99: stored.p99 }
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export async function benchIngest(args: string[], serverEnv: Readonly<Record<string, string>> = {}): Promise<number> {
  const events = arg(args, 'events', 1_000_000)
  const batch = arg(args, 'batch', 5000)
  const concurrency = arg(args, 'concurrency', 4)
  const rounds = arg(args, 'rounds', 3)
  // --pipeline-only: only the SINK_TYPE=none runs (a quick look at the pipeline's own CPU)
  const pipelineOnly = args.includes('--pipeline-only')
  const kindIdx = args.indexOf('--corpus')
  const kind = (kindIdx >= 0 ? args[kindIdx + 1] : 'mixed') as CorpusKind
  if (kind !== 'mixed' && kind !== 'compact') throw new Error('--corpus must be mixed or compact')
  const shared = path.resolve(ROOT, '../shared')
  const corpus = loadCorpus(shared, kind)
  const bodies: string[] = []
  for (let i = 0; i < 32; i++) {
    const lines: string[] = []
    for (let j = 0; j < batch; j++) lines.push(corpus[(i * batch + j) % corpus.length]!)
    bodies.push(lines.join('\n') + '\n')
  }
  const avgBytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length / batch
  const requests = Math.ceil(events / batch)
  process.stdout.write(`corpus ${kind}: ${fmt(corpus.length)} distinct records (avg ${avgBytes.toFixed(0)} B), ${fmt(requests)} requests x ${fmt(batch)} records, ${concurrency} concurrent, ${os.availableParallelism()} cores, ${rounds} rounds\n`)

  // The store-only limit: the pipeline's own rows, built by the worker code in this thread with the server's settings (no rules: rows only).
  const rawDir = mkdtempSync(path.join(os.tmpdir(), 'watchfloor-bench-raw-'))
  const rawConfig = loadConfig({ env: {}, overrides: { dataDir: rawDir } })
  const transform = createTransform({ ...workerSettings(rawConfig), ruleDirs: [], profile: false })
  const tasks = makeTask(rawConfig)
  const rowBodies = bodies.map((b) => {
    const r = transform({ ...tasks.probe('bench'), text: b })
    if (!r.ok) throw new Error(`bench corpus refused: ${r.code} ${r.reason}`)
    return r.rows
  })
  const storeOnly = (round: number) => storeOnlyLimit(path.join(rawDir, String(round)), rowBodies, bodies, requests * batch, batch, concurrency)

  const e2e: ServerRun[] = []
  const none: ServerRun[] = []
  const store: { rows: number; bytes: number }[] = []
  // --latency RATE: only the latency run, at RATE events/s
  const latencyIdx = args.indexOf('--latency')
  const latencyAt = latencyIdx >= 0 ? Number(args[latencyIdx + 1]) : undefined
  if (latencyAt !== undefined && !(latencyAt > 0)) throw new Error('--latency must be a positive number of events a second')
  if (latencyAt !== undefined) {
    const lat = await latencyRun(bodies, batch, latencyAt, 20, serverEnv)
    process.stdout.write(`event -> incident visible in GET /api/incidents at ${fmt(lat.rate)} events/s for 20 s: p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms (${lat.seen} of ${lat.total} seen; stored (202): p50 ${fmt(lat.storedP50)} ms, p99 ${fmt(lat.storedP99)} ms)\n`)
    rmSync(rawDir, { recursive: true, force: true })
    return 0
  }
  if (pipelineOnly) {
    for (let r = 0; r < rounds; r++) none.push(await serverRun(bodies, requests, concurrency, { ...serverEnv, SINK_TYPE: 'none' }))
    const n = medianRun(none)
    const c = n.cpu
    process.stdout.write(
      [
        `pipeline only (SINK_TYPE=none: every stage, rows encoded and discarded): ${fmt(n.rate)} events/s (median of ${rounds}: ${none.map((x) => fmt(x.rate)).join(', ')})`,
        `pipeline CPU per event (server process from /proc): ${cpuLine(c, n.events)}`,
        ...stageLines(n.stages, c, n.events),
        `server peak RSS: ${mib(n.peakRss)}`,
        '',
      ].join('\n'),
    )
    rmSync(rawDir, { recursive: true, force: true })
    return 0
  }
  for (let r = 0; r < rounds; r++) {
    e2e.push(await serverRun(bodies, requests, concurrency, serverEnv))
    none.push(await serverRun(bodies, requests, concurrency, { ...serverEnv, SINK_TYPE: 'none' }))
    store.push(await storeOnly(r))
    const [a, b, c] = [e2e[r]!, none[r]!, store[r]!]
    process.stdout.write(`  round ${r + 1}: end to end ${fmt(a.rate)} events/s, pipeline only ${fmt(b.rate)} events/s, store only ${fmt(c.rows)} rows/s -> ${((a.rate / c.rows) * 100).toFixed(0)}%\n`)
  }
  rmSync(rawDir, { recursive: true, force: true })
  const e = medianRun(e2e)
  const n = medianRun(none)
  const rowsLimit = median(store.map((x) => x.rows))
  const bytesLimit = median(store.map((x) => x.bytes))
  const ratio = median(e2e.map((x, i) => x.rate / store[i]!.rows))

  const lat = await latencyRun(bodies, batch, Math.max(1000, e.rate / 2), 20, serverEnv)

  process.stdout.write(
    [
      '',
      `end to end (HTTP NDJSON -> decode -> normalize -> detect -> profile -> correlate -> incidents -> ClickHouse), until the last event is stored: ${fmt(e.rate)} events/s  (median of ${rounds}; ${fmt(e.events)} events in ${e.seconds.toFixed(1)} s, ${e.refused} retried 503s)`,
      `  answered 202 at: ${fmt(e.ackRate)} events/s`,
      `pipeline only (SINK_TYPE=none: every stage, rows encoded and discarded): ${fmt(n.rate)} events/s`,
      `raw limit, same NDJSON bytes straight into the engine (JSONAsString):             ${fmt(bytesLimit)} events/s  -> end to end = ${((e.rate / bytesLimit) * 100).toFixed(0)}%`,
      `raw limit, the pipeline's output rows straight into the events table: ${fmt(rowsLimit)} events/s -> end to end = ${(ratio * 100).toFixed(0)}%  (median of the ${rounds} rounds' ratios)`,
      '',
      `pipeline CPU per event (pipeline-only run, server process from /proc): ${cpuLine(n.cpu, n.events)}`,
      ...stageLines(n.stages, n.cpu, n.events),
      `end to end CPU per event (same split; the engine's threads are the store): ${cpuLine(e.cpu, e.events)}`,
      `server peak RSS while ingesting: ${mib(e.peakRss)} (pipeline only: ${mib(n.peakRss)})`,
      `event -> incident visible in GET /api/incidents, at ${fmt(lat.rate)} events/s (half the end-to-end rate) for 20 s: p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms (${lat.seen} of ${lat.total} marker incidents seen; its request answered 202, the incident stored: p50 ${fmt(lat.storedP50)} ms, p99 ${fmt(lat.storedP99)} ms)`,
      '',
    ].join('\n'),
  )
  return 0
}
