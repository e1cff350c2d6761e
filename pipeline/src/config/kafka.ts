/** The kafkajs client every Kafka component builds from the validated config (brokers, TLS, SASL). */
import { readFileSync } from 'node:fs'
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs'
import type { Config } from './schema.js'

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

