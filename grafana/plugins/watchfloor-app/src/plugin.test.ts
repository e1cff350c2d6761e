/**
 * Plugin checks: plugin.json (app and nested panel) against Grafana's published schema and this
 * plugin's own contract (proxy routes and roles, where the token comes from), the build's
 * module.js files are AMD modules asking Grafana only for its shared libraries, and nothing
 * secret is in what Grafana serves to browsers. Builds the plugin first when dist/ is missing or
 * older than the sources (`npm test` builds it before the tests).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import Ajv from 'ajv'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const dist = path.join(root, 'dist')
const readJson = (p: string): unknown => JSON.parse(fs.readFileSync(p, 'utf8'))

function files(dir: string, keep: (f: string) => boolean = () => true): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? files(p, keep) : keep(p) ? [p] : []
  })
}
const mtime = (p: string) => fs.statSync(p).mtimeMs
function readSchema(p: string): Record<string, unknown> {
  const s = readJson(p)
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new Error(`${p} is not a JSON schema`)
  return Object.fromEntries(Object.entries(s))
}

/** Grafana's published plugin.json schema (grafana/grafana docs/sources/developers/plugins/plugin.schema.json), when a copy is given. */
const PUBLISHED_SCHEMA = process.env.GRAFANA_PLUGIN_SCHEMA

/**
 * plugin.json as Grafana's plugin metadata reference documents it
 * (https://grafana.com/developers/plugin-tools/reference/plugin-json): the required fields, the id
 * pattern, the types, the info/dependencies/includes/routes objects and their enumerations, and no
 * property the reference does not list. Written here from that page; Grafana's own
 * plugin.schema.json is AGPL-licensed and is not shipped or fetched by this project, so the test
 * against it runs only when GRAFANA_PLUGIN_SCHEMA names a copy.
 */
const SEMVER_RANGE = '^(<=|>=|<|>|=|~|\\^)?([0-9]+)(\\.[0-9x*]+)?(\\.[0-9x*]+)?(\\s+(<=|>=|<|>|=)?([0-9]+)(\\.[0-9x]+)?(\\.[0-9x]+)?)?$'
const ROLE = { enum: ['Admin', 'Editor', 'Viewer', 'None'] }
const REFERENCE = {
  type: 'object',
  required: ['id', 'type', 'info', 'name', 'dependencies'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$' },
    type: { enum: ['app', 'datasource', 'panel', 'renderer', 'secretsmanager'] },
    name: { type: 'string', minLength: 1 },
    info: {
      type: 'object',
      required: ['keywords', 'logos', 'updated', 'version'],
      additionalProperties: false,
      properties: {
        author: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, email: { type: 'string' }, url: { type: 'string' } } },
        build: { type: 'object' },
        description: { type: 'string' },
        keywords: { type: 'array', minItems: 1, items: { type: 'string' } },
        links: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, url: { type: 'string' } } } },
        logos: { type: 'object', required: ['small', 'large'], additionalProperties: false, properties: { small: { type: 'string' }, large: { type: 'string' } } },
        screenshots: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, path: { type: 'string' } } } },
        updated: { type: 'string' },
        version: { type: 'string' },
      },
    },
    dependencies: {
      type: 'object',
      required: ['grafanaDependency'],
      additionalProperties: false,
      properties: {
        grafanaDependency: { type: 'string', pattern: SEMVER_RANGE },
        grafanaVersion: { type: 'string' },
        plugins: { type: 'array', items: { type: 'object', required: ['id', 'type', 'name'], properties: { id: { type: 'string' }, type: { enum: ['app', 'datasource', 'panel'] }, name: { type: 'string' }, version: { type: 'string' } } } },
        extensions: { type: 'object' },
      },
    },
    includes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { enum: ['dashboard', 'page', 'panel', 'datasource'] },
          name: { type: 'string' },
          path: { type: 'string' },
          uid: { type: 'string' },
          component: { type: 'string' },
          icon: { type: 'string' },
          role: ROLE,
          action: { type: 'string' },
          addToNav: { type: 'boolean' },
          defaultNav: { type: 'boolean' },
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          path: { type: 'string' },
          method: { type: 'string' },
          url: { type: 'string' },
          urlParams: { type: 'array' },
          reqSignedIn: { type: 'boolean' },
          reqRole: ROLE,
          reqAction: { type: 'string' },
          headers: { type: 'array', items: { type: 'object', required: ['name', 'content'], additionalProperties: false, properties: { name: { type: 'string' }, content: { type: 'string' } } } },
          body: { type: 'object' },
          tokenAuth: { type: 'object' },
          jwtTokenAuth: { type: 'object' },
        },
      },
    },
    alerting: { type: 'boolean' },
    annotations: { type: 'boolean' },
    autoEnabled: { type: 'boolean' },
    backend: { type: 'boolean' },
    buildMode: { type: 'string' },
    builtIn: { type: 'boolean' },
    category: { enum: ['tsdb', 'logging', 'cloud', 'tracing', 'profiling', 'sql', 'enterprise', 'iot', 'other'] },
    enterpriseFeatures: { type: 'object' },
    executable: { type: 'string' },
    extensions: { type: 'object' },
    hideFromList: { type: 'boolean' },
    iam: { type: 'object' },
    languages: { type: 'array', items: { type: 'string' } },
    logs: { type: 'boolean' },
    metrics: { type: 'boolean' },
    multiValueFilterOperators: { type: 'boolean' },
    pascalName: { type: 'string' },
    preload: { type: 'boolean' },
    queryOptions: { type: 'object' },
    roles: { type: 'array' },
    skipDataQuery: { type: 'boolean' },
    state: { enum: ['alpha', 'beta'] },
    streaming: { type: 'boolean' },
    tracing: { type: 'boolean' },
  },
}

/** Grafana's shared libraries (create-plugin's externals): the only modules a plugin's module.js may ask Grafana for. */
const GRAFANA_EXTERNALS = new Set(['module', 'lodash', 'jquery', 'moment', 'slate', 'emotion', '@emotion/react', '@emotion/css', 'prismjs', 'slate-plain-serializer', '@grafana/slate-react', 'react', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'react-dom', 'react-redux', 'redux', 'rxjs', 'i18next', 'react-router', 'd3', 'angular', '@grafana/ui', '@grafana/runtime', '@grafana/data'])

const PLUGINS = [
  { name: 'app', source: path.join(src, 'plugin.json'), built: path.join(dist, 'plugin.json'), module: path.join(dist, 'module.js') },
  { name: 'triage panel', source: path.join(src, 'panels/triage/plugin.json'), built: path.join(dist, 'panels/triage/plugin.json'), module: path.join(dist, 'panels/triage/module.js') },
]

const TOKEN_HEADER = { name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }

/** What this plugin promises on top of Grafana's schema: ids, the nested panel and config page, and the proxy routes with their roles. */
const CONTRACT = {
  app: {
    type: 'object',
    required: ['type', 'id', 'includes', 'routes', 'dependencies'],
    properties: {
      type: { const: 'app' },
      id: { const: 'watchfloor-triage-app' },
      dependencies: { type: 'object', properties: { grafanaDependency: { const: '>=11.6.0' } } },
      includes: {
        type: 'array',
        allOf: [
          { contains: { type: 'object', required: ['type', 'name'], properties: { type: { const: 'panel' }, name: { const: 'Watchfloor triage' } } } },
          { contains: { type: 'object', required: ['type', 'path', 'role'], properties: { type: { const: 'page' }, path: { enum: ['/plugins/%PLUGIN_ID%', '/plugins/watchfloor-triage-app'] }, role: { const: 'Admin' } } } },
        ],
      },
      routes: {
        type: 'array',
        minItems: 2,
        maxItems: 2,
        items: {
          type: 'object',
          required: ['path', 'method', 'reqRole', 'url', 'headers'],
          additionalProperties: false,
          properties: {
            path: { const: 'api/*' },
            method: { enum: ['GET', 'POST'] },
            reqRole: { enum: ['Viewer', 'Editor'] },
            url: { const: '{{ .JsonData.apiUrl }}/api' },
            headers: { type: 'array', minItems: 1, maxItems: 1, items: { const: TOKEN_HEADER } },
          },
        },
      },
    },
  },
  panel: {
    type: 'object',
    required: ['type', 'id', 'skipDataQuery'],
    not: { anyOf: [{ required: ['routes'] }] },
    properties: { type: { const: 'panel' }, id: { const: 'watchfloor-triage-panel' }, skipDataQuery: { const: true }, dependencies: { type: 'object', properties: { grafanaDependency: { const: '>=11.6.0' } } } },
  },
}

beforeAll(() => {
  const inputs = [...files(src, (f) => !/\.test\.tsx?$/.test(f)), path.join(root, 'package.json'), path.join(root, '.config/webpack/webpack.config.mjs')]
  const newest = Math.max(...inputs.map(mtime))
  const built = PLUGINS.every((p) => fs.existsSync(p.module) && fs.existsSync(p.built))
  if (!built || Math.min(...PLUGINS.map((p) => mtime(p.module))) < newest) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' })
}, 120_000)

describe('plugin.json', () => {
  it.skipIf(PUBLISHED_SCHEMA === undefined)("is valid against Grafana's published plugin.json schema, app and panel, as written and as built (GRAFANA_PLUGIN_SCHEMA: a copy of it)", () => {
    // unicodeRegExp off: the schema's patterns escape '-' outside classes, which the u flag refuses
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false })
    const validate = ajv.compile(readSchema(PUBLISHED_SCHEMA ?? ''))
    for (const p of PLUGINS) {
      for (const f of [p.source, p.built]) {
        const ok = validate(readJson(f))
        expect(ok ? [] : validate.errors, `${p.name}: ${path.relative(root, f)}`).toEqual([])
      }
    }
  })

  it("is valid against Grafana's plugin metadata reference, app and panel, as written and as built", () => {
    const ajv = new Ajv({ strict: false, allErrors: true })
    const validate = ajv.compile(REFERENCE)
    for (const p of PLUGINS) {
      for (const f of [p.source, p.built]) {
        const ok = validate(readJson(f))
        expect(ok ? [] : validate.errors, `${p.name}: ${path.relative(root, f)}`).toEqual([])
      }
    }
    // the reference's rules are in force: a misspelt field, a bad id or a missing logo is refused
    const app = readJson(PLUGINS[0]!.source) as Record<string, unknown> & { info: Record<string, unknown> }
    expect(validate({ ...app, skipDataQueries: true })).toBe(false)
    expect(validate({ ...app, id: 'Watchfloor_App' })).toBe(false)
    expect(validate({ ...app, info: { ...app.info, logos: { small: 'img/logo.svg' } } })).toBe(false)
    expect(validate({ ...app, dependencies: { grafanaDependency: 'eleven' } })).toBe(false)
  })

  it("keeps this plugin's contract: ids, the nested panel, the config page, the proxy routes", () => {
    const ajv = new Ajv({ strict: false, allErrors: true })
    const app = ajv.compile(CONTRACT.app)
    const panel = ajv.compile(CONTRACT.panel)
    for (const f of [PLUGINS[0]?.source, PLUGINS[0]?.built]) expect(app(readJson(f ?? '')) ? [] : app.errors, f).toEqual([])
    for (const f of [PLUGINS[1]?.source, PLUGINS[1]?.built]) expect(panel(readJson(f ?? '')) ? [] : panel.errors, f).toEqual([])
  })

  it('lets Viewers read and only Editors act, with the token from secureJsonData and nothing else reaching the API', () => {
    const app = readJson(path.join(src, 'plugin.json')) as { routes: { method: string; reqRole: string; headers: unknown[] }[] }
    const byMethod = Object.fromEntries(app.routes.map((r) => [r.method, r.reqRole]))
    expect(byMethod).toEqual({ GET: 'Viewer', POST: 'Editor' })
    for (const r of app.routes) expect(r.headers).toEqual([TOKEN_HEADER])
  })

  it('is built with its version and date filled in, next to its module', () => {
    for (const p of PLUGINS) {
      const built = readJson(p.built) as { info: { version: string; updated: string } }
      expect(built.info.version).toBe((readJson(path.join(root, 'package.json')) as { version: string }).version)
      expect(built.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(fs.existsSync(path.join(path.dirname(p.built), 'img/logo.svg'))).toBe(true)
    }
    expect(fs.existsSync(path.join(dist, 'README.md'))).toBe(true)
  })
})

describe('the build', () => {
  it("makes each module.js an AMD module that asks Grafana for React and @grafana/* instead of bundling them", () => {
    for (const p of PLUGINS) {
      const code = fs.readFileSync(p.module, 'utf8')
      const m = /^(?:\/\*[\s\S]*?\*\/\s*)*define\((\[[^\]]*\]),/.exec(code)
      expect(m, `${p.name}: define([...], ...)`).not.toBeNull()
      const deps = JSON.parse(m?.[1] ?? '[]') as string[]
      expect(deps.filter((d) => !GRAFANA_EXTERNALS.has(d)), p.name).toEqual([])
      expect(deps).toEqual(expect.arrayContaining(['react', '@grafana/data', '@grafana/ui']))
      // React's and Grafana UI's own code stay out
      expect(code).not.toContain('__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED')
      expect(code).not.toContain('react.production')
    }
  })

  it('holds no secret: no token literal, no Authorization header built in the browser, no secureJsonData value', () => {
    const served = files(dist, (f) => /\.(js|map|json|md|txt)$/.test(f))
    expect(served.length).toBeGreaterThan(4)
    const token = /wf_(proxy|admin|analyst|viewer|ingest)_[A-Za-z0-9_-]{16,}/
    for (const f of served) {
      const text = fs.readFileSync(f, 'utf8')
      expect(token.test(text), path.relative(root, f)).toBe(false)
      if (f.endsWith('.js')) {
        expect(text, path.relative(root, f)).not.toMatch(/Bearer|Authorization/i)
        expect(text, path.relative(root, f)).not.toContain('.SecureJsonData')
      }
    }
    // provisioning names the token by environment variable only
    const yaml = fs.readFileSync(path.join(root, 'provisioning/plugins/apps.yaml'), 'utf8')
    expect(yaml).toMatch(/apiToken: \$\{WATCHFLOOR_PROXY_TOKEN\}/)
    expect(token.test(yaml)).toBe(false)
  })
})

describe('the sources', () => {
  it('never turn log text into HTML, links or sources', () => {
    for (const f of files(src, (x) => /\.tsx?$/.test(x) && !/\.test\.tsx?$/.test(x) && !x.includes(`${path.sep}test${path.sep}`))) {
      const code = fs.readFileSync(f, 'utf8')
      expect(code, path.relative(root, f)).not.toMatch(/dangerouslySetInnerHTML|\.innerHTML\s*=|\bhref=|\bsrc=\{/)
    }
  })
})
