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

export async function startTestServer(overrides: Record<string, unknown> = {}): Promise<Running & { cleanup: () => Promise<void>; dataDir: string }> {
  const tmp = tempDir()
  // Tests about other things run with API_AUTH=actions; auth.test.ts covers the default (all).
  const api = { auth: 'actions', ...((overrides.api as Record<string, unknown> | undefined) ?? {}) }
  const config = loadConfig({ env: {}, overrides: { dataDir: tmp.dir, port: 0, logLevel: 'silent', pipeline: { workers: 2 }, ...overrides, api } })
  const running = await startServer(config)
  return {
    ...running,
    dataDir: tmp.dir,
    cleanup: async () => {
      await running.stop()
      tmp.cleanup()
    },
  }
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

/** Starts `watchfloor start` as a separate process and resolves with its URL once it is listening. */
export function spawnWatchfloor(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli/bin/watchfloor.js'), 'start'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', PORT: '0', API_AUTH: 'actions', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
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
