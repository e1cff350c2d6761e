/**
 * `watchfloor bench profiles [--ips 1000000]`: entity profiling at scale. Events from N distinct
 * source addresses (each also naming a destination, port, user and host from small pools) go
 * through the workers' delta collector and the main thread's profile store, with every profile
 * held in memory; then the same with the default in-memory cap and the profiles persisted to the
 * embedded ClickHouse engine (least recently seen written out and dropped). Prints updates/s and
 * the process RSS after each.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { CanonicalEvent } from '@watchfloor/contracts'
import { ClickHouseProfiles, DeltaCollector, ProfileStore, RFC1918_AND_LOCAL, loadConfig, migrate, openStore } from '@watchfloor/pipeline'
import { fmt, positiveIntArg } from './util.js'

const mib = () => Math.round(process.memoryUsage().rss / 1024 / 1024)

function event(i: number): CanonicalEvent {
  const ip = `${10 + ((i >>> 24) & 0xff)}.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`
  return {
    '@timestamp': new Date(Date.UTC(2026, 10, 23) + i).toISOString(),
    event: { id: `e${i}`, category: ['network'], action: i % 3 === 0 ? 'ssh_login' : 'connection', severity: (i % 5) * 20 },
    source: { ip },
    destination: { ip: `192.168.${(i >>> 8) & 0x3}.${i & 0xff}`, port: [22, 80, 443, 3389, 445][i % 5]! },
    user: { name: `user${i % 500}` },
    host: { name: `host${i % 200}` },
    watchfloor: { decoder: 'ecs', decode_status: 'ok', source: 'bench' },
  }
}

async function run(n: number, store: ProfileStore, flushEvery: number): Promise<number> {
  const t0 = performance.now()
  const batch = 2000
  for (let i = 0; i < n; i += batch) {
    const c = new DeltaCollector()
    for (let j = i; j < Math.min(n, i + batch); j++) c.add(event(j))
    for (const d of c.result()) store.applyDelta(d)
    if (flushEvery > 0 && (i / batch) % flushEvery === flushEvery - 1) await store.flush()
  }
  if (flushEvery > 0) await store.flush()
  return n / ((performance.now() - t0) / 1000)
}

async function phase(mode: string, n: number): Promise<void> {
  const halfLifeMs = 6 * 3_600_000
  const base = mib()
  if (mode === 'memory') {
    const store = new ProfileStore({ maxInMemory: n + 10_000, halfLifeMs, internalCidrs: RFC1918_AND_LOCAL })
    const rate = await run(n, store, 0)
    ;(globalThis as { gc?: () => void }).gc?.()
    const heap = Math.round(process.memoryUsage().heapUsed / 1024 / 1024)
    process.stdout.write(`all in memory: ${fmt(store.size)} profiles, ${fmt(rate)} events/s on the main thread, process RSS ${mib()} MiB (${mib() - base} MiB above the start; live heap ${heap} MiB)\n`)
    return
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-profiles-'))
  try {
    const config = loadConfig({ env: {}, overrides: { dataDir: dir } })
    const ch = await openStore(config)
    await migrate(ch.client)
    const store = new ProfileStore({ maxInMemory: config.profile.maxInMemory, halfLifeMs, internalCidrs: RFC1918_AND_LOCAL }, new ClickHouseProfiles(ch))
    await store.init()
    const rate = await run(n, store, 50)
    const rs = await ch.client.query({ query: 'SELECT count() AS n FROM entity_profiles FINAL', format: 'JSONEachRow' })
    const stored = Number((await rs.json<{ n: string }>())[0]?.n ?? 0)
    process.stdout.write(`capped at ${fmt(config.profile.maxInMemory)} in memory, the rest in ClickHouse (embedded engine in the same process): ${fmt(stored)} profiles stored, ${fmt(rate)} events/s including the writes, process RSS ${mib()} MiB\n`)
    await ch.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchProfiles(args: string[]): Promise<number> {
  const n = positiveIntArg(args, 'ips', 1_000_000)
  if (n === undefined) return 2
  const m = args.indexOf('--mode')
  if (m >= 0) {
    await phase(args[m + 1] ?? 'memory', n)
    return 0
  }
  process.stdout.write(`profiles: ${fmt(n)} distinct source IPs (plus 1,024 destinations, 500 users, 200 hosts), deltas per 2,000-event task; each mode in its own process\n`)
  for (const mode of ['memory', 'persist']) {
    const r = spawnSync(process.execPath, ['--expose-gc', process.argv[1]!, 'bench', 'profiles', '--ips', String(n), '--mode', mode], { stdio: 'inherit' })
    if (r.status !== 0) return r.status ?? 1
  }
  return 0
}
