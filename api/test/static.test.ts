/** Static checks of what cannot run here (no Docker engine): compose file, Dockerfile, Grafana provisioning. */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { describe, expect, it } from 'vitest'
import { OPTIONS } from '@watchfloor/pipeline'
import { REPO_ROOT } from './helpers.js'

const read = (p: string) => readFileSync(path.join(REPO_ROOT, p), 'utf8')

describe('docker-compose.yml', () => {
  const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, any>; volumes: Record<string, unknown> }
  it('configures Watchfloor only with options the config schema knows', () => {
    const known = new Set<string>(OPTIONS.map(([, env]) => env))
    const env = Object.keys(compose.services.watchfloor.environment)
    expect(env.length).toBeGreaterThan(3)
    for (const name of env) expect(known.has(name), `${name} is not a Watchfloor option`).toBe(true)
    expect(compose.services.watchfloor.environment.CLICKHOUSE_URL).toBe('http://clickhouse:8123')
    expect(compose.services.watchfloor.environment.HOST).toBe('0.0.0.0')
  })
  it('builds from a Dockerfile that starts the CLI, and declares every named volume', () => {
    expect(existsSync(path.join(REPO_ROOT, 'Dockerfile'))).toBe(true)
    expect(read('Dockerfile')).toMatch(/CMD \["node", "cli\/bin\/watchfloor.js", "start"\]/)
    for (const svc of Object.values(compose.services)) {
      for (const v of (svc.volumes ?? []) as string[]) {
        const src = v.split(':')[0]!
        if (src.startsWith('.')) expect(existsSync(path.join(REPO_ROOT, src)), src).toBe(true)
        else expect(compose.volumes).toHaveProperty(src)
      }
      for (const dep of Object.keys(svc.depends_on ?? {}).concat(Array.isArray(svc.depends_on) ? svc.depends_on : [])) {
        if (typeof dep === 'string' && !/^\d+$/.test(dep)) expect(compose.services).toHaveProperty(dep)
      }
    }
  })
})

describe('grafana provisioning', () => {
  it('points dashboards at the provisioned datasource uid and queries existing tables', () => {
    const ds = YAML.parse(read('grafana/provisioning/datasources/clickhouse.yaml')) as { datasources: { uid: string }[] }
    const uid = ds.datasources[0]!.uid
    const tables = readdirSync(path.join(REPO_ROOT, 'clickhouse/migrations'))
      .map((f) => read(`clickhouse/migrations/${f}`))
      .join('\n')
      .match(/CREATE TABLE IF NOT EXISTS (\w+)/g)!
      .map((s) => s.split(' ').pop()!)
    for (const f of readdirSync(path.join(REPO_ROOT, 'grafana/dashboards'))) {
      const dash = JSON.parse(read(`grafana/dashboards/${f}`)) as { panels: { datasource: { uid: string }; targets: { rawSql: string }[] }[] }
      for (const p of dash.panels) {
        expect(p.datasource.uid).toBe(uid)
        for (const t of p.targets) {
          const used = [...t.rawSql.matchAll(/FROM (\w+)/g)].map((m) => m[1]!)
          for (const table of used) expect(tables, `${f}: ${table}`).toContain(table)
        }
      }
    }
  })
})
