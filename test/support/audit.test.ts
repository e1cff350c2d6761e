/**
 * scripts/audit.mjs as .ci/run calls it, with a stand-in `npm` first on PATH (the real audit
 * endpoint is not served by this machine's registry): high or critical advisories fail it, a clean
 * report passes, and a registry that refuses the audit is reported as not checked.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../../scripts/audit.mjs', import.meta.url))
const dir = mkdtempSync(path.join(tmpdir(), 'watchfloor-audit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function auditWith(report: unknown): { status: number | null; out: string } {
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report))
  const npm = path.join(dir, 'npm')
  writeFileSync(npm, `#!/bin/sh\ncat "${path.join(dir, 'report.json')}"\n`)
  chmodSync(npm, 0o755)
  const r = spawnSync(process.execPath, [script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' })
  return { status: r.status, out: r.stdout }
}

describe('scripts/audit.mjs', () => {
  it('fails on a high or critical advisory and names it', () => {
    const r = auditWith({ vulnerabilities: { 'some-lib': { severity: 'high', range: '<1.2.3' } }, metadata: { vulnerabilities: { critical: 0, high: 1, moderate: 2, low: 0 }, dependencies: { prod: 120 } } })
    expect(r.status).toBe(1)
    expect(r.out).toMatch(/0 critical, 1 high, 2 moderate.*\n\s+high: some-lib <1.2.3/)
  })

  it('passes a report without high or critical advisories', () => {
    const r = auditWith({ vulnerabilities: {}, metadata: { vulnerabilities: { critical: 0, high: 0, moderate: 1, low: 3 }, dependencies: { prod: 120 } } })
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/0 critical, 0 high, 1 moderate, 3 low in 120 production dependencies/)
  })

  it('says NOT CHECKED when the registry refuses the audit', () => {
    const r = auditWith({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405 })
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/NOT CHECKED.*405 Method Not Allowed/)
  })
})
