/**
 * Kafka in and out, at least once, built on kafkajs.
 *
 * Consumer (`KafkaSource`): a consumer group on `KAFKA_TOPICS`. Each fetched batch (one partition)
 * is framed into records, one per line of a message (one JSON per message as Logstash and Vector
 * write them, NDJSON or a JSON array inside one message, or text lines), each with an id derived
 * from topic/partition/offset/line, so a re-delivered message yields the same event ids and the
 * stores keep it once (`events` and `alerts` are ReplacingMergeTree on those ids). The batch goes
 * through the same pipeline as HTTP ingest; records that cannot be decoded are produced to the
 * dead-letter topic with the reason in headers (and kept in `dead_letters`). Only after every sink
 * and the dead-letter topic acknowledged are the offsets committed. When the pipeline is saturated
 * the partition is paused and the batch retried until it fits; it resumes after. Consumer lag per
 * partition is kept for /api/stats and /metrics.
 *
 * Producer (`KafkaProducer`): POST /api/ingest with Kafka configured produces the records to the
 * input topic (acks from all in-sync replicas, idempotent producer), keyed by source IP else host,
 * and answers 202 only after the broker acknowledged.
 */
import { readFileSync } from 'node:fs'
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs'
import type { Config } from '../../config/schema.js'
import { WatchfloorError } from '../../errors.js'
import type { Telemetry } from '../../telemetry/counters.js'
import type { Pipeline } from '../../topology/pipeline.js'
import { stableId } from '../../transforms/detect/alerts.js'
import type { FramedRecord } from '../../workers/task.js'

export function kafkaClient(config: Readonly<Config>, role: string): Kafka {
  const k = config.kafka
  const cfg: KafkaConfig = {
    clientId: `${k.clientId}-${role}`,
    brokers: k.brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
    connectionTimeout: 5000,
  }
  if (k.ssl) cfg.ssl = k.sslCaFile ? { ca: [readFileSync(k.sslCaFile, 'utf8')] } : true
  if (k.saslMechanism !== '') cfg.sasl = { mechanism: k.saslMechanism, username: k.saslUsername, password: k.saslPassword } as SASLOptions
  return new Kafka(cfg)
}

export interface PartitionState {
  topic: string
  partition: number
  /** Next offset to read (committed). */
  committed: string
  high_watermark: string
  lag: number
  paused: boolean
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** How a CSV row travels through Kafka: `{"__watchfloor_csv":{"column":"cell",...}}`. */
export const CSV_KEY = '__watchfloor_csv'
const CSV_PREFIX = `{"${CSV_KEY}":`

/** Records of one message: a line each; JSON when it starts like JSON, else a text line. */
export function frameMessage(value: string, topic: string, partition: number, offset: string): FramedRecord[] {
  const out: FramedRecord[] = []
  let line = 0
  for (const raw of value.split('\n')) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (text.trim() === '') continue
    const id = stableId(`kafka/${topic}/${partition}/${offset}/${line++}`)
    const c = text.trimStart()[0]
    if (text.startsWith(CSV_PREFIX)) {
      // a CSV row produced by Watchfloor's HTTP ingest: its cells under the header's names
      try {
        const cells = (JSON.parse(text) as { [CSV_KEY]: Record<string, string> })[CSV_KEY]
        if (typeof cells === 'object' && cells !== null) {
          out.push({ kind: 'csv', raw: text, cells, id })
          continue
        }
      } catch {
        // not ours after all: decoded as JSON below
      }
    }
    out.push({ kind: c === '{' || c === '[' ? 'json' : 'text', raw: text, id })
  }
  return out
}

export class KafkaSource {
  private readonly consumer: Consumer
  private readonly dlq: Producer
  private readonly partitions = new Map<string, PartitionState>()
  private running = false

  constructor(
    private readonly config: Readonly<Config>,
    private readonly pipeline: Pipeline,
    private readonly telemetry: Telemetry,
  ) {
    const kafka = kafkaClient(config, 'consumer')
    this.consumer = kafka.consumer({ groupId: config.kafka.groupId, sessionTimeout: 30_000, heartbeatInterval: 3000, maxBytesPerPartition: 4 * 1024 * 1024, retry: { retries: 10 } })
    this.dlq = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true })
    telemetry.labeledGauge('kafka_consumer_lag', 'Messages in the partition after the last processed offset.', () =>
      [...this.partitions.values()].map((p) => ({ labels: { topic: p.topic, partition: String(p.partition) }, value: p.lag })),
    )
    telemetry.gauge('kafka_paused_partitions', 'Partitions paused because the pipeline is saturated.', () => [...this.partitions.values()].filter((p) => p.paused).length)
  }

  status(): { group: string; topics: string[]; partitions: PartitionState[] } {
    return { group: this.config.kafka.groupId, topics: this.config.kafka.topics, partitions: [...this.partitions.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition) }
  }

  async start(): Promise<void> {
    await this.dlq.connect()
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: this.config.kafka.topics, fromBeginning: this.config.kafka.fromBeginning })
    this.running = true
    // After each rebalance: the partitions this process owns now (the others' lag is reported by their new owner).
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const mine = new Set<string>()
      for (const [topic, ps] of Object.entries(e.payload.memberAssignment))
        for (const partition of ps) {
          const k = `${topic}/${partition}`
          mine.add(k)
          if (!this.partitions.has(k)) this.partitions.set(k, { topic, partition, committed: '', high_watermark: '', lag: 0, paused: false })
        }
      for (const k of this.partitions.keys()) if (!mine.has(k)) this.partitions.delete(k)
    })
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 2, eachBatch: (p) => this.batch(p) })
  }

  private async batch(p: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset } = p
    const { topic, partition } = batch
    const counters = this.telemetry.component('kafka', 'source')
    const key = `${topic}/${partition}`
    const state = this.partitions.get(key) ?? { topic, partition, committed: batch.firstOffset() ?? '0', high_watermark: batch.highWatermark, lag: 0, paused: false }
    this.partitions.set(key, state)
    if (batch.messages.length === 0) return
    const records: FramedRecord[] = []
    /** Record index -> message index. */
    const messageOf: number[] = []
    const dead: Array<{ message: number; code: string; reason: string }> = []
    batch.messages.forEach((m, i) => {
      if (m.value === null || m.value.length === 0) {
        dead.push({ message: i, code: 'KAFKA_EMPTY_MESSAGE', reason: 'message has no value' })
        return
      }
      const framed = frameMessage(m.value.toString('utf8'), topic, partition, m.offset)
      if (framed.length === 0) dead.push({ message: i, code: 'KAFKA_EMPTY_MESSAGE', reason: 'message holds only whitespace' })
      for (const r of framed) {
        records.push(r)
        messageOf.push(i)
      }
    })
    counters.received += batch.messages.length
    const first = batch.messages[0]!.offset
    const last = batch.messages[batch.messages.length - 1]!.offset
    let backoff = 50
    let outcome: Awaited<ReturnType<Pipeline['ingest']>> | undefined
    while (records.length > 0) {
      if (!isRunning() || isStale()) return // not committed: re-delivered to whoever owns the partition
      try {
        outcome = await this.pipeline.ingest({ body: '', framing: 'records', records, source: 'kafka', requestId: `kafka:${topic}/${partition}/${first}-${last}`, contentType: 'kafka' })
        break
      } catch (err) {
        if (!(err instanceof WatchfloorError) || !err.canRetry || err.code === 'PIPELINE_STOPPING') throw err
        if (!state.paused) {
          this.consumer.pause([{ topic, partitions: [partition] }])
          state.paused = true
        }
        await sleep(backoff)
        backoff = Math.min(2000, backoff * 2)
        await heartbeat()
      }
    }
    if (state.paused) {
      this.consumer.resume([{ topic, partitions: [partition] }])
      state.paused = false
    }
    for (const e of outcome?.errors ?? []) dead.push({ message: messageOf[e.index] ?? 0, code: e.code, reason: e.reason })
    if (dead.length > 0) {
      await this.dlq.send({
        topic: this.config.kafka.deadLetterTopic,
        acks: -1,
        messages: dead.map((d) => {
          const m = batch.messages[d.message]!
          return {
            key: m.key,
            value: m.value,
            headers: { 'watchfloor-error-code': d.code, 'watchfloor-error-reason': d.reason.slice(0, 1000), 'watchfloor-source-topic': topic, 'watchfloor-source-partition': String(partition), 'watchfloor-source-offset': m.offset },
          }
        }),
      })
      counters.drop('dead_letter', dead.length)
    }
    counters.sent += outcome?.accepted ?? 0
    resolveOffset(last)
    const next = (BigInt(last) + 1n).toString()
    await this.consumer.commitOffsets([{ topic, partition, offset: next }])
    state.committed = next
    state.high_watermark = batch.highWatermark
    state.lag = Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next)))
    await heartbeat()
  }

  /** Stop consuming: the batch in progress finishes and is committed; then leave the group. */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    await this.consumer.disconnect()
    await this.dlq.disconnect()
  }
}

/** Keys of records: the source IP, else the host, so an entity's events stay in one partition. */
export function recordKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const r = value as Record<string, unknown>
  const pick = (...vs: unknown[]) => {
    for (const v of vs) if (typeof v === 'string' && v !== '') return v
    return undefined
  }
  const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)
  return pick(
    r.source_ip, r.src_ip, r.srcip, r['id.orig_h'], obj(r.id)?.orig_h, obj(r.source)?.ip, r.sourceIPAddress, r.IpAddress,
    obj(r.data)?.srcip,
    r.hostname, obj(r.host)?.name, typeof r.host === 'string' ? r.host : undefined, r.Hostname, r.Computer, obj(r.agent)?.name,
  )
}

/** A record HTTP ingest hands to Kafka: its text (one message) and its key. */
export interface OutgoingRecord {
  raw: string
  key: string | undefined
}

/** FNV-1a of the key: the same key always goes to the same partition. */
function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return (h >>> 0) % partitions
}

export class KafkaProducer {
  private readonly kafka: Kafka
  private readonly producer: Producer
  private connected: Promise<void> | undefined
  private partitions: Promise<number> | undefined
  private rr = 0

  constructor(private readonly config: Readonly<Config>) {
    this.kafka = kafkaClient(config, 'producer')
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: true })
  }

  get topic(): string {
    return this.config.kafka.inputTopic || this.config.kafka.topics[0] || 'watchfloor-events'
  }

  async connect(): Promise<void> {
    this.connected ??= this.producer.connect()
    await this.connected
  }

  /** Partitions of the input topic (created with the broker's defaults when missing). */
  private partitionCount(): Promise<number> {
    this.partitions ??= (async () => {
      const admin = this.kafka.admin()
      await admin.connect()
      try {
        const topics = await admin.listTopics()
        if (!topics.includes(this.topic)) await admin.createTopics({ topics: [{ topic: this.topic }], waitForLeaders: true })
        const md = await admin.fetchTopicMetadata({ topics: [this.topic] })
        return md.topics[0]?.partitions.length ?? 1
      } finally {
        await admin.disconnect()
      }
    })().catch((err: unknown) => {
      this.partitions = undefined
      throw err
    })
    return this.partitions
  }

  /**
   * Produce records (one message each) and resolve once all in-sync replicas have them. Returns
   * the event id each record will have when consumed (derived from its partition and offset).
   */
  async send(records: readonly OutgoingRecord[]): Promise<string[]> {
    try {
      await this.connect()
      const n = await this.partitionCount()
      const byPartition = new Map<number, number[]>()
      records.forEach((r, i) => {
        const p = r.key !== undefined ? partitionOf(r.key, n) : this.rr++ % n
        const list = byPartition.get(p) ?? []
        list.push(i)
        byPartition.set(p, list)
      })
      const ids: string[] = new Array<string>(records.length)
      await Promise.all(
        [...byPartition].map(async ([partition, idx]) => {
          const [meta] = await this.producer.send({ topic: this.topic, acks: -1, messages: idx.map((i) => ({ partition, key: records[i]!.key ?? null, value: records[i]!.raw })) })
          const base = BigInt(meta?.baseOffset ?? '0')
          idx.forEach((i, k) => (ids[i] = stableId(`kafka/${this.topic}/${partition}/${base + BigInt(k)}/0`)))
        }),
      )
      return ids
    } catch (err) {
      throw new WatchfloorError('KAFKA_UNAVAILABLE', (err as Error).message, { cause: err })
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect()
  }
}
