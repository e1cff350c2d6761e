import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DERIVED_DEFAULTS, OPTIONS_BEGIN, OPTIONS_END, formatDuration, formatSize, isSizeOption, optionRows, optionsTable, optionsText, withOptionsTable } from './options.js'
import { OPTIONS, configSchema } from './schema.js'

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md')

interface Node {
  def?: { type?: string; innerType?: Node; in?: Node; schema?: Node }
  shape?: Record<string, Node>
}

/** Every leaf key of the schema, optional ones included (they are absent from `parse({})`). */
function schemaKeys(node: Node, prefix = ''): string[] {
  let t: Node | undefined = node
  while (t?.def !== undefined && t.def.type !== 'object') t = t.def.innerType ?? t.def.in ?? t.def.schema
  if (t?.def?.type === 'object' && t.shape) return Object.entries(t.shape).flatMap(([k, v]) => schemaKeys(v, prefix ? `${prefix}.${k}` : k))
  return [prefix]
}

describe('options table', () => {
  it('has one row per schema key, with a unique environment variable', () => {
    const keys = schemaKeys(configSchema as unknown as Node)
    expect(keys.length).toBeGreaterThan(40)
    expect(OPTIONS.map(([k]) => k).sort()).toEqual([...keys].sort())
    expect(new Set(OPTIONS.map(([, env]) => env)).size).toBe(OPTIONS.length)
  })

  it("shows the schema's defaults: sizes in kb/mb/gb, lists joined, unset and empty in words", () => {
    const byEnv = new Map(optionRows().map((r) => [r.env, r.default]))
    expect(byEnv.get('PORT')).toEqual({ value: '8080', literal: true })
    expect(byEnv.get('INGEST_MAX_BODY_BYTES')).toEqual({ value: '64mb', literal: true })
    expect(byEnv.get('INGEST_MAX_RECORD_BYTES')).toEqual({ value: '1mb', literal: true })
    expect(byEnv.get('BUFFER_FLUSH_BYTES')).toEqual({ value: '8mb', literal: true })
    expect(byEnv.get('CLICKHOUSE_URL')).toEqual({ value: 'unset', literal: false })
    expect(byEnv.get('CLICKHOUSE_PASSWORD')).toEqual({ value: 'empty', literal: false })
    expect(byEnv.get('SIGMA_RULES_DIRS')).toEqual({ value: 'empty', literal: false })
    expect(byEnv.get('KAFKA_TOPICS')).toEqual({ value: 'watchfloor-events', literal: true })
    expect(byEnv.get('PROFILE_INTERNAL_CIDRS')?.value).toMatch(/^10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16, /)
    expect(byEnv.get('INCIDENT_WINDOW_MS')).toEqual({ value: '1800000', literal: true, note: '30 min' })
    expect(byEnv.get('BUFFER_LINGER_MS')).toEqual({ value: '200', literal: true })
    expect(byEnv.get('PIPELINE_WORKERS')).toEqual({ value: 'number of cores', literal: false })
    // a map option reads as it is set, never as "[object Object]"
    expect(byEnv.get('CLICKHOUSE_RETENTION_DAYS')).toEqual({ value: 'empty', literal: false })
    for (const [env, d] of byEnv) expect(d.value, env).not.toMatch(/\[object /)
  })

  it('treats exactly the byte-size options as sizes', () => {
    const sizes = OPTIONS.map(([k]) => k).filter(isSizeOption)
    expect(sizes.sort()).toEqual(['buffer.flushBytes', 'buffer.maxBytes', 'buffer.segmentBytes', 'ingest.maxBodyBytes', 'ingest.maxRecordBytes', 'sink.maxBatchBytes'])
    expect([formatSize(64 * 1024 ** 2), formatSize(2 * 1024 ** 3), formatSize(1536), formatSize(1000)]).toEqual(['64mb', '2gb', '1536', '1000'])
    expect([formatDuration(21_600_000), formatDuration(90_000), formatDuration(1500), formatDuration(200)]).toEqual(['6 h', '90 s', undefined, undefined])
  })

  it('words a default only where the schema takes it from the machine or another option', () => {
    const defaults = configSchema.parse({})
    expect(Object.keys(DERIVED_DEFAULTS).sort()).toEqual(['kafka.inputTopic', 'pipeline.workers'])
    expect(defaults.pipeline.workers).toBe(Math.max(1, os.availableParallelism()))
    expect(defaults.kafka.inputTopic).toBe('')
  })

  it('renders one markdown row per option and the same options as text', () => {
    const table = optionsTable().trimEnd().split('\n')
    expect(table.slice(0, 2)).toEqual(['| environment variable | key | default | meaning |', '|---|---|---|---|'])
    expect(table.length).toBe(OPTIONS.length + 2)
    expect(table).toContain('| `PROFILE_RISK_HALF_LIFE_MS` | profile.riskHalfLifeMs | `21600000` (6 h) | Half-life of the alert risk an entity carries (event time), in ms. |')
    for (const row of table.slice(2)) expect(row.split(/(?<!\\)\|/).length, row).toBe(6)
    const text = optionsText()
    for (const [key, env] of OPTIONS) expect(text).toContain(`${env}  (${key})\n    default: `)
  })

  it('is the table README.md shows (regenerate: npm run build && node scripts/readme-options.mjs)', () => {
    const readme = readFileSync(README, 'utf8')
    expect(readme).toContain(OPTIONS_BEGIN)
    expect(readme).toContain(OPTIONS_END)
    const shown = readme.slice(readme.indexOf(OPTIONS_BEGIN) + OPTIONS_BEGIN.length, readme.indexOf(OPTIONS_END)).trim()
    expect(shown, 'README.md options table is out of date: run `npm run build && node scripts/readme-options.mjs`').toBe(optionsTable().trim())
    expect(withOptionsTable(readme)).toBe(readme)
  })
})
