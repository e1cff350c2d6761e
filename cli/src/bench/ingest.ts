/**
 * `watchfloor bench ingest`: end-to-end events/s (HTTP NDJSON -> workers: decode, normalize
 * -> disk buffer -> ClickHouse, timed until the last event is stored in ClickHouse) against the raw limit of the
 * engine on this machine, and the server's RSS while ingesting.
 *
 * The server runs as its own process (`watchfloor start`, embedded engine, fresh data dir);
 * this process only sends prebuilt bodies, so the client costs little CPU. Raw limits, measured
 * afterwards in this process on a fresh engine with the same batch size and concurrency:
 *   raw-bytes:  the same NDJSON bytes inserted straight into a table (JSONAsString)
 *   raw-rows:   the pipeline's own output rows for the same records inserted into `events`
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTransform, loadConfig, makeTask, migrate, openStore, workerSettings, type RowFormat } from '@watchfloor/pipeline'
import { loadCorpus, type CorpusKind } from './corpus.js'
import { fmt } from './util.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`)
  const v = i >= 0 ? Number(args[i + 1]) : dflt
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`)
  return v
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`

/** `watchfloor start` in its own process, configured as `start` is (the environment), plus `env`. */
async function startServer(dataDir: string, env: Readonly<Record<string, string>>): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
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

export async function benchIngest(args: string[], serverEnv: Readonly<Record<string, string>> = {}): Promise<number> {
  const events = arg(args, 'events', 1_000_000)
  const batch = arg(args, 'batch', 5000)
  const concurrency = arg(args, 'concurrency', 4)
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
  process.stdout.write(`corpus ${kind}: ${fmt(corpus.length)} distinct records (avg ${avgBytes.toFixed(0)} B), ${fmt(requests)} requests x ${fmt(batch)} records, ${concurrency} concurrent, ${os.availableParallelism()} cores\n`)

  // 1. End to end through a real server process.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'watchfloor-bench-'))
  const server = await startServer(dataDir, serverEnv)
  let peakRss = 0
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(server.pid))), 200)
  let next = 0
  let stored = 0
  let refused = 0
  const t0 = performance.now()
  let lastReport = t0
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
            await new Promise((r) => setTimeout(r, 50))
            continue
          }
          throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`)
        }
        const now = performance.now()
        if (now - lastReport > 5000 && process.stdout.isTTY) {
          lastReport = now
          process.stdout.write(`  ${fmt(stored)} stored, ${fmt(stored / ((now - t0) / 1000))} events/s, RSS ${mib(rssOf(server.pid))}\n`)
        }
      }
    }),
  )
  const ackSeconds = (performance.now() - t0) / 1000
  // Acknowledged means in the disk buffer; the figure that counts is stored in ClickHouse.
  for (;;) {
    const stats = (await (await fetch(`${server.url}/api/stats`)).json()) as { pipeline: { gauges: Record<string, number> } }
    if ((stats.pipeline.gauges.buffer_unflushed_rows ?? 0) === 0) break
    await new Promise((r) => setTimeout(r, 20))
  }
  const seconds = (performance.now() - t0) / 1000
  clearInterval(sampler)
  peakRss = Math.max(peakRss, rssOf(server.pid))
  await server.stop()
  rmSync(dataDir, { recursive: true, force: true })
  const e2e = stored / seconds

  // 2. Raw limits on a fresh engine in this process, same batch size and concurrency.
  const rawDir = mkdtempSync(path.join(os.tmpdir(), 'watchfloor-bench-raw-'))
  const rawConfig = loadConfig({ env: {}, overrides: { dataDir: rawDir } })
  const store = await openStore(rawConfig)
  const client = store.client
  await migrate(client)
  await client.command({ query: 'CREATE TABLE raw_ndjson (line String) ENGINE = MergeTree ORDER BY tuple()' })
  // the pipeline's own rows, built by the worker code in this thread with the server's settings (no rules: rows only)
  const transform = createTransform({ ...workerSettings(rawConfig), ruleDirs: [], profile: false })
  const tasks = makeTask(rawConfig)
  const rowBodies = bodies.map((b) => {
    const r = transform({ ...tasks.probe('bench'), text: b })
    if (!r.ok) throw new Error(`bench corpus refused: ${r.code} ${r.reason}`)
    return r.rows
  })
  const rawRun = async (table: string, payloads: (string | Uint8Array)[], format?: RowFormat) => {
    let i = 0
    const t = performance.now()
    await Promise.all(
      Array.from({ length: Math.min(concurrency, 2) }, async () => {
        while (i < requests) {
          const body = payloads[i++ % payloads.length]!
          await store.insertJsonRows(table, body, {}, format)
        }
      }),
    )
    return (requests * batch) / ((performance.now() - t) / 1000)
  }
  const rawBytes = await rawRun('raw_ndjson', bodies, 'JSONAsString')
  const rawRows = await rawRun('events', rowBodies)
  await store.close()
  rmSync(rawDir, { recursive: true, force: true })

  process.stdout.write(
    [
      '',
      `end to end (HTTP NDJSON -> decode -> normalize -> ClickHouse), until the last event is stored: ${fmt(e2e)} events/s  (${fmt(stored)} events in ${seconds.toFixed(1)} s, ${refused} retried 503s)`,
      `  answered 202 (durable; with the disk buffer on, before reaching ClickHouse) at: ${fmt(stored / ackSeconds)} events/s`,
      `raw limit, same NDJSON bytes straight into the engine (JSONAsString):             ${fmt(rawBytes)} events/s  -> end to end = ${((e2e / rawBytes) * 100).toFixed(0)}%`,
      `raw limit, the pipeline's output rows straight into the events table:              ${fmt(rawRows)} events/s  -> end to end = ${((e2e / rawRows) * 100).toFixed(0)}%`,
      `server peak RSS while ingesting: ${mib(peakRss)}`,
      '',
    ].join('\n'),
  )
  return 0
}
