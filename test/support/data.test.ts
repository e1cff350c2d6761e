/** The one data setting: WATCHFLOOR_DATA_DIR, reasons for skipped suites, failure under CI. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-data-'))
writeFileSync(path.join(tmp, 'present.txt'), 'x')
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
afterEach(() => vi.unstubAllEnvs())

/** The module as a fresh process would load it, with the given environment. */
async function load(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v)
  vi.resetModules()
  return import('./data.js')
}

describe('test data setting', () => {
  it('defaults to ../shared/data beside the repository root, whatever the cwd', async () => {
    const d = await load({ WATCHFLOOR_DATA_DIR: undefined, CI: 'false' })
    expect(d.DATA_DIR).toBe(path.resolve(d.REPO_ROOT, '../shared/data'))
    expect(d.dataPath('sigma', 'rules')).toBe(path.join(d.REPO_ROOT, '..', 'shared', 'data', 'sigma', 'rules'))
    const need = d.needData('no/such/file')
    expect(need.reason).toBe('../shared/data/no/such/file not found; set WATCHFLOOR_DATA_DIR')
  })

  it('takes WATCHFLOOR_DATA_DIR, a relative value from the repository root', async () => {
    const abs = await load({ WATCHFLOOR_DATA_DIR: tmp, CI: 'false' })
    expect(abs.DATA_DIR).toBe(tmp)
    expect(abs.needData('present.txt')).toMatchObject({ have: true, reason: '' })
    expect(abs.needData('present.txt').title('a suite')).toBe('a suite')
    const rel = await load({ WATCHFLOOR_DATA_DIR: 'some/dir', CI: 'false' })
    expect(rel.DATA_DIR).toBe(path.join(rel.REPO_ROOT, 'some/dir'))
  })

  it('names what is missing in the reason and in the skipped title, and prints one line per skipped suite', async () => {
    const d = await load({ WATCHFLOOR_DATA_DIR: tmp, CI: 'false' })
    const need = d.needData('present.txt', 'sigma/rules', 'dev/ait')
    expect(need.have).toBe(false)
    expect(need.reason).toBe(`${path.join(tmp, 'sigma/rules')} not found (and 1 more); set WATCHFLOOR_DATA_DIR`)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      expect(need.title('a suite')).toBe(`a suite (skipped: ${need.reason})`)
      expect(log.mock.calls).toEqual([[`skipped: a suite: ${need.reason}`]])
    } finally {
      log.mockRestore()
    }
  })

  it('fails instead of skipping under CI=true', async () => {
    const d = await load({ WATCHFLOOR_DATA_DIR: tmp, CI: 'true' })
    expect(d.needData('present.txt').have).toBe(true)
    expect(() => d.needData('sigma/rules')).toThrow(/^CI=true and the full test data is missing: .*sigma\/rules not found/)
  })

  it('finds the fixtures kept in the repository, each with its attribution and licence', async () => {
    const d = await load({})
    for (const set of ['otrf', 'sigma', 'ait']) {
      for (const f of ['ATTRIBUTION.md', 'LICENSE']) expect(existsSync(d.fixturePath(set, f)), `${set}/${f}`).toBe(true)
    }
  })
})
