/**
 * The Kafka source, at least once, built on kafkajs: a consumer group on `KAFKA_TOPICS`. Each fetched batch (one partition)
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
 * The producer HTTP ingest writes to is a sink (`sinks/kafka/producer.ts`), as is the dead-letter
 * topic (`sinks/dead-letter/topic.ts`), which this source receives from the builder.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs'
import type { Config } from '../../config/schema.js'
import { kafkaClient } from '../../config/kafka.js'
import { WatchfloorError, dropReason, type ErrorCode } from '../../errors.js'
import type { Telemetry } from '../../telemetry/counters.js'
import { frameMessage } from '../../transforms/frame/kafka.js'
import { linesWithBytes } from '../../transforms/frame/bytes.js'
import type { FramedRecord } from '../../transforms/frame/types.js'
import type { IngestOutcome, Source, SourceOutput } from '../types.js'

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

/** A message the pipeline cannot take, with the reason: for the dead-letter topic. */
export interface DeadMessage {
  key: Buffer | null
  value: Buffer | null
  code: ErrorCode
  reason: string
  topic: string
  partition: number
  offset: string
}

/** Where undecodable messages go (the dead-letter topic sink); acknowledged before the commit. */
export interface DeadMessageWriter {
  connect(): Promise<void>
  send(messages: readonly DeadMessage[]): Promise<void>
  close(): Promise<void>
}

export class KafkaSource implements Source {
  readonly name = 'kafka'
  private readonly consumer: Consumer
  private readonly partitions = new Map<string, PartitionState>()
  private running = false
  private out: SourceOutput | undefined

  constructor(
    private readonly config: Readonly<Config>,
    private readonly telemetry: Telemetry,
    private readonly dlq: DeadMessageWriter,
    /** After a rebalance gave this process partitions it did not own: take over the open state another process stored (the incidents). */
    private readonly onAssigned: (added: Array<{ topic: string; partition: number }>) => void = () => undefined,
  ) {
    const kafka = kafkaClient(config, 'consumer')
    this.consumer = kafka.consumer({ groupId: config.kafka.groupId, sessionTimeout: 30_000, heartbeatInterval: 3000, maxBytesPerPartition: 4 * 1024 * 1024, retry: { retries: 10 } })
    telemetry.labeledGauge('kafka_consumer_lag', 'Messages in the partition after the last processed offset.', () =>
      [...this.partitions.values()].map((p) => ({ labels: { topic: p.topic, partition: String(p.partition) }, value: p.lag })),
    )
    telemetry.gauge('kafka_paused_partitions', 'Partitions paused because the pipeline is saturated.', () => [...this.partitions.values()].filter((p) => p.paused).length)
  }

  status(): { group: string; topics: string[]; partitions: PartitionState[] } {
    return { group: this.config.kafka.groupId, topics: this.config.kafka.topics, partitions: [...this.partitions.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition) }
  }

  async start(out: SourceOutput): Promise<void> {
    this.out = out
    await this.dlq.connect()
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: this.config.kafka.topics, fromBeginning: this.config.kafka.fromBeginning })
    this.running = true
    // After each rebalance: the partitions this process owns now (the others' lag is reported by their new owner).
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const mine = new Set<string>()
      const added: Array<{ topic: string; partition: number }> = []
      for (const [topic, ps] of Object.entries(e.payload.memberAssignment))
        for (const partition of ps) {
          const k = `${topic}/${partition}`
          mine.add(k)
          if (!this.partitions.has(k)) {
            this.partitions.set(k, { topic, partition, committed: '', high_watermark: '', lag: 0, paused: false })
            added.push({ topic, partition })
          }
        }
      for (const k of this.partitions.keys()) if (!mine.has(k)) this.partitions.delete(k)
      if (added.length > 0) this.onAssigned(added)
    })
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 4, eachBatch: (p) => this.batch(p) })
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
    const dead: Array<{ message: number; code: ErrorCode; reason: string }> = []
    batch.messages.forEach((m, i) => {
      if (m.value === null || m.value.length === 0) {
        dead.push({ message: i, code: 'KAFKA_EMPTY_MESSAGE', reason: 'message has no value' })
        return
      }
      // a message that is not valid UTF-8 keeps its exact bytes (frame/bytes.ts; valid UTF-8 is decoded as is)
      const { text, invalid } = linesWithBytes(m.value, 'auto')
      counters.invalidUtf8 += invalid
      const framed = frameMessage(text, topic, partition, m.offset)
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
    let outcome: IngestOutcome | undefined
    const out = this.out
    if (out === undefined) throw new WatchfloorError('PIPELINE_STOPPING', 'the Kafka source is not started')
    while (records.length > 0) {
      if (!isRunning() || isStale()) return // not committed: re-delivered to whoever owns the partition
      try {
        outcome = await out.ingest({ body: '', framing: 'records', records, source: 'kafka', requestId: `kafka:${topic}/${partition}/${first}-${last}`, contentType: 'kafka' })
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
      await this.dlq.send(
        dead.map((d) => {
          const m = batch.messages[d.message]!
          return { key: m.key, value: m.value, code: d.code, reason: d.reason, topic, partition, offset: m.offset }
        }),
      )
      for (const d of dead) counters.drop(dropReason(d.code))
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
    await this.dlq.close()
  }
}

