/**
 * `watchfloor demo`: Watchfloor on its own throw-away store, with a generated mix streaming into
 * it, so a newcomer watches the queue fill. Each round replays the last hour of a generated
 * network (a full intrusion, single-step attacks, the benign baseline) --speed times faster than
 * it happened, at --rate records a second, through the same ingest service HTTP uses.
 *
 *   watchfloor demo [--rate 25] [--speed 20] [--seed 1] [--data-dir DIR] [--port 8080]
 *
 * The store is a new directory under the system's temp dir (or --data-dir, which must be empty or
 * an earlier demo's): never the DATA_DIR of a real installation.
 */
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, onSignals } from '@watchfloor/pipeline'
import { startServer } from '@watchfloor/api'
import { generate } from './generate/index.js'

const MARKER = '.watchfloor-demo'
/** The standalone UI bundle the API serves at `/` (cli/dist -> repository root -> the plugin). */
const UI_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../grafana/plugins/watchfloor-app/dist-standalone')
const HOUR = 3_600_000

interface DemoArgs {
  rate: number
  speed: number
  seed: number
  dataDir: string | undefined
  port: number | undefined
}

function parse(argv: string[]): DemoArgs | string {
  const a: DemoArgs = { rate: 25, speed: 20, seed: 1, dataDir: undefined, port: undefined }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!
    const v = argv[++i]
    if (v === undefined) return `${k} needs a value`
    if (k === '--rate') a.rate = Number(v)
    else if (k === '--speed') a.speed = Number(v)
    else if (k === '--seed') a.seed = Number(v)
    else if (k === '--data-dir') a.dataDir = v
    else if (k === '--port') a.port = Number(v)
    else return `unknown option ${k}`
  }
  if (!(a.rate > 0 && a.rate <= 5000)) return '--rate must be from 1 to 5000 records a second'
  if (!(a.speed >= 1 && a.speed <= 3600)) return '--speed must be from 1 to 3600'
  if (!Number.isInteger(a.seed)) return '--seed must be an integer'
  if (a.port !== undefined && !(Number.isInteger(a.port) && a.port >= 0 && a.port <= 65535)) return '--port must be 0-65535'
  return a
}

/** A directory for the demo's store: new, or one an earlier demo made; never anything else. */
function demoDir(asked: string | undefined): string {
  if (asked === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'watchfloor-demo-'))
    writeFileSync(path.join(dir, MARKER), 'a watchfloor demo store: safe to delete\n')
    return dir
  }
  const dir = path.resolve(asked)
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, MARKER))) throw new Error(`${dir} is not empty and is not a demo store: the demo never writes into a real store; give a new directory`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, MARKER), 'a watchfloor demo store: safe to delete\n')
  return dir
}

export async function runDemo(argv: string[]): Promise<number> {
  const args = parse(argv)
  if (typeof args === 'string') {
    process.stderr.write(`watchfloor demo: ${args}\n`)
    return 2
  }
  const dataDir = demoDir(args.dataDir)
  // the UI at / is a bundle `npm start` and `npm run build` make; a demo right after `npm ci` makes it here
  if (!existsSync(path.join(UI_ROOT, 'index.html'))) {
    process.stdout.write('Building the UI (once)...\n')
    const built = spawnSync(process.execPath, ['.config/esbuild/standalone.mjs'], { cwd: path.dirname(UI_ROOT), stdio: ['ignore', 'ignore', 'inherit'] })
    if (built.status !== 0) process.stderr.write('watchfloor demo: the UI could not be built (npm run build shows why); the API still runs\n')
  }
  // the environment's store settings are ignored on purpose: the demo has its own embedded store
  const base = loadConfig()
  const config = loadConfig({
    env: {},
    overrides: { dataDir, host: base.host, port: args.port ?? base.port, logLevel: 'warn', api: { auth: 'actions' } },
  })
  const running = await startServer(config)
  const { url } = running
  const token = running.adminToken?.token
  process.stdout.write(
    [
      `Watchfloor demo: its own store in ${dataDir} (your DATA_DIR is not touched; delete the directory when done)`,
      `  UI:        ${url}/   (reads need no token; Sign in with the token below to act)`,
      `  API docs:  ${url}/docs`,
      `  token:     ${token ?? '(in the admin token file of the store)'}   (admin)`,
      `Streaming a generated network: ${args.rate} records/s, each hour of it replayed ${args.speed}x faster, with an intrusion, a port scan, malware, password spraying and cloud credential theft in every hour. Ctrl-C stops.`,
      '',
    ].join('\n'),
  )

  let stopped = false
  const stream = (async () => {
    let round = 0
    let sent = 0
    while (!stopped) {
      const start = Date.now() - HOUR
      const events = Math.max(200, Math.round((args.rate * HOUR) / args.speed / 1000))
      const { items } = generate({ events, seed: args.seed + round, start, durationMs: HOUR, chains: 1 })
      const began = Date.now()
      let i = 0
      while (i < items.length && !stopped) {
        // the records whose (sped-up) moment has come
        const due = start + (Date.now() - began) * args.speed
        let j = i
        while (j < items.length && items[j]!.t <= due) j++
        if (j > i) {
          const body = items
            .slice(i, j)
            .map((x) => JSON.stringify(x.rec))
            .join('\n')
          try {
            const answer = await running.pipeline.services.ingest.accept({ body, contentType: 'application/x-ndjson', requestId: `demo-${randomUUID()}` })
            sent += answer.body.accepted
          } catch {
            // saturated or stopping: these records are skipped, the demo goes on
          }
          i = j
        }
        await new Promise((r) => setTimeout(r, 250))
      }
      round++
      if (!stopped) process.stdout.write(`demo: ${sent} records sent (round ${round} done)\n`)
    }
  })()
  return onSignals(async () => {
    stopped = true
    await stream
    await running.stop()
  })
}
