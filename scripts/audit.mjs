#!/usr/bin/env node
/**
 * `node scripts/audit.mjs`: `npm audit --omit=dev` over the dependencies the product ships; exits
 * 1 when any advisory is high or critical. When the registry does not serve the audit endpoint (a
 * mirror that only answers GET, as on the CI machine: 405), it says so and exits 0: nothing was
 * checked, and the line says that rather than claiming a clean result.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', timeout: 120_000 })
let report
try {
  report = JSON.parse(run.stdout)
} catch {
  report = undefined
}
const status = report?.statusCode ?? report?.error?.code
if (!report || report.error || status !== undefined) {
  const why = report?.message ?? report?.error?.summary ?? (run.stderr || run.error?.message || 'no answer').trim().split('\n')[0]
  process.stdout.write(`npm audit: NOT CHECKED, the registry did not run the audit (${why})\n`)
  process.exit(0)
}
const v = report.metadata?.vulnerabilities ?? {}
const high = (v.high ?? 0) + (v.critical ?? 0)
process.stdout.write(`npm audit --omit=dev: ${v.critical ?? 0} critical, ${v.high ?? 0} high, ${v.moderate ?? 0} moderate, ${v.low ?? 0} low in ${report.metadata?.dependencies?.prod ?? '?'} production dependencies\n`)
if (high > 0) {
  for (const [name, info] of Object.entries(report.vulnerabilities ?? {})) if (info.severity === 'high' || info.severity === 'critical') process.stdout.write(`  ${info.severity}: ${name} ${info.range ?? ''}\n`)
  process.exit(1)
}
