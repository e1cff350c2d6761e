#!/usr/bin/env node
/**
 * A real Apache Kafka broker for tests and benchmarks, no Docker: the jars come from Maven Central
 * (org.apache.kafka:kafka_2.13 and a logging binding, fetched once with Maven into
 * .tmp/kafka/lib), storage is formatted in a temporary directory, one process runs as broker and
 * KRaft controller on 127.0.0.1.
 *
 *   node scripts/kafka/broker.mjs fetch                 download the jars (cached)
 *   node scripts/kafka/broker.mjs start [--port 19092]  start, wait until it answers, print its address
 *   node scripts/kafka/broker.mjs stop [--port 19092]   stop it
 *
 * Tests import `startBroker` / `stopBroker` from this file.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, optionOf, runIfMain, stopChild, terminateFromPidFile } from '../lib/process.mjs'

export const KAFKA_VERSION = '4.1.0'
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const HOME = path.join(ROOT, '.tmp', 'kafka')
const LIB = path.join(HOME, 'lib')

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.watchfloor</groupId>
  <artifactId>kafka-broker-for-tests</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`

/** Download the broker's jars with Maven (once; later calls reuse .tmp/kafka/lib). */
export function fetchBroker() {
  const marker = path.join(LIB, `.complete-${KAFKA_VERSION}`)
  if (existsSync(marker)) return LIB
  mkdirSync(HOME, { recursive: true })
  writeFileSync(path.join(HOME, 'pom.xml'), POM)
  rmSync(LIB, { recursive: true, force: true })
  execFileSync('mvn', ['-q', '-B', '-f', path.join(HOME, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`, '-DincludeScope=runtime'], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (!readdirSync(LIB).some((f) => f.startsWith('kafka_2.13-'))) throw new Error('Maven did not fetch kafka_2.13')
  writeFileSync(marker, '')
  return LIB
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}


/**
 * Start a broker+controller. Resolves once the broker accepts connections and has registered
 * (its log says so). `dir` keeps its data (pass the same one to restart with the same topics).
 */
export async function startBroker(opts = {}) {
  fetchBroker()
  const port = opts.port ?? (await freePort())
  const controllerPort = opts.controllerPort ?? (await freePort())
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'wf-kafka-'))
  mkdirSync(dir, { recursive: true })
  const data = path.join(dir, 'data')
  const props = path.join(dir, 'server.properties')
  const fresh = !existsSync(path.join(data, 'meta.properties'))
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${data}`,
      `num.partitions=${opts.partitions ?? 4}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  )
  const cp = `${LIB}/*`
  if (fresh) {
    // a cluster id starting with '-' would be read as an option (Kafka's own Uuid.randomUuid avoids them too)
    let id
    do id = randomBytes(16).toString('base64url')
    while (id.startsWith('-'))
    execFileSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props], { stdio: 'ignore' })
  }
  const log = path.join(dir, 'broker.log')
  const child = spawn('java', ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=info', '-cp', cp, 'kafka.Kafka', props], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  const keep = (d) => {
    output += d.toString()
    if (output.length > 200_000) output = output.slice(-100_000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  child.unref()
  writeFileSync(path.join(dir, 'broker.pid'), String(child.pid))
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kafka exited (${child.exitCode}):\n${output.slice(-4000)}`)
    if (/Kafka Server started|\[KafkaRaftServer nodeId=1\] Kafka Server started/.test(output) && (await canConnect(port))) {
      const broker = `127.0.0.1:${port}`
      return { broker, port, controllerPort, dir, pid: child.pid, child, output: () => output, logFile: log }
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  try {
    process.kill(child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
  throw new Error(`kafka did not start within ${opts.timeoutMs ?? 90_000} ms:\n${output.slice(-4000)}`)
}

/** Stop a broker started by `startBroker` (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopBroker(b, { graceMs = 20_000, removeData = true } = {}) {
  await stopChild(b.child, graceMs, 100)
  if (removeData) rmSync(b.dir, { recursive: true, force: true })
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2)
  const arg = (name) => optionOf(args, name)
  if (cmd === 'fetch') {
    process.stdout.write(`${fetchBroker()}\n`)
    return
  }
  if (cmd === 'start') {
    const port = Number(arg('--port') ?? 19092)
    const dir = arg('--dir') ?? path.join(HOME, `run-${port}`)
    mkdirSync(dir, { recursive: true })
    const b = await startBroker({ port, dir })
    process.stdout.write(`kafka ${KAFKA_VERSION} running at ${b.broker} (pid ${b.pid}, data ${dir})\n`)
    process.exit(0)
  }
  if (cmd === 'stop') {
    const port = Number(arg('--port') ?? 19092)
    const pidFile = path.join(arg('--dir') ?? path.join(HOME, `run-${port}`), 'broker.pid')
    const pid = terminateFromPidFile(pidFile, 'broker')
    process.stdout.write(`stopped kafka (pid ${pid})\n`)
    return
  }
  process.stderr.write('usage: node scripts/kafka/broker.mjs fetch | start [--port P] [--dir D] | stop [--port P] [--dir D]\n')
  process.exit(2)
}

runIfMain(import.meta.url, main)
