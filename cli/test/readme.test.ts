/** The README as a newcomer uses it: every curl shows its errors, every file it sends exists, every route is listed. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')

/** The text of one `## title` section, up to the next `## `. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`)
  if (start < 0) throw new Error(`README has no "## ${title}" section`)
  const end = readme.indexOf('\n## ', start + 1)
  return readme.slice(start, end < 0 ? undefined : end)
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) return sourceFiles(p)
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : []
  })
}

describe('README', () => {
  it('runs every curl with -sS --fail-with-body, so an error is shown with its body', () => {
    const shell = [...readme.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].map((m) => m[1]!).join('\n')
    const curls = shell.split('\n').filter((l) => /(^|[\s($])curl\s/.test(l))
    expect(curls.length).toBeGreaterThanOrEqual(5)
    for (const line of curls) expect(line, line).toMatch(/\bcurl -sS --fail-with-body\b/)
  })

  it('sends only files that ship with the repository', () => {
    const files = [...readme.matchAll(/--data-binary @(\S+)/g)].map((m) => m[1]!)
    expect(files).toEqual(['examples/events.ndjson', 'examples/alerts.csv', 'examples/auth.log'])
    for (const f of files) {
      expect(existsSync(path.join(ROOT, f)), f).toBe(true)
      expect(statSync(path.join(ROOT, f)).size, f).toBeGreaterThan(0)
    }
  })

  it('lists every HTTP route of the API in its API section', () => {
    const routesDir = path.join(ROOT, 'api/src/routes')
    expect(existsSync(routesDir), 'api/src/routes moved: point this test at the route plugins').toBe(true)
    const routes = new Set<string>()
    for (const file of sourceFiles(routesDir)) for (const m of readFileSync(file, 'utf8').matchAll(/['`](\/api\/[^'`\s$]+|\/metrics)['`]/g)) routes.add(m[1]!)
    expect(routes.size).toBeGreaterThan(15)
    const api = section('API')
    const missing = [...routes].filter((r) => !new RegExp(`\`(?:(?:GET|POST|PUT|PATCH|DELETE) )?${r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\``).test(api))
    expect(missing, 'routes missing from the README API section').toEqual([])
  })
})
