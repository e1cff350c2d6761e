/**
 * The README's *Sending events* block, pasted into bash against `watchfloor start` on its defaults
 * (only the port and the data directory differ): the token is created and every ingest answers 202.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const missing = ['bash', 'curl'].filter((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0)

/** The first ```sh block of the README's "## Sending events" section. */
function quickStart(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const m = /\n## Sending events\n[\s\S]*?^```sh\n([\s\S]*?)^```/m.exec(readme)
  if (!m) throw new Error('README: no sh block under "## Sending events"')
  return m[1]!
}

describe.skipIf(missing.length > 0)(`README quick start${missing.length > 0 ? ` (skipped: ${missing.join(' and ')} not installed)` : ''}`, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-quickstart-'))
  let child: ChildProcess | undefined
  let base = ''

  beforeAll(async () => {
    // the defaults a newcomer runs with (API_AUTH=all: tokens needed), in a fresh data directory
    child = spawn(process.execPath, [path.join(ROOT, 'cli/bin/watchfloor.js'), 'start'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', PIPELINE_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    base = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`watchfloor did not start within 90 s:\n${out}`)), 90_000)
      const onData = (d: Buffer) => {
        out += d.toString()
        const m = /running at http:\/\/(\S+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      }
      child!.stdout!.on('data', onData)
      child!.stderr!.on('data', onData)
      child!.on('exit', (code) => reject(new Error(`watchfloor exited with ${code}:\n${out}`)))
    })
  })

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.removeAllListeners('exit')
      await new Promise<void>((resolve) => {
        child!.on('exit', () => resolve())
        child!.kill('SIGTERM')
      })
    }
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('creates the ingest token and answers 202 to every ingest command', () => {
    const script = quickStart().replaceAll('localhost:8080', base).replaceAll('data/admin-token', path.join(dataDir, 'admin-token'))
    // curl ends each answer with a newline and writes its status code to stderr; -e and pipefail stop at the first failure
    const prelude = 'set -euo pipefail\ncurl() { command curl -w "\\n%{stderr}HTTP %{http_code}\\n" "$@"; }\n'
    const run = spawnSync('bash', ['-c', prelude + script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
    const codes = [...run.stderr.matchAll(/^HTTP (\d{3})$/gm)].map((m) => m[1])
    expect(codes).toEqual(['201', '202', '202', '202', '202'])
    // each ingest answer is one JSON object on stdout, every record accepted
    const answers = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { accepted: number; rejected: number })
    expect(answers.map((a) => a.rejected)).toEqual([0, 0, 0, 0])
    const lines = (f: string) => readFileSync(path.join(ROOT, f), 'utf8').split('\n').filter(Boolean).length
    expect(answers.map((a) => a.accepted)).toEqual([1, lines('examples/events.ndjson'), lines('examples/alerts.csv') - 1, lines('examples/auth.log')])
  })
})
