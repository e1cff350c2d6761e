/**
 * `watchfloor bench kafka [--events 500000] [--rounds 3]`: Kafka to ClickHouse against a real
 * broker started from Maven Central jars (scripts/kafka/broker.mjs), all on this machine.
 *
 * 1. The compact corpus is produced to a 4-partition topic.
 * 2. Each round (figures are medians): `watchfloor start` in its own process (defaults: built-in
 *    detection, correlation, profiles, incidents; embedded engine) consumes the topic with a new
 *    group, timed from its first event to its last stored (end to end); the same with
 *    SINK_TYPE=none (pipeline only); the pipeline's output rows for the same records inserted
 *    straight into `events` (store only). The server's CPU is read per thread from /proc.
 * 3. The raw Kafka limit: a kafkajs consumer group inserting every message value straight into a
 *    one-column table (JSONAsString), committing after each insert.
 * 4. Latency at half the end-to-end rate: the load is produced at that rate for 20 s with an event
 *    that opens an incident of its own 5 times a second; the time from producing it to its
 *    incident listed by `GET /api/incidents` gives p50 / p99.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { createTransform, loadConfig, makeTask, openStore, workerSettings } from '@watchfloor/pipeline'
import { loadCorpus } from './corpus.js'
import { fmt, positiveIntArg } from './util.js'
import { cpuLine, incidentWatcher, latencyFigures, markerEvent, measure, median, medianRun, mib, sleep, stageLines, startServer, stats, storeOnlyLimit, type Measured } from './server.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

interface KafkaRun extends Measured {
  rate: number
  events: number
  seconds: number
}

/** A fresh server consuming `topic` with a new group until `n` events went through (stored, or with SINK_TYPE=none processed). */
async function kafkaRun(dir: string, n: number, env: Readonly<Record<string, string>>): Promise<KafkaRun> {
  const server = await startServer(dir, env)
  try {
    return await measure(server, async () => {
      let first: number | undefined
      let done = 0
      for (;;) {
        done = (await stats(server.url)).pipeline.components.decode?.sent ?? 0
        if (done > 0) first ??= performance.now()
        if (done >= n) break
        await sleep(50)
      }
      const seconds = (performance.now() - first!) / 1000
      return { rate: done / seconds, events: done, seconds }
    })
  } finally {
    await server.stop()
  }
}

async function produce(producer: Producer, topic: string, corpus: readonly string[], from: number, to: number): Promise<void> {
  for (let k = from; k < to; k += 5000) {
    const messages = []
    for (let j = k; j < Math.min(to, k + 5000); j++) messages.push({ key: String(j % 64), value: corpus[j % corpus.length]! })
    await producer.send({ topic, acks: 1, messages })
  }
}

export async function benchKafka(args: string[]): Promise<number> {
  const n = positiveIntArg(args, 'events', 500_000)
  const rounds = positiveIntArg(args, 'rounds', 3)
  if (n === undefined || rounds === undefined) return 2
  const brokerModule = path.join(ROOT, 'scripts/kafka/broker.mjs')
  const { startBroker, stopBroker } = (await import(brokerModule)) as {
    startBroker: (o?: object) => Promise<{ broker: string }>
    stopBroker: (b: unknown) => Promise<void>
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-kafka-'))
  process.stdout.write('starting a Kafka broker (KRaft, Maven Central jars)...\n')
  const broker = await startBroker({ dir: path.join(tmp, 'broker') })
  const kafka = new Kafka({ clientId: 'bench', brokers: [broker.broker], logLevel: logLevel.NOTHING })
  const topic = 'bench-events'
  try {
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }, { topic: 'bench-latency', numPartitions: 4 }], waitForLeaders: true })
    await admin.disconnect()
    const corpus = loadCorpus(path.resolve(ROOT, '../shared'), 'compact')
    const producer = kafka.producer()
    await producer.connect()
    let t0 = performance.now()
    await produce(producer, topic, corpus, 0, n)
    process.stdout.write(`produced ${fmt(n)} compact-corpus records to ${topic} (4 partitions) at ${fmt(n / ((performance.now() - t0) / 1000))} msg/s; ${rounds} rounds\n`)

    // The store-only limit: the pipeline's own rows for the same records (no rules: rows only).
    const batch = 5000
    const bodies: string[] = []
    for (let i = 0; i < 32; i++) bodies.push(Array.from({ length: batch }, (_, j) => corpus[(i * batch + j) % corpus.length]!).join('\n') + '\n')
    const rowConfig = loadConfig({ env: {}, overrides: { dataDir: path.join(tmp, 'rows') } })
    const transform = createTransform({ ...workerSettings(rowConfig), ruleDirs: [], profile: false })
    const rowBodies = bodies.map((b) => {
      const r = transform({ ...makeTask(rowConfig).probe('bench'), text: b })
      if (!r.ok) throw new Error(`bench corpus refused: ${r.code} ${r.reason}`)
      return r.rows
    })

    const kafkaEnv = (group: string, t = topic): Record<string, string> => ({ KAFKA_BROKERS: broker.broker, KAFKA_TOPICS: t, KAFKA_GROUP_ID: group, KAFKA_FROM_BEGINNING: 'true' })
    const e2e: KafkaRun[] = []
    const none: KafkaRun[] = []
    const store: { rows: number; bytes: number }[] = []
    for (let r = 0; r < rounds; r++) {
      e2e.push(await kafkaRun(path.join(tmp, `e2e-${r}`), n, kafkaEnv(`bench-e2e-${r}`)))
      none.push(await kafkaRun(path.join(tmp, `none-${r}`), n, { ...kafkaEnv(`bench-none-${r}`), SINK_TYPE: 'none' }))
      store.push(await storeOnlyLimit(path.join(tmp, `store-${r}`), rowBodies, bodies, n, batch, 2))
      const [a, b, c] = [e2e[r]!, none[r]!, store[r]!]
      process.stdout.write(`  round ${r + 1}: end to end ${fmt(a.rate)} events/s, pipeline only ${fmt(b.rate)} events/s, store only ${fmt(c.rows)} rows/s -> ${((a.rate / c.rows) * 100).toFixed(0)}%\n`)
    }

    // Raw Kafka limit: consume + insert the same values straight into the engine.
    const rawStore = await openStore(loadConfig({ env: {}, overrides: { dataDir: path.join(tmp, 'raw') } }))
    await rawStore.client.command({ query: 'CREATE TABLE raw_kafka (line String) ENGINE = MergeTree ORDER BY tuple()' })
    const raw = kafka.consumer({ groupId: 'bench-raw', maxBytesPerPartition: 4 * 1024 * 1024 })
    await raw.connect()
    await raw.subscribe({ topics: [topic], fromBeginning: true })
    let consumed = 0
    t0 = performance.now()
    await raw.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch: b, resolveOffset }) => {
        if (b.messages.length === 0) return
        const body = b.messages.map((m) => m.value?.toString('utf8') ?? '').join('\n') + '\n'
        await rawStore.insertJsonRows('raw_kafka', body, {}, 'JSONAsString')
        const last = b.messages[b.messages.length - 1]!.offset
        resolveOffset(last)
        await raw.commitOffsets([{ topic: b.topic, partition: b.partition, offset: (BigInt(last) + 1n).toString() }])
        consumed += b.messages.length
      },
    })
    while (consumed < n) await sleep(20)
    const rawRate = n / ((performance.now() - t0) / 1000)
    await raw.disconnect()
    await rawStore.close()

    const e = medianRun(e2e)
    const p = medianRun(none)
    const rowsLimit = median(store.map((x) => x.rows))
    const ratio = median(e2e.map((x, i) => x.rate / store[i]!.rows))

    // Latency at half the end-to-end rate: load and markers produced to their own topic.
    const rate = Math.max(1000, Math.floor(e.rate / 2))
    const seconds = 20
    const latDir = path.join(tmp, 'latency')
    const server = await startServer(latDir, kafkaEnv('bench-latency', 'bench-latency'))
    let lat: ReturnType<typeof latencyFigures>
    try {
      const watcher = incidentWatcher(server.url, new Date(Date.now() - 60_000).toISOString())
      const sent = new Map<string, number>()
      const start = performance.now()
      let produced = 0
      let markers = 0
      while (performance.now() - start < seconds * 1000) {
        const elapsed = (performance.now() - start) / 1000
        const due = Math.floor(elapsed * rate)
        const messages = []
        for (let j = produced; j < due; j++) messages.push({ key: String(j % 64), value: corpus[j % corpus.length]! })
        produced = Math.max(produced, due)
        while (markers < elapsed * 5) {
          const m = markerEvent(markers++)
          sent.set(m.ip, performance.now())
          messages.push({ key: m.ip, value: m.record })
        }
        if (messages.length > 0) await producer.send({ topic: 'bench-latency', acks: 1, messages })
        await sleep(10)
      }
      const until = performance.now() + 10_000
      while (watcher.seen.size < sent.size && performance.now() < until) await sleep(50)
      await watcher.stop()
      lat = latencyFigures(sent, watcher.seen, performance.now())
    } finally {
      await server.stop()
    }
    await producer.disconnect()

    process.stdout.write(
      [
        '',
        `end to end (Kafka -> decode, normalize, detect, profile, correlate, incidents -> ClickHouse), first event to last stored: ${fmt(e.rate)} events/s  (median of ${rounds})`,
        `pipeline only (SINK_TYPE=none: every stage, rows encoded and discarded): ${fmt(p.rate)} events/s`,
        `raw limit, kafkajs consume + JSONAsString insert of the same messages, committed: ${fmt(rawRate)} events/s -> end to end = ${((e.rate / rawRate) * 100).toFixed(0)}%`,
        `raw limit, the pipeline's output rows straight into the events table: ${fmt(rowsLimit)} events/s -> end to end = ${(ratio * 100).toFixed(0)}%  (median of the ${rounds} rounds' ratios)`,
        '',
        `pipeline CPU per event (pipeline-only run, server process from /proc): ${cpuLine(p.cpu, p.events)}`,
        ...stageLines(p.stages, p.cpu, p.events),
        `end to end CPU per event: ${cpuLine(e.cpu, e.events)}`,
        `server peak RSS: ${mib(e.peakRss)} (pipeline only: ${mib(p.peakRss)})`,
        `event -> incident visible in GET /api/incidents, produced at ${fmt(rate)} events/s (half the end-to-end rate) for ${seconds} s: p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms (${lat.seen} of ${lat.total} marker incidents seen)`,
        '',
      ].join('\n'),
    )
  } finally {
    await stopBroker(broker)
    rmSync(tmp, { recursive: true, force: true })
  }
  return 0
}
