/**
 * `watchfloor generate` and `watchfloor score` as a user runs them: real processes, the generator's
 * output replayed by the default pipeline, and its ground truth scored against what was found.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-generate-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'cli/bin/watchfloor.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 })
const FIXED = ['--seed', '42', '--start', '2026-11-23T06:00:00Z', '--duration', '12h']
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)

describe('watchfloor generate', () => {
  it('is deterministic: the same seed and start give the same bytes, another seed other ones', () => {
    const a = cli(['generate', '--events', '2000', ...FIXED])
    const b = cli(['generate', '--events', '2000', ...FIXED])
    expect(a.status, a.stderr).toBe(0)
    expect(a.stdout.split('\n').filter(Boolean)).toHaveLength(2000)
    expect(b.stdout).toBe(a.stdout)
    const c = cli(['generate', '--events', '2000', '--seed', '43', '--start', '2026-11-23T06:00:00Z', '--duration', '12h'])
    expect(c.stdout).not.toBe(a.stdout)
    expect(a.stderr).toMatch(/2000 records, \d+ of them in \d+ attacks/)
  })

  it('refuses bad options and a bad world file with the reason', () => {
    expect(cli(['generate', '--events', 'many']).stderr).toContain('--events must be an integer')
    expect(cli(['generate', '--duration', '5 hours']).status).toBe(2)
    const world = path.join(tmp, 'world.yaml')
    writeFileSync(world, 'internal: [10.0.0.0/33]\n')
    const bad = cli(['generate', '--events', '10', '--config', world])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('internal[0]: "10.0.0.0/33" is not an IPv4 range')
    // the shipped example is the default world and is accepted as it is
    expect(cli(['generate', '--events', '10', '--config', path.join(ROOT, 'examples/generator.yaml'), ...FIXED]).status).toBe(0)
  })

  it('writes records in the shapes shippers send, and the default pipeline finds every attack step, each attack as one incident', () => {
    const out = path.join(tmp, 'events.ndjson')
    const truth = path.join(tmp, 'truth.ndjson')
    const gen = cli(['generate', '--events', '6000', '--chains', '2', ...FIXED, '--out', out, '--truth', truth])
    expect(gen.status, gen.stderr).toBe(0)
    const steps = lines(truth).map((l) => JSON.parse(l) as { chain: string; scenario: string; stage: string; techniques: string[]; records: number[] })
    // two full intrusions (all eight steps) and each single-step attack
    const intrusion = steps.filter((s) => s.scenario === 'intrusion')
    expect(new Set(intrusion.map((s) => s.chain)).size).toBe(2)
    expect([...new Set(intrusion.map((s) => s.stage))]).toEqual(['recon', 'initial_access', 'execution', 'persistence', 'privilege_escalation', 'credential_access', 'lateral_movement', 'exfiltration'])
    expect(new Set(steps.map((s) => s.scenario))).toEqual(new Set(['intrusion', 'port_scan', 'malware', 'password_spray', 'cloud_credential_theft']))
    const events = lines(out)
    for (const s of steps) for (const n of s.records) expect(events[n - 1], `${s.chain}/${s.stage} line ${n}`).toBeDefined()

    const dir = path.join(tmp, 'replay')
    const rep = cli(['replay', '--out', dir, out])
    expect(rep.status, rep.stderr).toBe(0)
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { by_decoder: Record<string, number>; decode_failures: { total: number } }
    expect(summary.decode_failures.total).toBe(0)
    for (const d of ['ecs', 'windows_flat', 'zeek', 'suricata', 'wazuh', 'cloudtrail', 'legacy']) expect(summary.by_decoder[d] ?? 0, d).toBeGreaterThan(0)
    expect(summary.by_decoder.unknown ?? 0).toBe(0)

    const score = cli(['score', '--truth', truth, '--json', '--strict', dir])
    expect(score.status, score.stdout + score.stderr).toBe(0)
    const s = JSON.parse(score.stdout) as { stages: { total: number; detected: number }; chains: { chain: string; incidents: number; escalated: boolean; missed: string[] }[]; chains_in_one_incident: number; benign: { rate: number } }
    expect(s.stages.detected).toBe(s.stages.total)
    expect(s.chains.filter((c) => c.incidents !== 1)).toEqual([])
    expect(s.chains.every((c) => c.escalated)).toBe(true)
    expect(s.benign.rate).toBeLessThan(0.05)
    // the table a user reads
    expect(cli(['score', '--truth', truth, dir]).stdout).toMatch(/steps detected (\d+)\/\1; attacks in one incident (\d+)\/\2/)
  })
})
