/** Test helpers: a real Watchfloor (real ClickHouse engine, real HTTP on 127.0.0.1) in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '@watchfloor/pipeline'
import { startServer, type Running } from '../src/server.js'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function tempDir(prefix = 'watchfloor-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The server on the embedded defaults with its data in `dataDir` (tests that restart it pass the same dir again). */
export function startServerOn(dataDir: string, overrides: Record<string, unknown> = {}): Promise<Running> {
  // Tests about other things run with API_AUTH=actions; auth.test.ts covers the default (all).
  const api = { auth: 'actions', ...((overrides.api as Record<string, unknown> | undefined) ?? {}) }
  return startServer(loadConfig({ env: {}, overrides: { dataDir, port: 0, logLevel: 'silent', pipeline: { workers: 2 }, ...overrides, api } }))
}

export async function startTestServer(overrides: Record<string, unknown> = {}): Promise<Running & { cleanup: () => Promise<void>; dataDir: string }> {
  const tmp = tempDir()
  const running = await startServerOn(tmp.dir, overrides)
  return {
    ...running,
    dataDir: tmp.dir,
    cleanup: async () => {
      await running.stop()
      tmp.cleanup()
    },
  }
}

/** GET with the status and the parsed JSON body. */
export async function get(url: string): Promise<{ status: number; json: any }> {
  const r = await fetch(url)
  return { status: r.status, json: await r.json() }
}

export async function post(url: string, body: string, contentType?: string): Promise<{ status: number; headers: Headers; json: any }> {
  const headers: Record<string, string> = {}
  if (contentType) headers['content-type'] = contentType
  const res = await fetch(url, { method: 'POST', body, headers })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, headers: res.headers, json }
}

/** Every `watchfloor start` a test spawned and has not seen exit: killed when the test process ends, even after a failed test. */
const spawned = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of spawned) c.kill('SIGKILL')
})

/** Starts `watchfloor start` as a separate process and resolves with its URL once it is listening. */
export function spawnWatchfloor(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli/bin/watchfloor.js'), 'start'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', PORT: '0', API_AUTH: 'actions', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    spawned.add(child)
    child.once('exit', () => spawned.delete(child))
    let out = ''
    const timer = setTimeout(() => reject(new Error(`watchfloor did not start within 60 s:\n${out}`)), 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /running at (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1]!, output: () => out })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, sig) => {
      clearTimeout(timer)
      reject(new Error(`watchfloor exited (${code ?? sig}) before listening:\n${out}`))
    })
  })
}
