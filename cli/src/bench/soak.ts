/**
 * `watchfloor bench soak`: the server under steady load for a long time, then overloaded.
 *
 * 1. The maximum: 20 s at full speed (requests retried on 503), stored events/s.
 * 2. The soak: `--minutes` at half that rate (`--rate` to choose), with a marker event that opens
 *    an incident of its own five times a second. Every 5 s the server's RSS; every minute the
 *    events/s stored, RSS and the p50/p99 from a marker sent to its incident listed by the API.
 *    Printed: the RSS slope over the second half (MiB/min, least squares) and the first and last
 *    minutes' p99.
 * 3. The overload: `--overload-seconds` at 3x the maximum, requests not retried: counts of
 *    accepted events, refusals (503/429) and whether each carried Retry-After, anything else.
 * 4. Afterwards: the server still healthy; stopped; its store holds every acknowledged event
 *    (count >= acknowledged) and no event twice.
 *
 * Records are stamped with the current time and the outside addresses move on (a new /24 every
 * 16 requests), so profiles, correlation windows and incidents see a stream a real one could be.
 * Exit status 1 when an invariant fails (a crash, a lost or duplicated event, a refusal without
 * Retry-After, an answer other than 202/429/503); the figures are printed either way.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { incidentWatcher, latencyFigures, markerEvent, mib, rssOf, sleep, startServer, stats } from './server.js'
import { fmt, positiveIntArg } from './util.js'

const BATCH = 1000

/**
 * Bodies of BATCH records with a time and a /24 to fill in per request, in the proportions of a
 * SOC's stream rather than an attack: mostly network flows and web requests, some logons (a few
 * failed), DNS, and two IDS alerts per thousand records.
 */
function templates(): string[] {
  const out: string[] = []
  for (let b = 0; b < 16; b++) {
    const lines: string[] = []
    for (let j = 0; j < BATCH; j++) {
      const i = b * BATCH + j
      const ext = `203.0.__N__.${i % 250}`
      const int = `10.1.${(i >> 8) & 15}.${i % 250}`
      const k = i % 1000
      if (k < 2) lines.push(JSON.stringify({ timestamp: '__TS__', event_type: 'alert', src_ip: ext, src_port: 40000 + k, dest_ip: '10.0.0.8', dest_port: 1433, proto: 'TCP', alert: { action: 'allowed', gid: 1, signature_id: 2010935, rev: 3, signature: 'ET SCAN Suspicious inbound to MSSQL port 1433', category: 'Potentially Bad Traffic', severity: 2 } }))
      else if (k < 600) lines.push(JSON.stringify({ '@timestamp': '__TS__', source: { ip: int, port: 40000 + (i % 20000) }, destination: { ip: `198.51.100.${i % 200}`, port: 443 }, network: { transport: 'tcp', bytes: 1000 + i }, event: { kind: 'event', category: ['network'], type: ['connection'], outcome: 'success' }, ecs: { version: '8.11.0' } }))
      else if (k < 850) lines.push(JSON.stringify({ '@timestamp': '__TS__', message: `GET /products/${i} HTTP/1.1 200`, host: { name: 'web-1' }, source: { ip: ext, port: 40000 + (i % 20000) }, destination: { ip: '10.0.0.10', port: 443 }, http: { request: { method: 'GET' }, response: { status_code: 200 } }, url: { path: `/products/${i}` }, event: { kind: 'event', category: ['web'], action: 'http_request', outcome: 'success' }, user_agent: { original: 'Mozilla/5.0' }, ecs: { version: '8.11.0' } }))
      else if (k < 950) lines.push(JSON.stringify({ timestamp: '__TS__', event_type: k % 10 === 0 ? 'ssh_failed_login' : 'ssh_login', source_ip: int, dest_ip: '10.0.0.5', username: `user${i % 50}`, hostname: 'bastion-1' }))
      else lines.push(JSON.stringify({ timestamp: '__TS__', event_type: 'dns', src_ip: int, src_port: 53000 + k, dest_ip: '10.0.0.53', dest_port: 53, proto: 'UDP', dns: { type: 'query', rrname: `host${i % 300}.example.com`, rrtype: 'A' } }))
    }
    out.push(lines.join('\n') + '\n')
  }
  return out
}

interface Sender {
  requests: number
  body(): string
}

function sender(): Sender {
  const bodies = templates()
  let n = 0
  return {
    get requests() {
      return n
    },
    body() {
      const b = bodies[n % bodies.length]!.replaceAll('__TS__', new Date().toISOString()).replaceAll('__N__', String((n >> 4) % 256))
      n++
      return b
    },
  }
}

interface Answers {
  acked: number
  refused: Record<string, number>
  refusedWithoutRetryAfter: number
  other: Array<{ status: number; body: string }>
}

async function post(url: string, body: string, tally: Answers): Promise<number> {
  try {
    const res = await fetch(`${url}/api/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } })
    const text = await res.text()
    if (res.status === 202) tally.acked += Number(/"accepted":(\d+)/.exec(text)?.[1] ?? 0)
    else if (res.status === 503 || res.status === 429) {
      const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? String(res.status)
      tally.refused[code] = (tally.refused[code] ?? 0) + BATCH
      if (!res.headers.get('retry-after')) tally.refusedWithoutRetryAfter++
    } else if (tally.other.length < 20) tally.other.push({ status: res.status, body: text.slice(0, 200) })
    return res.status
  } catch (err) {
    if (tally.other.length < 20) tally.other.push({ status: 0, body: (err as Error).message })
    return 0
  }
}

/** Least-squares slope of (t seconds, bytes) in MiB per minute. */
function slope(samples: ReadonlyArray<[number, number]>): number {
  const n = samples.length
  if (n < 2) return NaN
  const mx = samples.reduce((s, [t]) => s + t, 0) / n
  const my = samples.reduce((s, [, v]) => s + v, 0) / n
  let num = 0
  let den = 0
  for (const [t, v] of samples) {
    num += (t - mx) * (v - my)
    den += (t - mx) ** 2
  }
  return (num / den) * 60 / 1024 / 1024
}

export async function benchSoak(args: string[]): Promise<number> {
  const minutes = positiveIntArg(args, 'minutes', 10)
  const overloadSeconds = positiveIntArg(args, 'overload-seconds', 60)
  const rateIdx = args.indexOf('--rate')
  const fixedRate = rateIdx >= 0 ? Number(args[rateIdx + 1]) : undefined
  if (minutes === undefined || overloadSeconds === undefined) return 2
  if (fixedRate !== undefined && !(fixedRate > 0)) {
    process.stderr.write('--rate must be a positive number of events a second\n')
    return 2
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'watchfloor-bench-soak-'))
  const server = await startServer(dataDir, {})
  const src = sender()
  const total: Answers = { acked: 0, refused: {}, refusedWithoutRetryAfter: 0, other: [] }
  let failed = false
  const fail = (what: string) => {
    failed = true
    process.stdout.write(`FAILED: ${what}\n`)
  }
  try {
    // 1. the maximum, closed loop: 4 requests in flight, a 503 retried after a pause
    const t0 = performance.now()
    const before = (await stats(server.url)).total_events
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() - t0 < 20_000) {
          const status = await post(server.url, src.body(), total)
          if (status !== 202) await sleep(100)
        }
      }),
    )
    const max = ((await stats(server.url)).total_events - before) / ((performance.now() - t0) / 1000)
    const rate = fixedRate ?? max / 2
    process.stdout.write(`maximum: ${fmt(max)} events/s stored (20 s, 4 requests of ${fmt(BATCH)} in flight)\nsoak: ${minutes} min at ${fmt(rate)} events/s${fixedRate === undefined ? ' (half the maximum)' : ''}, markers 5/s\n`)

    // 2. the soak, open loop at `rate`
    const rss: Array<[number, number]> = []
    const windows: Array<{ minute: number; rate: number; rss: number; p50: number; p99: number; seen: number; total: number }> = []
    const soakStart = performance.now()
    const watcher = incidentWatcher(server.url, new Date(Date.now() - 60_000).toISOString(), 100)
    let sent = 0
    let markers = 0
    const inflight = new Set<Promise<unknown>>()
    for (let m = 0; m < minutes; m++) {
      const sentAt = new Map<string, number>()
      const stored0 = (await stats(server.url)).total_events
      const w0 = performance.now()
      let nextRss = w0
      while (performance.now() - w0 < 60_000) {
        const elapsed = (performance.now() - soakStart) / 1000
        if (sent + BATCH <= elapsed * rate && inflight.size < 16) {
          const p = post(server.url, src.body(), total).finally(() => inflight.delete(p))
          inflight.add(p)
          sent += BATCH
        }
        if (markers < elapsed * 5) {
          const mk = markerEvent(markers++)
          sentAt.set(mk.ip, performance.now())
          void post(server.url, mk.record + '\n', total)
        }
        if (performance.now() >= nextRss) {
          rss.push([(performance.now() - soakStart) / 1000, rssOf(server.pid)])
          nextRss += 5000
        }
        await sleep(5)
      }
      const lat = latencyFigures(sentAt, watcher.seen, performance.now())
      const now = await stats(server.url)
      const g = now.pipeline.gauges
      const w = { minute: m + 1, rate: (now.total_events - stored0) / ((performance.now() - w0) / 1000), rss: rssOf(server.pid), ...lat }
      windows.push(w)
      process.stdout.write(
        `  minute ${w.minute}: ${fmt(w.rate)} events/s stored, RSS ${mib(w.rss)} (main JS heap ${mib(g.process_heap_used_bytes ?? 0)}, profiles ${fmt(g.profiles_in_memory ?? 0)}, open incidents ${fmt(g.incidents_open ?? 0)}, search documents ${fmt(g.search_documents ?? 0)}, correlation events ${fmt(g.correlation_window_events ?? 0)}), event -> incident p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms (${w.seen}/${w.total} seen)\n`,
      )
    }
    await Promise.all(inflight)
    await watcher.stop()
    const half = rss.filter(([t]) => t >= (minutes * 60) / 2)
    process.stdout.write(
      `soak: RSS ${mib(rss[0]?.[1] ?? 0)} at the start, ${mib(rss.at(-1)?.[1] ?? 0)} at the end; slope over the second half ${slope(half).toFixed(2)} MiB/min; p99 first minute ${fmt(windows[0]?.p99 ?? NaN)} ms, last minute ${fmt(windows.at(-1)?.p99 ?? NaN)} ms\n`,
    )

    // 3. the overload: 3x the maximum, open loop, nothing retried
    const over: Answers = { acked: 0, refused: {}, refusedWithoutRetryAfter: 0, other: [] }
    const oStart = performance.now()
    let oSent = 0
    const oInflight = new Set<Promise<unknown>>()
    let peakRss = 0
    while (performance.now() - oStart < overloadSeconds * 1000) {
      const elapsed = (performance.now() - oStart) / 1000
      while (oSent + BATCH <= elapsed * max * 3 && oInflight.size < 512) {
        const p = post(server.url, src.body(), over).finally(() => oInflight.delete(p))
        oInflight.add(p)
        oSent += BATCH
      }
      peakRss = Math.max(peakRss, rssOf(server.pid))
      await sleep(5)
    }
    await Promise.all(oInflight)
    const refused = Object.values(over.refused).reduce((a, b) => a + b, 0)
    process.stdout.write(
      `overload: ${overloadSeconds} s at ${fmt(max * 3)} events/s offered (${fmt(oSent)} events): ${fmt(over.acked)} accepted (${fmt(over.acked / overloadSeconds)}/s), ${fmt(refused)} refused (${Object.entries(over.refused).map(([c, n]) => `${c} ${fmt(n)}`).join(', ') || 'none'}), ${over.refusedWithoutRetryAfter} refusals without Retry-After, ${over.other.length} other answers; peak RSS ${mib(peakRss)}\n`,
    )
    total.acked += over.acked
    total.refusedWithoutRetryAfter += over.refusedWithoutRetryAfter
    total.other.push(...over.other)

    // 4. afterwards
    const health = await fetch(`${server.url}/api/health`).then((r) => r.status).catch(() => 0)
    if (health !== 200) fail(`the server answers /api/health with ${health} after the overload`)
    if (total.refusedWithoutRetryAfter > 0) fail(`${total.refusedWithoutRetryAfter} refusals without Retry-After`)
    if (total.other.length > 0) fail(`answers other than 202/429/503: ${JSON.stringify(total.other.slice(0, 3))}`)
  } finally {
    await server.stop()
  }
  const client = createClient({ connection: createChdbConnection({ path: path.join(dataDir, 'clickhouse') }) as never })
  try {
    const [row] = await (await client.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM events', format: 'JSONEachRow' })).json<{ n: string; u: string }>()
    const rows = Number(row!.n)
    const unique = Number(row!.u)
    process.stdout.write(`stored after stop: ${fmt(unique)} events (${fmt(rows)} rows) for ${fmt(total.acked)} acknowledged (refused requests may be stored in part: their tasks that finished before the refusal)\n`)
    if (unique < total.acked) fail(`${fmt(total.acked - unique)} acknowledged events are not stored`)
    if (rows !== unique) fail(`${fmt(rows - unique)} events stored twice`)
  } finally {
    await client.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  if (!failed) process.stdout.write('soak and overload: every invariant held\n')
  return failed ? 1 : 0
}
