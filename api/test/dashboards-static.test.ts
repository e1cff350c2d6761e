/**
 * The provisioned Grafana dashboards (grafana/dashboards/*.json) as Grafana loads them, checked
 * without a Grafana: each file type-checks against @grafana/schema's `Dashboard` (by the TypeScript
 * compiler, with the fields a provisioned ClickHouse dashboard needs made required); uids and panel
 * ids are unique; every datasource reference is the provisioned ClickHouse datasource; every panel
 * query uses the time-range macros and only macros and variables that exist; every panel fits the
 * 24-column grid without overlapping another; the provisioning loads the folder docker-compose
 * mounts. Running the queries on the real engine is test/integration/dashboards.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import YAML from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from './helpers.js'

interface Ref {
  type?: string
  uid?: string
}
interface GridPos {
  x: number
  y: number
  w: number
  h: number
}
interface Panel {
  id: number
  type: string
  title: string
  gridPos: GridPos
  datasource?: Ref
  targets?: { refId: string; datasource?: Ref; rawSql: string }[]
  panels?: Panel[]
}
interface Variable {
  name: string
  type: string
  datasource?: Ref
  query?: string
}
interface Dashboard {
  uid: string
  title: string
  panels: Panel[]
  templating?: { list?: Variable[] }
}

const read = (p: string) => readFileSync(path.join(REPO_ROOT, p), 'utf8')
const DIR = 'grafana/dashboards'
const FILES = readdirSync(path.join(REPO_ROOT, DIR)).filter((f) => f.endsWith('.json'))
const dashboards = FILES.map((f) => ({ file: f, text: read(`${DIR}/${f}`), dash: JSON.parse(read(`${DIR}/${f}`)) as Dashboard }))
const flat = (panels: readonly Panel[]): Panel[] => panels.flatMap((p) => [p, ...flat(p.panels ?? [])])
const queries = (d: Dashboard) => flat(d.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, sql: t.rawSql })))

/**
 * What a provisioned Watchfloor dashboard is, in @grafana/schema's types: a `Dashboard` whose uid
 * and title are set, whose panels are ClickHouse SQL panels (with id, title, description, grid
 * position, datasource and targets required), markdown text panels or rows, and whose variables
 * are custom lists or ClickHouse queries. Object literals get TypeScript's excess-property check,
 * so a misspelt field is an error too. `Json` reads the schema's string enums as the strings a
 * JSON file holds (FieldColorModeId.Thresholds as "thresholds"): TypeScript assigns no string
 * literal to a string enum, and the values stay checked against the enum's members.
 */
const PROVISIONED = `
import type { Dashboard, DataSourceRef, GridPos, Panel, RowPanel, VariableModel } from '@grafana/schema'
type Json<T> = T extends string ? \`\${T}\` : T extends number | boolean | null | undefined ? T : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T
type ClickHouse = DataSourceRef & { type: 'grafana-clickhouse-datasource'; uid: string }
interface ClickHouseQuery { refId: string; datasource: ClickHouse; editorType: 'sql'; format: 0 | 1; queryType: 'table' | 'timeseries'; rawSql: string }
type QueryPanel = Panel & { id: number; title: string; description: string; gridPos: GridPos; datasource: ClickHouse; targets: ClickHouseQuery[] }
type TextPanel = Panel & { type: 'text'; id: number; title: string; gridPos: GridPos; options: { mode: 'markdown'; content: string } }
type Row = RowPanel & { gridPos: GridPos; title: string; panels: Array<QueryPanel | TextPanel> }
type Variable = VariableModel & ({ type: 'custom'; query: string } | { type: 'query'; datasource: ClickHouse; query: string })
export type Provisioned = Json<Dashboard & { uid: string; title: string; panels: Array<QueryPanel | TextPanel | Row>; templating: { list: Variable[] } }>
`

/** Type-checks each source (a dashboard's JSON) as a `Provisioned` literal; returns the compiler's messages per name. */
function typeCheck(sources: ReadonlyMap<string, string>): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  }
  // virtual files beside this test, so '@grafana/schema' resolves from the repository's node_modules
  const dir = path.join(REPO_ROOT, 'api/test/.dashboards-typecheck')
  const files = new Map<string, string>([[path.join(dir, 'provisioned.ts'), PROVISIONED]])
  const names = new Map<string, string>()
  for (const [name, json] of sources) {
    const file = path.join(dir, `${name.replace(/\W/g, '_')}.ts`)
    files.set(file, `import type { Provisioned } from './provisioned.js'\nexport const dashboard = (${json}) satisfies Provisioned\n`)
    names.set(file, name)
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile, directoryExists } = host
  host.getSourceFile = (f, lang, ...rest) => (files.has(f) ? ts.createSourceFile(f, files.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest))
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f)
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f)
  host.directoryExists = (d) => d === dir || (directoryExists?.call(host, d) ?? true)
  const program = ts.createProgram([...files.keys()], options, host)
  const out = new Map<string, string[]>([...sources.keys()].map((n) => [n, []]))
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = (d.file && names.get(d.file.fileName)) ?? 'provisioned.ts'
    const where = d.file && d.start !== undefined ? `:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : ''
    out.set(name, [...(out.get(name) ?? []), `${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`])
  }
  return out
}

describe('grafana dashboards: @grafana/schema types', () => {
  // the real files and, to show the check can fail, copies broken the ways a hand edit breaks them
  const text = (file: string) => dashboards.find((d) => d.file === file)!.text
  const soc = text('soc-overview.json')
  const queue = text('incident-queue.json')
  const broken = new Map<string, { from: string; to: string }>([
    ['misspelt gridPos', { from: soc, to: soc.replace('"gridPos"', '"gridpos"') }],
    ['width as a string', { from: soc, to: soc.replace(/"w": (\d+)/, '"w": "$1"') }],
    ['panel without datasource', { from: soc, to: soc.replace(/"datasource": \{\s*"type": "grafana-clickhouse-datasource",\s*"uid": "watchfloor-clickhouse"\s*\},\s*"gridPos"/, '"gridPos"') }],
    ['unknown editor type', { from: soc, to: soc.replace('"editorType": "sql"', '"editorType": "builder"') }],
    ['unknown color mode', { from: soc, to: soc.replace('"mode": "thresholds"', '"mode": "threshold"') }],
    ['variable without a name', { from: queue, to: queue.replace('"name": "severity",', '') }],
  ])
  let messages = new Map<string, string[]>()
  beforeAll(() => {
    messages = typeCheck(new Map([...dashboards.map((d) => [d.file, d.text] as const), ...[...broken].map(([name, b]) => [name, b.to] as const)]))
  }, 60_000)

  it('the type declarations compile', () => {
    expect(messages.get('provisioned.ts') ?? []).toEqual([])
  })
  for (const { file } of dashboards)
    it(`${file} is a provisioned Dashboard`, () => {
      expect(messages.get(file)).toEqual([])
    })
  it('refuses dashboards broken the ways hand edits break them', () => {
    expect(messages.get('soc-overview.json')).toEqual([]) // the same program accepts the originals
    expect(messages.get('incident-queue.json')).toEqual([])
    for (const [name, { from, to }] of broken) {
      expect(to, name).not.toBe(from) // the break applied
      expect(messages.get(name)!.length, name).toBeGreaterThan(0)
    }
  })
})

describe('grafana dashboards: ids, datasources, macros, grid', () => {
  const ds = YAML.parse(read('grafana/provisioning/datasources/clickhouse.yaml')) as { datasources: { uid: string; type: string }[] }
  const provisioned = new Set(ds.datasources.map((d) => `${d.type}/${d.uid}`))

  it('has the five dashboards, each with a unique uid and title', () => {
    expect(FILES.sort()).toEqual(['analyst-kpis.json', 'entity-profile.json', 'incident-queue.json', 'pipeline-health.json', 'soc-overview.json'])
    const uids = dashboards.map((d) => d.dash.uid)
    expect(new Set(uids).size).toBe(uids.length)
    for (const uid of uids) expect(uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/)
    expect(new Set(dashboards.map((d) => d.dash.title)).size).toBe(dashboards.length)
  })

  for (const { file, dash } of dashboards) {
    describe(file, () => {
      const panels = flat(dash.panels)
      const variables = dash.templating?.list ?? []

      it('numbers its panels uniquely', () => {
        const ids = panels.map((p) => p.id)
        expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true)
        expect(new Set(ids).size).toBe(ids.length)
      })

      it('queries only the provisioned ClickHouse datasource, in every panel, target and variable', () => {
        const refs = [
          ...panels.filter((p) => p.targets !== undefined).flatMap((p) => [{ at: p.title, ref: p.datasource }, ...p.targets!.map((t) => ({ at: `${p.title} / ${t.refId}`, ref: t.datasource }))]),
          ...variables.filter((v) => v.type === 'query').map((v) => ({ at: `$${v.name}`, ref: v.datasource })),
        ]
        expect(refs.length).toBeGreaterThan(0)
        for (const { at, ref } of refs) expect(provisioned.has(`${ref?.type}/${ref?.uid}`), `${at}: ${JSON.stringify(ref)}`).toBe(true)
      })

      it("uses the time-range macros in every panel query, and only the datasource's macros and the dashboard's variables", () => {
        // grafana/clickhouse-datasource pkg/macros, $__conditionalAll, and Grafana's global variables
        const known = new Set(['fromTime', 'toTime', 'fromTime_ms', 'toTime_ms', 'timeFilter', 'timeFilter_ms', 'dateFilter', 'dateTimeFilter', 'dt', 'timeInterval', 'timeInterval_ms', 'interval_s', 'conditionalAll', 'interval', 'interval_ms', 'range', 'range_s', 'range_ms', 'from', 'to'])
        const timeMacro = /\$__(timeFilter|timeFilter_ms|dateFilter|dateTimeFilter|dt)\(|\$__(fromTime|toTime|fromTime_ms|toTime_ms)\b/
        const defined = new Set(variables.map((v) => v.name))
        const all = [...queries(dash), ...variables.filter((v) => v.type === 'query').map((v) => ({ panel: `$${v.name}`, sql: v.query ?? '' }))]
        for (const { panel, sql } of queries(dash)) expect(sql, panel).toMatch(timeMacro)
        for (const { panel, sql } of all) {
          for (const [, name] of sql.matchAll(/\$__(\w+)/g)) expect(known.has(name!), `${panel}: $__${name}`).toBe(true)
          for (const [, braced, bare] of sql.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(?!__)(\w+)/g)) expect(defined.has((braced ?? bare)!), `${panel}: $${braced ?? bare}`).toBe(true)
        }
      })

      it('interpolates text variables only as quoted SQL literals', () => {
        for (const { panel, sql } of queries(dash)) expect(sql, panel).not.toMatch(/\$(?!__)\w+|\$\{\w+\}/)
      })

      it('places every panel inside the 24-column grid, without overlaps', () => {
        for (const p of panels) {
          const { x, y, w, h } = p.gridPos
          expect([x, y, w, h].every(Number.isInteger), p.title).toBe(true)
          expect(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 24, `${p.title}: ${JSON.stringify(p.gridPos)}`).toBe(true)
        }
        for (const [i, a] of panels.entries())
          for (const b of panels.slice(i + 1)) {
            const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y
            expect(apart, `${a.title} overlaps ${b.title}`).toBe(true)
          }
      })

      it('reads only tables the migrations create', () => {
        const tables = new Set(
          readdirSync(path.join(REPO_ROOT, 'clickhouse/migrations'))
            .flatMap((f) => [...read(`clickhouse/migrations/${f}`).matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]!)),
        )
        for (const { panel, sql } of queries(dash))
          for (const [, table] of sql.matchAll(/(?<!ARRAY )\b(?:FROM|JOIN)\s+(\w+)/g)) expect(tables.has(table!), `${panel}: ${table}`).toBe(true)
      })
    })
  }
})

describe('grafana provisioning', () => {
  it('loads the dashboards folder from where docker-compose mounts grafana/dashboards', () => {
    const providers = (YAML.parse(read('grafana/provisioning/dashboards/watchfloor.yaml')) as { providers: { type: string; folder: string; options: { path: string } }[] }).providers
    const compose = YAML.parse(read('docker-compose.yml')) as { services: { grafana: { volumes: string[]; environment: Record<string, string> } } }
    const mount = compose.services.grafana.volumes.map((v) => v.split(':')).find(([src]) => src === './grafana/dashboards')
    expect(mount).toBeDefined()
    expect(providers).toContainEqual(expect.objectContaining({ type: 'file', folder: 'Watchfloor', options: expect.objectContaining({ path: mount![1] }) }))
  })

  it('provisions the ClickHouse datasource plugin that Grafana installs', () => {
    const ds = YAML.parse(read('grafana/provisioning/datasources/clickhouse.yaml')) as { datasources: { uid: string; type: string }[] }
    const compose = YAML.parse(read('docker-compose.yml')) as { services: { grafana: { environment: Record<string, string> } } }
    expect(ds.datasources).toContainEqual(expect.objectContaining({ type: 'grafana-clickhouse-datasource', uid: 'watchfloor-clickhouse' }))
    const env = compose.services.grafana.environment
    expect(`${env.GF_INSTALL_PLUGINS ?? ''},${env.GF_PLUGINS_PREINSTALL ?? ''}`).toContain('grafana-clickhouse-datasource')
  })
})
