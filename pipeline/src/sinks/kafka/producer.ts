/**
 * The Kafka producer HTTP ingest writes to when Kafka is the transport: POST /api/ingest produces
 * the records to the input topic (acks from all in-sync replicas, idempotent producer), keyed by
 * source IP else host so an entity's events stay in one partition, and answers 202 only after the
 * broker acknowledged. The event id each record will get is derived from its partition and offset,
 * as the consumer derives it.
 */
import type { Kafka, Producer } from 'kafkajs'
import type { Config } from '../../config/schema.js'
import { kafkaClient } from '../../config/kafka.js'
import { WatchfloorError } from '../../errors.js'
import { stableId } from '../../transforms/detect/alerts.js'
import type { OutgoingRecord } from '../../transforms/frame/kafka.js'

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
