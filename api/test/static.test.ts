/** Static checks of what cannot run here (no Docker engine): compose file, Dockerfile. Grafana's dashboards and provisioning: dashboards-static.test.ts. */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import Ajv from 'ajv'
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

  it('is valid against the Compose Specification schema', () => {
    // draft-07, Ajv's own draft; its `$schema` names the https form of the draft's URL, which Ajv does not list
    const { $schema: _draft, ...schema } = JSON.parse(read('test/fixtures/compose-spec/compose-spec.json')) as Record<string, unknown>
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
    const validate = ajv.compile(schema)
    const ok = validate(compose)
    expect(ok ? [] : validate.errors).toEqual([])
    // the schema is in force: a misspelt key is refused
    expect(validate({ ...compose, services: { ...compose.services, kafka: { ...compose.services.kafka, helthcheck: {} } } })).toBe(false)
  })

  it('pins every image to a version, and checks the health of every long-running service', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.image, `${name}: no image`).toBeDefined()
      expect(svc.image, `${name}: ${svc.image} is not pinned to a version`).toMatch(/:[0-9][\w.-]*$/)
      if (svc.restart !== 'no') expect(svc.healthcheck, `${name} has no health check`).toBeDefined()
    }
    // the Elasticsearch the tests ran against is the one the stack starts
    const tested = /ES_VERSION = '([\d.]+)'/.exec(read('scripts/elasticsearch/server.mjs'))![1]
    expect(compose.services.elasticsearch.image).toBe(`docker.elastic.co/elasticsearch/elasticsearch:${tested}`)
  })

  it('starts in order: Watchfloor waits for healthy stores and the created topics, Grafana for Watchfloor', () => {
    const wf = compose.services.watchfloor
    expect(wf.depends_on).toEqual({ clickhouse: { condition: 'service_healthy' }, elasticsearch: { condition: 'service_healthy' }, 'kafka-init': { condition: 'service_completed_successfully' } })
    expect(compose.services['kafka-init'].depends_on).toEqual({ kafka: { condition: 'service_healthy' } })
    expect(compose.services.grafana.depends_on.watchfloor).toEqual({ condition: 'service_healthy' })
    for (const svc of Object.values(compose.services)) for (const dep of Object.values(svc.depends_on ?? {}) as { condition: string }[]) expect(['service_healthy', 'service_completed_successfully']).toContain(dep.condition)
  })

  it('wires Kafka, Vector, ClickHouse, Elasticsearch and Grafana consistently', () => {
    const env = compose.services.watchfloor.environment
    // the topics Watchfloor consumes and dead-letters to are the ones kafka-init creates
    const init = (compose.services['kafka-init'].command as string[]).join(' ')
    for (const topic of [env.KAFKA_TOPICS, env.KAFKA_DEAD_LETTER_TOPIC]) expect(init).toContain(`--create --if-not-exists --topic ${topic} `)
    expect(env.KAFKA_BROKERS).toBe('kafka:9092')
    expect(compose.services.kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092')
    // Vector tails the generator's output and produces to that topic, on that broker
    const vector = YAML.parse(read('deploy/vector/vector.yaml')) as { sources: Record<string, { include: string[] }>; sinks: Record<string, { type: string; topic: string; bootstrap_servers: string; inputs: string[] }> }
    const sink = Object.values(vector.sinks)[0]!
    expect(sink).toMatchObject({ type: 'kafka', topic: env.KAFKA_TOPICS, bootstrap_servers: env.KAFKA_BROKERS })
    expect(Object.keys(vector.sources)).toEqual(sink.inputs)
    const out = (compose.services.generator.command as string[])[(compose.services.generator.command as string[]).indexOf('--out') + 1]!
    expect(Object.values(vector.sources)[0]!.include.some((g) => path.posix.dirname(g) === path.posix.dirname(out))).toBe(true)
    // the API listens where its port is published; Elasticsearch and ClickHouse by service name
    expect(compose.services.watchfloor.ports).toEqual([`${env.PORT}:${env.PORT}`])
    expect(env.ELASTICSEARCH_URL).toBe('http://elasticsearch:9200')
    // Grafana reads with ClickHouse's read-only user, made by the init script with SELECT only
    expect(compose.services.grafana.environment.CLICKHOUSE_USER).toBe(compose.services.clickhouse.environment.GRAFANA_CLICKHOUSE_USER)
    const initdb = read('deploy/clickhouse/initdb/01-grafana-reader.sh')
    expect(initdb).toContain('SETTINGS readonly = 1')
    expect(initdb).toMatch(/GRANT SELECT ON watchfloor\.\* TO/)
    expect(initdb).not.toMatch(/GRANT ALL/i)
  })

  it('takes every secret from .env (listed in .env.example), with no literal secret in the file', () => {
    const text = read('docker-compose.yml')
    const example = new Set(read('.env.example').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]!))
    const used = [...text.matchAll(/\$\{([A-Z_]+)(:[-?][^}]*)?\}/g)].map((m) => m[1]!)
    expect(used.length).toBeGreaterThan(4)
    for (const v of used) expect(example.has(v), `${v} is not in .env.example`).toBe(true)
    for (const [name, svc] of Object.entries(compose.services))
      for (const [k, v] of Object.entries((svc.environment ?? {}) as Record<string, string>))
        if (/PASSWORD|TOKEN|SECRET/.test(k)) expect(String(v), `${name}.${k}`).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/)
    expect(read('.gitignore').split('\n')).toContain('.env')
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
