/**
 * `watchfloor demo` as a newcomer runs it: its own store (never DATA_DIR), the URLs and a token
 * printed, generated attacks reaching the queue while it runs, a clean stop on Ctrl-C.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-demo-test-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('watchfloor demo', () => {
  it('runs on a store of its own, prints where to look, and fills the queue with generated attacks', async () => {
    const realStore = path.join(tmp, 'real-store')
    mkdirSync(realStore)
    const demoStore = path.join(tmp, 'demo-store')
    const child = spawn(process.execPath, [path.join(ROOT, 'cli/bin/watchfloor.js'), 'demo', '--port', '0', '--rate', '300', '--speed', '900', '--data-dir', demoStore], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: realStore, PIPELINE_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => child.on('exit', r))
    try {
      const deadline = Date.now() + 60_000
      while (!/UI:\s+http:\/\/\S+\//.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
      const url = /UI:\s+(http:\/\/\S+)\//.exec(out)?.[1]
      expect(url, out).toBeDefined()
      expect(out).toMatch(/token:\s+\S{20,}/)
      expect(out).toContain(demoStore)
      let incidents: { severity: string }[] = []
      while (Date.now() < deadline + 60_000) {
        incidents = ((await (await fetch(`${url}/api/incidents?limit=50`)).json()) as { incidents: { severity: string }[] }).incidents
        if (incidents.some((i) => i.severity === 'CRITICAL')) break
        await new Promise((r) => setTimeout(r, 500))
      }
      expect(incidents.some((i) => i.severity === 'CRITICAL'), JSON.stringify(incidents.slice(0, 3))).toBe(true)
      // the real store was never written
      expect(readdirSync(realStore)).toEqual([])
      expect(existsSync(path.join(demoStore, '.watchfloor-demo'))).toBe(true)
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
  }, 180_000)

  it('refuses a directory that holds something other than a demo store', () => {
    const busy = path.join(tmp, 'busy')
    mkdirSync(busy)
    writeFileSync(path.join(busy, 'important.db'), 'x')
    const res = spawnSyncCli(['demo', '--data-dir', busy])
    expect(res.status).toBe(1)
    expect(res.stderr).toContain('is not empty and is not a demo store')
  })
})

function spawnSyncCli(args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'cli/bin/watchfloor.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
}
