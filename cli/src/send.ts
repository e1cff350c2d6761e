/**
 * `watchfloor send`: NDJSON records (a file, or `-` for what `watchfloor generate` pipes in) to a
 * running Watchfloor over HTTP (`POST /api/ingest` with a token) or to its Kafka topic.
 *
 *   watchfloor send [--url URL] [--token T] [--kafka BROKERS --topic T]
 *                   [--mode batch|stream|burst] [--batch N] [--rate N] [--duration D]
 *                   [--concurrency N] [--retries N] [--json] FILE|-
 *
 * batch: one request after the other, as fast as they are acknowledged; stream: --rate records a
 * second (for --duration at most, or until the input ends); burst: every batch at once,
 * --concurrency requests in flight. 429 and 503 are retried after the Retry-After the server
 * gives (else with backoff), up to --retries times. A summary (sent, accepted, rejected by
 * reason, failed, latency percentiles) ends the run; the exit code is 1 when anything was not
 * accepted.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { Kafka, logLevel } from 'kafkajs'
import { parseDuration } from './generate/index.js'

interface Options {
  url: string
  token: string | undefined
  kafka: string[] | undefined
  topic: string
  mode: 'batch' | 'stream' | 'burst'
  batch: number
  rate: number
  durationMs: number | undefined
  concurrency: number
  retries: number
  json: boolean
  input: string
}

export interface SendSummary {
  target: string
  mode: string
  sent: number
  accepted: number
  rejected: number
  rejected_by_reason: Record<string, number>
  /** Records of batches that were never acknowledged (network errors, retries exhausted, refusals of the whole body). */
  failed: number
  failed_by_reason: Record<string, number>
  retries: number
  seconds: number
  records_per_second: number
  latency_ms: { p50: number; p95: number; p99: number; max: number }
}

const USAGE = 'usage: watchfloor send [--url URL] [--token T] [--kafka BROKERS --topic T] [--mode batch|stream|burst] [--batch N] [--rate N] [--duration D] [--concurrency N] [--retries N] [--json] FILE|-\n'

function parse(argv: string[]): Options | string {
  const o: Options = { url: process.env.WATCHFLOOR_URL ?? 'http://127.0.0.1:8080', token: process.env.WATCHFLOOR_TOKEN, kafka: undefined, topic: process.env.KAFKA_TOPIC ?? 'watchfloor-events', mode: 'batch', batch: 500, rate: 100, durationMs: undefined, concurrency: 4, retries: 8, json: false, input: '' }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!
    const v = () => argv[++i] ?? ''
    if (k === '--url') o.url = v().replace(/\/+$/, '')
    else if (k === '--token') o.token = v()
    else if (k === '--kafka') o.kafka = v().split(',').filter(Boolean)
    else if (k === '--topic') o.topic = v()
    else if (k === '--mode') {
      const m = v()
      if (m !== 'batch' && m !== 'stream' && m !== 'burst') return '--mode must be batch, stream or burst'
      o.mode = m
    } else if (k === '--batch') o.batch = Number(v())
    else if (k === '--rate') o.rate = Number(v())
    else if (k === '--duration') {
      const d = parseDuration(v())
      if (d === undefined) return '--duration must be like 30s, 5m or 1h'
      o.durationMs = d
    } else if (k === '--concurrency') o.concurrency = Number(v())
    else if (k === '--retries') o.retries = Number(v())
    else if (k === '--json') o.json = true
    else if (k.startsWith('--')) return `unknown option ${k}`
    else o.input = k
  }
  if (o.input === '') return 'give a file of NDJSON records, or - for standard input'
  if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > 100_000) return '--batch must be an integer from 1 to 100000'
  if (!(o.rate > 0)) return '--rate must be above 0 records a second'
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 256) return '--concurrency must be an integer from 1 to 256'
  if (!Number.isInteger(o.retries) || o.retries < 0 || o.retries > 100) return '--retries must be an integer from 0 to 100'
  if (o.kafka === undefined && !/^https?:\/\//.test(o.url)) return '--url must be an http(s) URL'
  return o
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Sends one batch, retrying 429/503; adds its outcome to the summary. */
type SendBatch = (lines: string[]) => Promise<void>

class Tally {
  sent = 0
  accepted = 0
  rejected = 0
  failed = 0
  retries = 0
  readonly rejectedBy: Record<string, number> = {}
  readonly failedBy: Record<string, number> = {}
  readonly latencies: number[] = []
  fail(n: number, reason: string): void {
    this.failed += n
    this.failedBy[reason] = (this.failedBy[reason] ?? 0) + n
  }
}

function httpSender(o: Options, t: Tally): SendBatch {
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' }
  if (o.token !== undefined && o.token !== '') headers.authorization = `Bearer ${o.token}`
  return async (lines) => {
    const body = `${lines.join('\n')}\n`
    t.sent += lines.length
    for (let attempt = 0; ; attempt++) {
      const started = performance.now()
      let res: Response
      try {
        res = await fetch(`${o.url}/api/ingest`, { method: 'POST', headers, body })
      } catch (err) {
        if (attempt < o.retries) {
          t.retries++
          await sleep(Math.min(30_000, 250 * 2 ** attempt))
          continue
        }
        return t.fail(lines.length, `network: ${(err as Error).message}`)
      }
      const text = await res.text()
      t.latencies.push(performance.now() - started)
      if ((res.status === 429 || res.status === 503) && attempt < o.retries) {
        t.retries++
        const after = Number(res.headers.get('retry-after'))
        await sleep(Number.isFinite(after) && after >= 0 ? Math.min(30_000, after * 1000) : Math.min(30_000, 250 * 2 ** attempt))
        continue
      }
      let json: { accepted?: number; rejected?: number; errors?: { code?: string }[]; error?: { code?: string; message?: string } } = {}
      try {
        json = JSON.parse(text)
      } catch {
        // not JSON: counted by status below
      }
      if (res.status === 202 || (res.status === 400 && typeof json.accepted === 'number' && json.error === undefined)) {
        t.accepted += json.accepted ?? 0
        t.rejected += json.rejected ?? 0
        for (const e of json.errors ?? []) t.rejectedBy[e.code ?? 'UNKNOWN'] = (t.rejectedBy[e.code ?? 'UNKNOWN'] ?? 0) + 1
        return
      }
      if (typeof json.accepted === 'number') t.accepted += json.accepted
      return t.fail(lines.length - (json.accepted ?? 0), `HTTP ${res.status}${json.error?.code ? ` ${json.error.code}` : ''}`)
    }
  }
}

async function kafkaSender(o: Options, t: Tally): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  const kafka = new Kafka({ clientId: 'watchfloor-send', brokers: o.kafka ?? [], logLevel: logLevel.NOTHING, retry: { retries: o.retries } })
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  return {
    send: async (lines) => {
      t.sent += lines.length
      const started = performance.now()
      try {
        await producer.send({ topic: o.topic, acks: -1, messages: lines.map((value) => ({ value })) })
        t.latencies.push(performance.now() - started)
        t.accepted += lines.length
      } catch (err) {
        t.fail(lines.length, `kafka: ${(err as Error).message}`)
      }
    },
    close: () => producer.disconnect(),
  }
}

async function countLines(file: string): Promise<number> {
  let n = 0
  for await (const _ of readLines(file)) n++
  return n
}

/** The input's non-empty lines, as they arrive (a file, or standard input that may never end). */
async function* readLines(input: string): AsyncGenerator<string> {
  const rl = createInterface({ input: input === '-' ? process.stdin : createReadStream(input), crlfDelay: Infinity })
  for await (const line of rl) if (line.trim() !== '') yield line
}

async function* fromArray(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines
}

export async function send(o: Options, input: AsyncIterable<string> | readonly string[], progress: (t: Tally) => void = () => undefined): Promise<SendSummary> {
  const t = new Tally()
  const k = o.kafka !== undefined ? await kafkaSender(o, t) : undefined
  const sendBatch = k?.send ?? httpSender(o, t)
  const lines: AsyncIterable<string> = Array.isArray(input) ? fromArray(input) : (input as AsyncIterable<string>)
  const started = Date.now()
  const tick = setInterval(() => progress(t), 500)
  try {
    if (o.mode === 'burst') {
      // every batch at once: the whole input first
      const all: string[] = []
      for await (const l of lines) all.push(l)
      const batches: string[][] = []
      for (let i = 0; i < all.length; i += o.batch) batches.push(all.slice(i, i + o.batch))
      let next = 0
      await Promise.all(
        Array.from({ length: Math.min(o.concurrency, batches.length) }, async () => {
          while (next < batches.length) await sendBatch(batches[next++]!)
        }),
      )
    } else {
      // batch: full batches back to back; stream: what has arrived, at most every 200 ms, never
      // faster than --rate, until the input or --duration ends
      const until = o.durationMs === undefined ? Infinity : started + o.durationMs
      const size = o.mode === 'stream' ? Math.max(1, Math.min(o.batch, Math.ceil(o.rate / 5))) : o.batch
      let buffer: string[] = []
      let lastFlush = Date.now()
      const flush = async () => {
        if (buffer.length === 0) return
        const batch = buffer
        buffer = []
        if (o.mode === 'stream') {
          const wait = ((t.sent + batch.length) / o.rate) * 1000 - (Date.now() - started)
          if (wait > 0) await sleep(wait)
        }
        await sendBatch(batch)
        lastFlush = Date.now()
      }
      // flushes run one after the other; in stream mode a timer also flushes what waits when the
      // input goes quiet (a live feed), so nothing sits in the buffer for long
      let chain = Promise.resolve()
      const queue = () => (chain = chain.then(flush))
      const timer = o.mode === 'stream' ? setInterval(() => void (buffer.length > 0 && Date.now() - lastFlush >= 200 && queue()), 100) : undefined
      try {
        for await (const l of lines) {
          if (Date.now() >= until) break
          buffer.push(l)
          if (buffer.length >= size) await queue()
        }
      } finally {
        clearInterval(timer)
      }
      await queue()
    }
  } finally {
    clearInterval(tick)
    await k?.close()
  }
  progress(t)
  const seconds = (Date.now() - started) / 1000
  const lat = [...t.latencies].sort((a, b) => a - b)
  return {
    target: o.kafka !== undefined ? `kafka ${o.kafka.join(',')} topic ${o.topic}` : `${o.url}/api/ingest`,
    mode: o.mode,
    sent: t.sent,
    accepted: t.accepted,
    rejected: t.rejected,
    rejected_by_reason: t.rejectedBy,
    failed: t.failed,
    failed_by_reason: t.failedBy,
    retries: t.retries,
    seconds: Math.round(seconds * 100) / 100,
    records_per_second: seconds > 0 ? Math.round(t.accepted / seconds) : t.accepted,
    latency_ms: { p50: Math.round(percentile(lat, 50)), p95: Math.round(percentile(lat, 95)), p99: Math.round(percentile(lat, 99)), max: Math.round(lat[lat.length - 1] ?? 0) },
  }
}

export async function runSend(argv: string[]): Promise<number> {
  const o = parse(argv)
  if (typeof o === 'string') {
    process.stderr.write(`watchfloor send: ${o}\n${USAGE}`)
    return 2
  }
  const tty = process.stderr.isTTY === true
  // a file's size is known: a bar; standard input may never end: a counter
  const total = tty && o.input !== '-' ? await countLines(o.input) : undefined
  const bar = (t: Tally) => {
    if (!tty) return
    const done = t.accepted + t.rejected + t.failed
    const width = 30
    const filled = total === undefined ? 0 : total === 0 ? width : Math.round((done / total) * width)
    const head = total === undefined ? `${done} sent` : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`
    process.stderr.write(`\r${head}  accepted ${t.accepted} rejected ${t.rejected} failed ${t.failed} retries ${t.retries}  `)
  }
  const s = await send(o, readLines(o.input), bar)
  if (tty) process.stderr.write('\n')
  if (o.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`)
  else {
    const reasons = (m: Record<string, number>) => Object.entries(m).map(([k, n]) => `${k} ${n}`).join(', ')
    process.stdout.write(
      [
        `sent ${s.sent} records to ${s.target} (${s.mode}) in ${s.seconds} s: ${s.records_per_second} accepted/s`,
        `accepted ${s.accepted}, rejected ${s.rejected}${s.rejected > 0 ? ` (${reasons(s.rejected_by_reason)})` : ''}, failed ${s.failed}${s.failed > 0 ? ` (${reasons(s.failed_by_reason)})` : ''}, retries ${s.retries}`,
        `request latency ms: p50 ${s.latency_ms.p50}, p95 ${s.latency_ms.p95}, p99 ${s.latency_ms.p99}, max ${s.latency_ms.max}`,
        '',
      ].join('\n'),
    )
  }
  return s.accepted === s.sent ? 0 : 1
}
