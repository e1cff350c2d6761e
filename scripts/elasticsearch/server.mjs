#!/usr/bin/env node
/**
 * A real Elasticsearch 8.19 node for tests and benchmarks, no Docker: the server and its HTTP
 * module come from Maven Central (org.elasticsearch:elasticsearch and
 * org.elasticsearch.plugin:transport-netty4), a small launcher (src/, package dev.watchfloor.es)
 * builds the node in one JVM. Build output and run directories live under the repository's
 * .tmp/elasticsearch (git-ignored).
 *
 *   node scripts/elasticsearch/server.mjs fetch [--force]                 build the launcher, copy the jars (cached)
 *   node scripts/elasticsearch/server.mjs start [--port 9250] [--heap 512m]  start detached, wait for yellow, print the URL
 *   node scripts/elasticsearch/server.mjs stop [--port 9250]              stop it (SIGTERM, SIGKILL after 30 s)
 *   node scripts/elasticsearch/server.mjs status [--port 9250]            exit 0 and print the URL when it answers
 *
 * The CLI's node keeps its data in .tmp/elasticsearch/run-<port> across restarts (delete the
 * directory to start empty). ES_PORT, ES_HEAP, JAVA, MVN and ES_START_TIMEOUT (seconds) are read
 * too. Tests import `startElasticsearch` / `stopElasticsearch` (through test/support/elasticsearch.ts):
 * a free port, a fresh directory, and a node that exits when the test process does.
 *
 * Not available from Central, so not in this node: analysis-common (stemmers, ngram), lang-painless
 * (no script_score), mapper-extras, reindex (no _update_by_query), ingest processors, x-pack.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, optionOf, runIfMain } from '../lib/process.mjs'

export { freePort }

export const ES_VERSION = '8.19.20'
const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '../..')
export const ES_HOME = path.join(ROOT, '.tmp', 'elasticsearch')
const TARGET = path.join(ES_HOME, 'target')
const LIB = path.join(TARGET, 'lib')
const CLASSES = path.join(TARGET, 'classes')
const MAIN_CLASS = 'dev.watchfloor.es.EsTestNode'
const DEFAULT_PORT = 9250

const JVM_FLAGS = [
  '-XX:+UseG1GC',
  '-XX:-OmitStackTraceInFastThrow',
  '-Dfile.encoding=UTF-8',
  '-Djava.awt.headless=true',
  // the launcher sets these itself too; kept here so the command line is self-describing
  '-Djna.nosys=true',
  '-Des.set.netty.runtime.available.processors=false',
  '-Dio.netty.noUnsafe=true',
  '-Dio.netty.noKeySetOptimization=true',
  '-Dio.netty.recycler.maxCapacityPerThread=0',
  '-Dlog4j2.disable.jmx=true',
  '-Dlog4j.shutdownHookEnabled=false',
]

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function javaCommand() {
  const j = process.env.JAVA || (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java')
  return j.includes('/') ? path.resolve(j) : j // the JVM runs with cwd = its run directory
}

/** The launcher sources and the POM: a change to either rebuilds (the cache key of `fetch`). */
function sourceHash() {
  const h = createHash('sha256')
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name)
      if (statSync(p).isDirectory()) walk(p)
      else h.update(path.relative(HERE, p)).update(readFileSync(p))
    }
  }
  h.update(readFileSync(path.join(HERE, 'pom.xml')))
  walk(path.join(HERE, 'src'))
  return h.digest('hex').slice(0, 16)
}

const marker = () => path.join(TARGET, `.complete-${ES_VERSION}-${sourceHash()}`)

/** Whether `fetch` has run for the current sources (the jars and the compiled launcher are there). */
export function elasticsearchFetched() {
  return existsSync(marker()) && existsSync(path.join(LIB, `elasticsearch-${ES_VERSION}.jar`))
}

/** Whether a JVM can be started, else why not. */
export function javaAvailable() {
  const r = spawnSync(javaCommand(), ['-version'], { stdio: 'ignore' })
  return r.status === 0 ? { ok: true, reason: '' } : { ok: false, reason: `no Java at '${javaCommand()}' (${r.error?.message ?? `exit ${r.status}`}); JDK 17+ is needed` }
}

/** Build the launcher and copy the runtime jars with Maven (once; later calls reuse .tmp/elasticsearch/target). */
export function fetchElasticsearch({ force = false } = {}) {
  if (!force && elasticsearchFetched()) return TARGET
  mkdirSync(ES_HOME, { recursive: true })
  for (const f of existsSync(TARGET) ? readdirSync(TARGET) : []) if (f.startsWith('.complete-')) rmSync(path.join(TARGET, f))
  const mvn = process.env.MVN || 'mvn'
  const r = spawnSync(mvn, ['-B', '-q', '-f', path.join(HERE, 'pom.xml'), 'package'], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0) throw new Error(`${mvn} package failed (${r.error?.message ?? `exit ${r.status}`})`)
  if (!existsSync(path.join(LIB, `elasticsearch-${ES_VERSION}.jar`)) || !existsSync(path.join(CLASSES, ...MAIN_CLASS.split('.')) + '.class')) {
    throw new Error(`Maven did not produce the jars and the launcher under ${TARGET}`)
  }
  writeFileSync(marker(), '')
  return TARGET
}


async function healthy(url, timeoutMs = 2000) {
  try {
    const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { signal: AbortSignal.timeout(timeoutMs) })
    if (res.status !== 200) return false
    const body = await res.json()
    return body.status === 'yellow' || body.status === 'green'
  } catch {
    return false
  }
}

function tail(file, n = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Start a node and resolve once the cluster is yellow. Options: `port` (a free one by default),
 * `dir` (its data, log and pid; a fresh one under .tmp/elasticsearch by default; pass the same one
 * to restart with the same indices), `heap` ('512m'), `timeoutMs` (180 s), `exitWithParent`
 * (default true: the JVM exits when this process does; the CLI's detached node sets false).
 */
export async function startElasticsearch(opts = {}) {
  fetchElasticsearch()
  const port = opts.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  if (await healthy(url)) throw new Error(`something already answers on ${url}; choose another port`)
  mkdirSync(ES_HOME, { recursive: true })
  const dir = opts.dir ?? mkdtempSync(path.join(ES_HOME, 'node-'))
  const home = path.join(dir, 'home')
  mkdirSync(home, { recursive: true })
  const heap = opts.heap ?? process.env.ES_HEAP ?? '512m'
  const exitWithParent = opts.exitWithParent ?? true
  const logFile = path.join(dir, 'es.log')
  const log = openSync(logFile, 'a')
  const cp = [CLASSES, path.join(LIB, '*')].join(path.delimiter)
  const args = [`-Xms${heap}`, `-Xmx${heap}`, ...JVM_FLAGS, `-Dwatchfloor.es.exitWithParent=${exitWithParent}`, '-cp', cp, MAIN_CLASS, home, String(port)]
  const child = spawn(javaCommand(), args, { detached: true, stdio: [exitWithParent ? 'pipe' : 'ignore', log, log], cwd: dir })
  closeSync(log)
  let exited = null
  child.on('exit', (code, sig) => {
    exited = `exit ${code ?? sig}`
  })
  child.on('error', (e) => {
    exited = `failed to spawn ${javaCommand()}: ${e.message}`
  })
  child.unref()
  // the pipe stays open (the node watches it) without keeping this process's event loop alive
  child.stdin?.unref?.()
  writeFileSync(path.join(dir, 'es.pid'), String(child.pid))
  const t0 = Date.now()
  const timeoutMs = opts.timeoutMs ?? 1000 * Number(process.env.ES_START_TIMEOUT || 180)
  while (Date.now() - t0 < timeoutMs) {
    if (exited !== null) throw new Error(`elasticsearch ${exited} during startup; last log lines (${logFile}):\n${tail(logFile)}`)
    if (await healthy(url)) return { url, port, dir, pid: child.pid, child, logFile, startMs: Date.now() - t0 }
    await sleep(250)
  }
  try {
    process.kill(child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
  throw new Error(`elasticsearch not healthy after ${timeoutMs} ms; last log lines (${logFile}):\n${tail(logFile)}`)
}

/** Stop a node started by `startElasticsearch` (SIGTERM, then SIGKILL after `graceMs`); `removeData` deletes its directory. */
export async function stopElasticsearch(node, { graceMs = 30_000, removeData = true } = {}) {
  const running = () => node.child.exitCode === null && node.child.signalCode === null
  if (running()) {
    node.child.kill('SIGTERM') // the launcher's shutdown hook closes the node cleanly
    const deadline = Date.now() + graceMs
    while (running() && Date.now() < deadline) await sleep(100)
    if (running()) node.child.kill('SIGKILL')
    while (running()) await sleep(50)
  }
  node.child.stdin?.destroy()
  rmSync(path.join(node.dir, 'es.pid'), { force: true })
  if (removeData) rmSync(node.dir, { recursive: true, force: true })
}

/** Resident memory of a process in MiB (Linux /proc), or undefined. */
export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 1024) : undefined
  } catch {
    return undefined
  }
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2)
  const arg = (name) => optionOf(args, name)
  const port = Number(arg('--port') ?? process.env.ES_PORT ?? DEFAULT_PORT)
  const dir = path.resolve(arg('--dir') ?? path.join(ES_HOME, `run-${port}`))
  const pidFile = path.join(dir, 'es.pid')
  const url = `http://127.0.0.1:${port}`
  const readPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || undefined : undefined)
  if (cmd === 'fetch') {
    process.stdout.write(`${fetchElasticsearch({ force: args.includes('--force') })}\n`)
    return
  }
  if (cmd === 'start') {
    const pid = readPid()
    if (pid !== undefined && alive(pid) && (await healthy(url))) {
      process.stdout.write(`elasticsearch already running at ${url} (pid ${pid})\n`)
      return
    }
    const heap = arg('--heap')
    const n = await startElasticsearch({ port, dir, exitWithParent: false, ...(heap ? { heap } : {}) })
    process.stdout.write(`elasticsearch ${ES_VERSION} ready in ${(n.startMs / 1000).toFixed(1)} s at ${n.url} (pid ${n.pid}, data and log in ${dir})\n`)
    process.exit(0)
  }
  if (cmd === 'stop') {
    const pid = readPid()
    if (pid === undefined || !alive(pid)) {
      process.stdout.write(`no elasticsearch running from ${dir}\n`)
      rmSync(pidFile, { force: true })
      return
    }
    process.kill(pid, 'SIGTERM')
    for (let i = 0; i < 300 && alive(pid); i++) await sleep(100)
    if (alive(pid)) process.kill(pid, 'SIGKILL')
    rmSync(pidFile, { force: true })
    process.stdout.write(`stopped elasticsearch (pid ${pid})\n`)
    return
  }
  if (cmd === 'status') {
    const pid = readPid()
    const up = pid !== undefined && alive(pid) && (await healthy(url))
    process.stdout.write(up ? `running: ${url} (pid ${pid}, RSS ${rssMiB(pid) ?? '?'} MiB)\n` : 'not running\n')
    process.exitCode = up ? 0 : 1
    return
  }
  process.stderr.write('usage: node scripts/elasticsearch/server.mjs fetch [--force] | start [--port P] [--dir D] [--heap 512m] | stop [--port P] [--dir D] | status [--port P] [--dir D]\n')
  process.exitCode = 2
}

runIfMain(import.meta.url, main)
