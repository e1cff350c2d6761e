/**
 * `watchfloor bench kafka [--events 500000]`: Kafka to ClickHouse, against a real broker started
 * from Maven Central jars (scripts/kafka/broker.mjs), all on this machine.
 *
 * 1. The compact corpus is produced to a 4-partition topic.
 * 2. Raw limit: a kafkajs consumer group reads the topic and inserts every message value straight
 *    into a table of a fresh embedded engine (JSONAsString), committing after each insert.
 * 3. Full pipeline: Watchfloor (in this process, embedded engine, defaults: built-in detection,
 *    correlation, profiles, incidents) consumes the same topic with its own group; timed until
 *    the last event is stored.
 * 4. Latency at half the full rate: events are produced at that rate for 20 s while the stored
 *    count is sampled every 20 ms; the i-th event produced counts as stored when the count
 *    reaches i (partitions are consumed in parallel, so this is an estimate), giving p50 / p99.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { loadConfig, migrate, openStore } from '@watchfloor/pipeline'
import { startServer } from '@watchfloor/api'
import { loadCorpus } from './corpus.js'
import { fmt, positiveIntArg } from './util.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function benchKafka(args: string[]): Promise<number> {
  const n = positiveIntArg(args, 'events', 500_000)
  if (n === undefined) return 2
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
    for (let k = 0; k < n; k += 5000) {
      const messages = []
      for (let j = k; j < Math.min(n, k + 5000); j++) messages.push({ key: String(j % 64), value: corpus[j % corpus.length]! })
      await producer.send({ topic, acks: 1, messages })
    }
    process.stdout.write(`produced ${fmt(n)} compact-corpus records to ${topic} (4 partitions) at ${fmt(n / ((performance.now() - t0) / 1000))} msg/s\n`)

    // Raw limit: consume + insert the same values straight into the engine.
    const rawDir = path.join(tmp, 'raw')
    const rawStore = await openStore(loadConfig({ env: {}, overrides: { dataDir: rawDir } }))
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
      eachBatch: async ({ batch, resolveOffset }) => {
        if (batch.messages.length === 0) return
        const body = batch.messages.map((m) => m.value?.toString('utf8') ?? '').join('\n') + '\n'
        await rawStore.insertJsonRows('raw_kafka', body, {}, 'JSONAsString')
        const last = batch.messages[batch.messages.length - 1]!.offset
        resolveOffset(last)
        await raw.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }])
        consumed += batch.messages.length
      },
    })
    while (consumed < n) await sleep(20)
    const rawRate = n / ((performance.now() - t0) / 1000)
    await raw.disconnect()
    await rawStore.close()
    process.stdout.write(`raw limit (kafkajs consume + JSONAsString insert of the same messages, committed): ${fmt(rawRate)} events/s\n`)

    // Full pipeline, in this process so the stored count can be sampled straight from the engine.
    const config = loadConfig({ overrides: { dataDir: path.join(tmp, 'wf'), port: 0, logLevel: 'silent', kafka: { brokers: [broker.broker], topics: [topic, 'bench-latency'], groupId: 'bench-watchfloor' } } })
    const running = await startServer(config)
    const count = async () => Number((await (await running.pipeline.store.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    t0 = performance.now()
    while ((await count()) < n) await sleep(100)
    const full = n / ((performance.now() - t0) / 1000)
    process.stdout.write(`full pipeline (Kafka -> decode, normalize, detect, profile, correlate -> ClickHouse): ${fmt(full)} events/s  -> ${((full / rawRate) * 100).toFixed(0)}% of the raw limit\n`)

    // Latency at half the full rate.
    const rate = Math.max(100, Math.floor(full / 2))
    const seconds = 20
    const base = await count()
    const producedAt: number[] = []
    const storedAt: number[] = []
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const c = (await count()) - base
        const now = performance.now()
        while (storedAt.length < c) storedAt.push(now)
        await sleep(20)
      }
    })()
    const start = performance.now()
    const total = rate * seconds
    for (let sent = 0; sent < total; ) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate))
      if (due > sent) {
        const messages = []
        for (let j = sent; j < due; j++) messages.push({ key: String(j % 64), value: corpus[j % corpus.length]! })
        const at = performance.now()
        await producer.send({ topic: 'bench-latency', acks: 1, messages })
        for (let j = sent; j < due; j++) producedAt.push(at)
        sent = due
      }
      await sleep(10)
    }
    const deadline = performance.now() + 60_000
    while (storedAt.length < total && performance.now() < deadline) await sleep(50)
    sampling = false
    await sampler
    const lat = producedAt.slice(0, storedAt.length).map((p, k) => storedAt[k]! - p).sort((a, b) => a - b)
    const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] ?? NaN
    process.stdout.write(`latency at ${fmt(rate)} events/s (half the full rate) for ${seconds} s: p50 ${fmt(q(0.5))} ms, p99 ${fmt(q(0.99))} ms (produced to stored, ${fmt(lat.length)} of ${fmt(total)} events seen)\n`)
    await producer.disconnect()
    await running.stop()
  } finally {
    await stopBroker(broker)
    rmSync(tmp, { recursive: true, force: true })
  }
  return 0
}
