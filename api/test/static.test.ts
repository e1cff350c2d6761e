/** Static checks of what cannot run here (no Docker engine): compose file, Dockerfile. Grafana's dashboards and provisioning: dashboards-static.test.ts. */
import { existsSync, readFileSync } from 'node:fs'
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
  it('builds every workspace in the image: each package.json is copied before npm ci, and the build includes the UI', () => {
    const dockerfile = read('Dockerfile')
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces
    const beforeCi = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'))
    for (const ws of workspaces) expect(beforeCi, `${ws}/package.json is not copied before npm ci (npm ci fails on the lockfile)`).toContain(`COPY ${ws}/package.json`)
    expect(dockerfile).toMatch(/RUN npm run build/)
  })

  it('mounts the Watchfloor app plugin and its provisioning into Grafana, with the user header on and the token from the environment', () => {
    const grafana = compose.services.grafana
    const mounts = (grafana.volumes as string[]).map((v) => v.split(':').slice(0, 2).join(':'))
    expect(mounts).toContain('./grafana/plugins/watchfloor-app/dist:/var/lib/grafana/plugins/watchfloor-triage-app')
    expect(mounts).toContain('./grafana/plugins/watchfloor-app/provisioning/plugins:/etc/grafana/provisioning/plugins')
    expect(grafana.environment.GF_DATAPROXY_SEND_USER_HEADER).toBe('true')
    expect(grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toContain('watchfloor-triage-app')
    expect(grafana.environment.WATCHFLOOR_PROXY_TOKEN).toBe('${WATCHFLOOR_PROXY_TOKEN:-}') // never a literal token
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
