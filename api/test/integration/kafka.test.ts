/**
 * Kafka in and out against a real Apache Kafka broker (KRaft, started from Maven Central jars by
 * scripts/kafka/broker.mjs): consumed records land in ClickHouse, undecodable messages go to the
 * dead-letter topic with the reason in headers, HTTP ingest produces and answers with the ids the
 * consumer stores, a SIGKILL mid-stream loses and duplicates nothing after restart, a broker
 * restart is survived, the store running out of space pauses consumption without committing, and
 * two processes in one group split the partitions.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript module of the project's scripts
import { startBroker, stopBroker } from '../../../scripts/kafka/broker.mjs'
import { REPO_ROOT, post, spawnWatchfloor, tempDir } from '../helpers.js'
import { fillDisk, mountTmpfs, tmpfs } from '../../../test/support/tmpfs.js'

interface Broker {
  broker: string
  port: number
  controllerPort: number
  dir: string
}

const tmp = tempDir('watchfloor-kafka-')
let broker: Broker
let kafka: Kafka
let producer: Producer

beforeAll(async () => {
  broker = (await startBroker({ dir: path.join(tmp.dir, 'broker') })) as Broker
  kafka = new Kafka({ clientId: 'test', brokers: [broker.broker], logLevel: logLevel.NOTHING })
  producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
}, 300_000) // the first run fetches the broker's jars with Maven

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined)
  if (broker) await stopBroker(broker)
  tmp.cleanup()
}, 60_000)

const legacy = (i: number, tag: string) => JSON.stringify({ timestamp: '2026-11-23T10:00:00Z', event_type: 'auth_failure', source_ip: `198.51.100.${i % 200}`, username: `u${i}`, hostname: 'db-1', raw_log: `${tag} ${i}` })

async function createTopic(topic: string, partitions = 4): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  await admin.disconnect()
}

async function produce(topic: string, values: Array<string | Buffer | null>, key = (i: number) => `k${i % 16}`): Promise<void> {
  for (let i = 0; i < values.length; i += 1000) {
    await producer.send({ topic, acks: -1, messages: values.slice(i, i + 1000).map((v, j) => ({ key: key(i + j), value: v })) })
  }
}

async function statsOf(url: string): Promise<any> {
  return (await fetch(`${url}/api/stats`)).json()
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Counts read straight from a stopped process's engine files. */
async function countsIn(dataDir: string): Promise<{ rows: number; final: number; unique: number; dead: number }> {
  const client = createClient({ connection: createChdbConnection({ path: path.join(dataDir, 'clickhouse') }) as never })
  try {
    const q = async (sql: string) => Number((await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    return { rows: await q('SELECT count() AS n FROM events'), final: await q('SELECT count() AS n FROM events FINAL'), unique: await q('SELECT uniqExact(event_id) AS n FROM events'), dead: await q('SELECT count() AS n FROM dead_letters') }
  } finally {
    await client.close()
  }
}

const envFor = (dataDir: string, topic: string, extra: Record<string, string> = {}) => ({
  DATA_DIR: dataDir,
  KAFKA_BROKERS: broker.broker,
  KAFKA_TOPICS: topic,
  KAFKA_GROUP_ID: `g-${topic}`,
  KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq`,
  PIPELINE_WORKERS: '2',
  ...extra,
})

async function stop(child: { child: import('node:child_process').ChildProcess }): Promise<void> {
  const exited = new Promise((r) => child.child.on('exit', r))
  child.child.kill('SIGTERM')
  await exited
}

describe('Kafka source', () => {
  it('consumes every format into ClickHouse and sends undecodable messages to the dead-letter topic', async () => {
    const topic = 'formats'
    await createTopic(topic)
    const values: Array<string | Buffer | null> = Array.from({ length: 1000 }, (_, i) => legacy(i, 'one-per-message'))
    values.push([legacy(1, 'ndjson-a'), legacy(2, 'ndjson-b'), legacy(3, 'ndjson-c')].join('\n')) // NDJSON in one message
    values.push(JSON.stringify([JSON.parse(legacy(4, 'array-a')), JSON.parse(legacy(5, 'array-b'))])) // a JSON array
    values.push('Nov 23 10:00:01 web1 sshd[99]: Failed password for root from 203.0.113.9 port 4242 ssh2') // a text line
    values.push('{"broken": ') // malformed JSON
    values.push(null) // no value
    const latin1 = Buffer.from('Nov 23 10:00:02 web1 sshd[99]: Failed password for j\xfcrgen from 203.0.113.9 port 4243 ssh2', 'latin1')
    values.push(latin1) // not valid UTF-8: stored with its exact bytes
    values.push(legacy(9, 'x'.repeat(100_000))) // over INGEST_MAX_RECORD_BYTES (64 KB here)
    await produce(topic, values)

    const dir = path.join(tmp.dir, 'formats')
    const wf = await spawnWatchfloor(envFor(dir, topic, { INGEST_MAX_RECORD_BYTES: '65536' }))
    await until('1,007 events', async () => (await statsOf(wf.url)).total_events >= 1007)
    const stats = await statsOf(wf.url)
    expect(stats.pipeline.components.kafka.invalid_utf8).toBe(1)
    expect(stats.kafka.partitions.map((p: { lag: number }) => p.lag)).toEqual([0, 0, 0, 0].slice(0, stats.kafka.partitions.length))
    const metrics = await (await fetch(`${wf.url}/metrics`)).text()
    expect(metrics).toMatch(/watchfloor_kafka_consumer_lag\{topic="formats",partition="\d"\} 0/)

    // the dead-letter topic has both bad messages, with the reason in headers
    const dlq: Consumer = kafka.consumer({ groupId: `dlq-reader-${Date.now()}` })
    const seen: Array<{ code: string; reason: string; offset: string }> = []
    await dlq.connect()
    await dlq.subscribe({ topics: [`${topic}-dlq`], fromBeginning: true })
    await dlq.run({ eachMessage: async ({ message }) => void seen.push({ code: String(message.headers?.['watchfloor-error-code']), reason: String(message.headers?.['watchfloor-error-reason']), offset: String(message.headers?.['watchfloor-source-offset']) }) })
    await until('3 dead letters', async () => seen.length >= 3, 30_000)
    await dlq.disconnect()
    expect(seen.map((s) => s.code).sort()).toEqual(['INGEST_MALFORMED_JSON', 'KAFKA_EMPTY_MESSAGE', 'RECORD_TOO_LARGE'])
    expect(seen.find((s) => s.code === 'INGEST_MALFORMED_JSON')!.reason).toMatch(/malformed JSON/)
    await stop(wf)
    const c = await countsIn(dir)
    expect(c.final).toBe(1007)
    expect(c.dead).toBe(2) // the malformed and the oversized records (the empty message never reached the pipeline)
    const client = createClient({ connection: createChdbConnection({ path: path.join(dir, 'clickhouse') }) as never })
    const kept = await (await client.query({ query: "SELECT original FROM events WHERE original_encoding = 'base64'", format: 'JSONEachRow' })).json<{ original: string }>()
    await client.close()
    expect(kept.map((k) => Buffer.from(k.original, 'base64').equals(latin1))).toEqual([true])
  }, 180_000)

  it('takes what watchfloor generate | watchfloor send --kafka produce, and finds the attack as one escalated incident', async () => {
    const topic = 'generated'
    await createTopic(topic)
    const cli = (args: string[], input?: string) => spawnSync(process.execPath, [path.join(REPO_ROOT, 'cli/bin/watchfloor.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', input, timeout: 120_000, maxBuffer: 64 << 20 })
    const gen = cli(['generate', '--events', '1200', '--seed', '5', '--chains', '1', '--start', '2026-11-23T08:00:00Z', '--duration', '4h'])
    expect(gen.status, gen.stderr).toBe(0)
    const sent = cli(['send', '--kafka', broker.broker, '--topic', topic, '--batch', '200', '--json', '-'], gen.stdout)
    expect(sent.status, sent.stdout + sent.stderr).toBe(0)
    expect(JSON.parse(sent.stdout)).toMatchObject({ sent: 1200, accepted: 1200, failed: 0 })

    const dir = path.join(tmp.dir, 'generated')
    const wf = await spawnWatchfloor(envFor(dir, topic))
    await until('1,200 events', async () => (await statsOf(wf.url)).total_events >= 1200)
    await until('the intrusion escalated', async () => {
      const list = (await (await fetch(`${wf.url}/api/incidents?limit=100`)).json()) as { incidents: { severity: string; entities: string[] }[] }
      return list.incidents.some((i) => i.severity === 'CRITICAL' && i.entities.some((e) => e.startsWith('host=')) && i.entities.some((e) => e.startsWith('source_ip=')))
    })
    await stop(wf)
    expect((await countsIn(dir)).final).toBe(1200)
  }, 180_000)

  it('produces HTTP ingest to Kafka and answers with the ids the consumer stores', async () => {
    const topic = 'http-in'
    await createTopic(topic)
    const dir = path.join(tmp.dir, 'http')
    const wf = await spawnWatchfloor(envFor(dir, topic))
    const res = await post(`${wf.url}/api/ingest`, [legacy(1, 'http'), legacy(2, 'http'), 'not json'].join('\n'), 'application/x-ndjson')
    expect(res.status).toBe(400) // the bad line is refused, the good ones are produced
    expect(res.json).toMatchObject({ accepted: 2, rejected: 1, errors: [{ index: 2, line: 3, code: 'INGEST_MALFORMED_JSON' }] })
    const ok = await post(`${wf.url}/api/ingest`, legacy(3, 'http'), 'application/json')
    expect(ok.status).toBe(202)
    const ids = [...res.json.ids, ...ok.json.ids] as string[]
    await until('3 events', async () => (await statsOf(wf.url)).total_events >= 3)
    await stop(wf)
    const client = createClient({ connection: createChdbConnection({ path: path.join(dir, 'clickhouse') }) as never })
    try {
      const rows = await (await client.query({ query: 'SELECT event_id FROM events FINAL WHERE event_id IN {ids:Array(String)}', query_params: { ids }, format: 'JSONEachRow' })).json<{ event_id: string }>()
      expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort())
    } finally {
      await client.close()
    }
  }, 180_000)

  it('stores every event exactly once after SIGKILL mid-stream and a restart', async () => {
    const topic = 'kill9'
    await createTopic(topic)
    const total = 40_000
    await produce(topic, Array.from({ length: total }, (_, i) => legacy(i, 'k9')))
    const dir = path.join(tmp.dir, 'kill9')
    const env = envFor(dir, topic, { PIPELINE_BATCH_RECORDS: '500' })
    const first = await spawnWatchfloor(env)
    await until('a first part stored', async () => (await statsOf(first.url)).total_events >= 5000)
    const exited = new Promise((r) => first.child.on('exit', r))
    first.child.kill('SIGKILL')
    await exited
    const second = await spawnWatchfloor(env)
    await until(`${total} distinct events`, async () => (await statsOf(second.url)).total_events >= total, 120_000)
    // let the consumer finish and commit, then look at the files
    await until('no lag', async () => (await statsOf(second.url)).kafka.partitions.every((p: { lag: number }) => p.lag === 0))
    await stop(second)
    const c = await countsIn(dir)
    expect(c.unique).toBe(total)
    expect(c.final).toBe(total) // re-delivered records carry the same ids: one row each
  }, 300_000)

  it.skipIf(!tmpfs.have)(tmpfs.title('pauses while the store is out of space (no offset committed), then stores every message once and counts each once in profiles'), async () => {
    const topic = 'store-full'
    await createTopic(topic)
    const dir = path.join(tmp.dir, 'store-full')
    const unmount = mountTmpfs(path.join(dir, 'clickhouse'), 512 * 1024 * 1024)
    try {
      // 20 events per source address, in batches of 500 records (tasks of 100: a batch fails part way)
      const perAddress = (n: number, tag: string) => Array.from({ length: n }, (_, i) => legacy(i, tag))
      await produce(topic, perAddress(2000, 'before'))
      const wf = await spawnWatchfloor(envFor(dir, topic, { SINK_RETRIES: '0', PIPELINE_BATCH_RECORDS: '100' }))
      await until('2,000 events', async () => (await statsOf(wf.url)).total_events >= 2000)
      await until('no lag', async () => (await statsOf(wf.url)).kafka.partitions.every((p: { lag: number }) => p.lag === 0))
      const committed = (await statsOf(wf.url)).kafka.partitions.map((p: { committed: string }) => p.committed)
      const disk = fillDisk(path.join(dir, 'clickhouse'))
      await produce(topic, perAddress(2000, 'during'))
      await new Promise((r) => setTimeout(r, 20_000))
      const during = await statsOf(wf.url)
      // consumption is paused and nothing is committed while the store refuses writes
      expect(during.kafka.partitions.some((p: { paused: boolean }) => p.paused)).toBe(true)
      expect(during.kafka.partitions.map((p: { committed: string }) => p.committed)).toEqual(committed)
      disk.free()
      await until('4,000 events', async () => (await statsOf(wf.url)).total_events >= 4000, 120_000)
      await until('no lag', async () => (await statsOf(wf.url)).kafka.partitions.every((p: { lag: number; paused: boolean }) => p.lag === 0 && !p.paused))
      // each address sent 20 events: re-sent batches are not counted again
      const counts = await Promise.all(['198.51.100.0', '198.51.100.77', '198.51.100.199'].map(async (ip) => (await (await fetch(`${wf.url}/api/ip/${ip}/profile`)).json()).events))
      await stop(wf)
      const c = await countsIn(dir)
      console.log(`Kafka, store out of space 20 s: 4000 produced, ${c.unique} stored (${c.final} after merge), profile counts ${counts.join('/')} of 20`)
      expect(counts).toEqual([20, 20, 20])
      expect(c.unique).toBe(4000)
      expect(c.final).toBe(4000)
    } finally {
      unmount()
    }
  }, 300_000)

  it('recovers on its own when the broker restarts', async () => {
    const topic = 'restart'
    await createTopic(topic)
    const dir = path.join(tmp.dir, 'restart')
    const wf = await spawnWatchfloor(envFor(dir, topic))
    await produce(topic, Array.from({ length: 500 }, (_, i) => legacy(i, 'before')))
    await until('500 events', async () => (await statsOf(wf.url)).total_events >= 500)
    await stopBroker(broker, { removeData: false })
    await producer.disconnect()
    broker = (await startBroker({ dir: broker.dir, port: broker.port, controllerPort: broker.controllerPort })) as Broker
    producer = kafka.producer({ allowAutoTopicCreation: true })
    await producer.connect()
    await produce(topic, Array.from({ length: 500 }, (_, i) => legacy(i, 'after')))
    await until('1,000 events after the restart', async () => (await statsOf(wf.url)).total_events >= 1000, 120_000)
    await stop(wf)
    expect((await countsIn(dir)).final).toBe(1000)
  }, 300_000)

  it('shares the partitions between two processes of one group', async () => {
    const topic = 'shared'
    await createTopic(topic, 4)
    const a = await spawnWatchfloor(envFor(path.join(tmp.dir, 'shared-a'), topic))
    const b = await spawnWatchfloor(envFor(path.join(tmp.dir, 'shared-b'), topic))
    const owned = async (url: string) => ((await statsOf(url)).kafka?.partitions ?? []).length
    await until('both processes own partitions', async () => (await owned(a.url)) > 0 && (await owned(b.url)) > 0 && (await owned(a.url)) + (await owned(b.url)) === 4)
    const total = 4000
    await produce(topic, Array.from({ length: total }, (_, i) => legacy(i, 'shared')), (i) => `key-${i}`)
    await until('all events over both processes', async () => (await statsOf(a.url)).total_events + (await statsOf(b.url)).total_events >= total, 120_000)
    const [sa, sb] = [await statsOf(a.url), await statsOf(b.url)]
    const pa = sa.kafka.partitions.map((p: { partition: number }) => p.partition)
    const pb = sb.kafka.partitions.map((p: { partition: number }) => p.partition)
    expect(pa.length).toBeGreaterThan(0)
    expect(pb.length).toBeGreaterThan(0)
    expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3])
    expect(sa.total_events + sb.total_events).toBe(total)

    // keyed by entity (the source address, as Watchfloor's own HTTP-to-Kafka producer keys them):
    // each attacker's failures meet in one process, which alone opens its incident
    const attackers = Array.from({ length: 8 }, (_, i) => `203.0.113.${10 + i}`)
    // (each against its own host and account, so that no other entity joins two attackers' incidents)
    const failures = attackers.flatMap((ip, i) => Array.from({ length: 12 }, (_, j) => JSON.stringify({ timestamp: `2026-11-23T11:00:${String(j * 2).padStart(2, '0')}Z`, event_type: 'ssh_failed_login', source_ip: ip, dest_ip: `10.0.0.${20 + i}`, username: `svc${i}`, hostname: `db-${i}`, raw_log: `Failed password for svc${i} from ${ip} port ${40000 + j} ssh2` })))
    await producer.send({ topic, acks: -1, messages: failures.map((value) => ({ key: JSON.parse(value).source_ip as string, value })) })
    const incidentsFor = async (url: string, ip: string) => ((await (await fetch(`${url}/api/incidents?source_ip=${ip}`)).json()) as { total: number }).total
    await until('an incident for every attacker', async () => {
      for (const ip of attackers) if ((await incidentsFor(a.url, ip)) + (await incidentsFor(b.url, ip)) === 0) return false
      return true
    }, 120_000)
    const owners = await Promise.all(attackers.map(async (ip) => [await incidentsFor(a.url, ip), await incidentsFor(b.url, ip)]))
    for (const [i, [na, nb]] of owners.entries()) expect([na, nb].sort(), attackers[i]).toEqual([0, 1])
    // both processes got some of them (8 keys over 4 partitions split between two processes)
    expect(new Set(owners.map(([na]) => na)).size).toBe(2)
    await Promise.all([stop(a), stop(b)])
  }, 300_000)
})
