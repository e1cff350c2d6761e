/**
 * The Kafka dead-letter topic: messages the consumer could not decode are produced there
 * unchanged (key and value), with the reason and their origin in headers, and acknowledged by all
 * in-sync replicas before the consumer commits past them. They never block the partition.
 */
import type { Producer } from 'kafkajs'
import type { Config } from '../../config/schema.js'
import { kafkaClient } from '../../config/kafka.js'

export interface DeadMessage {
  key: Buffer | null
  value: Buffer | null
  code: string
  reason: string
  topic: string
  partition: number
  offset: string
}

export class KafkaDeadLetterTopic {
  private readonly producer: Producer
  private connected = false

  constructor(private readonly config: Readonly<Config>) {
    this.producer = kafkaClient(config, 'consumer').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true })
  }

  async connect(): Promise<void> {
    await this.producer.connect()
    this.connected = true
  }

  async send(messages: readonly DeadMessage[]): Promise<void> {
    if (messages.length === 0) return
    await this.producer.send({
      topic: this.config.kafka.deadLetterTopic,
      acks: -1,
      messages: messages.map((d) => ({
        key: d.key,
        value: d.value,
        headers: { 'watchfloor-error-code': d.code, 'watchfloor-error-reason': d.reason.slice(0, 1000), 'watchfloor-source-topic': d.topic, 'watchfloor-source-partition': String(d.partition), 'watchfloor-source-offset': d.offset },
      })),
    })
  }

  async close(): Promise<void> {
    if (!this.connected) return
    this.connected = false
    await this.producer.disconnect()
  }
}
