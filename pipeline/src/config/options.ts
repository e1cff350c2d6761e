/**
 * The options table that README.md and `watchfloor config` show, built from OPTIONS (names and
 * meanings) and the schema's own defaults (`configSchema.parse({})`), so the documentation cannot
 * drift from what the process does. `node scripts/readme-options.mjs` rewrites the README's copy.
 */
import { OPTIONS, configSchema } from './schema.js'

/** How a default is shown: `value` is literal (a code span in markdown) unless `literal` is false. */
export interface OptionDefault {
  value: string
  literal: boolean
  /** A reading aid after the value, e.g. "6 h" for 21600000 ms. */
  note?: string
}

export interface OptionRow {
  key: string
  env: string
  default: OptionDefault
  meaning: string
}

/**
 * Defaults the schema computes from the machine, or leaves to another option: shown as words, so
 * the table reads the same on every machine.
 */
export const DERIVED_DEFAULTS: Readonly<Record<string, string>> = {
  'pipeline.workers': 'number of cores',
  'kafka.inputTopic': 'the first of KAFKA_TOPICS',
}

export const OPTIONS_BEGIN = '<!-- options:begin -->'
export const OPTIONS_END = '<!-- options:end -->'

type Tree = Record<string, unknown>

function valueAt(tree: unknown, dotted: string): unknown {
  let node = tree
  for (const part of dotted.split('.')) node = node !== null && typeof node === 'object' ? (node as Tree)[part] : undefined
  return node
}

function treeWith(dotted: string, value: unknown): Tree {
  const parts = dotted.split('.')
  const root: Tree = {}
  let node = root
  for (const part of parts.slice(0, -1)) node = node[part] = {}
  node[parts[parts.length - 1]!] = value
  return root
}

/** True when the option is a size: the schema reads "2kb" as 2048 bytes. */
export function isSizeOption(key: string): boolean {
  const r = configSchema.safeParse(treeWith(key, '2kb'))
  return r.success && valueAt(r.data, key) === 2048
}

/** 67108864 -> "64mb"; a size that is not a whole number of kb stays in bytes. */
export function formatSize(n: number): string {
  for (const [unit, size] of [['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]] as const) if (n >= size && n % size === 0) return `${n / size}${unit}`
  return String(n)
}

/** 21600000 -> "6 h"; undefined below one second or when no unit divides it. */
export function formatDuration(ms: number): string | undefined {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`
  return undefined
}

function shownDefault(key: string, value: unknown): OptionDefault {
  const derived = DERIVED_DEFAULTS[key]
  if (derived !== undefined) return { value: derived, literal: false }
  if (value === undefined) return { value: 'unset', literal: false }
  if (value === '' || (Array.isArray(value) && value.length === 0)) return { value: 'empty', literal: false }
  if (Array.isArray(value)) return { value: value.map(String).join(', '), literal: true }
  // a map option (e.g. table=days) is written as it is set: key=value, comma separated
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
    return entries.length === 0 ? { value: 'empty', literal: false } : { value: entries.map(([k, v]) => `${k}=${String(v)}`).join(','), literal: true }
  }
  if (typeof value === 'number') {
    if (isSizeOption(key)) return { value: formatSize(value), literal: true }
    const note = key.endsWith('Ms') ? formatDuration(value) : undefined
    return note === undefined ? { value: String(value), literal: true } : { value: String(value), literal: true, note }
  }
  return { value: String(value), literal: true }
}

/** Every option in OPTIONS order, with the default the schema gives when nothing is set. */
export function optionRows(): OptionRow[] {
  const defaults = configSchema.parse({})
  return OPTIONS.map(([key, env, meaning]) => ({ key, env, meaning, default: shownDefault(key, valueAt(defaults, key)) }))
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ')

function markdownDefault(d: OptionDefault): string {
  const v = d.literal ? `\`${d.value}\`` : d.value
  return d.note === undefined ? v : `${v} (${d.note})`
}

/** The markdown table: environment variable | key | default | meaning. */
export function optionsTable(): string {
  const lines = ['| environment variable | key | default | meaning |', '|---|---|---|---|']
  for (const r of optionRows()) lines.push(`| \`${r.env}\` | ${r.key} | ${cell(markdownDefault(r.default))} | ${cell(r.meaning)} |`)
  return `${lines.join('\n')}\n`
}

/** The same options for a terminal (`watchfloor config`): one block per option, the variable first. */
export function optionsText(): string {
  return optionRows()
    .map((r) => {
      const d = r.default.note === undefined ? r.default.value : `${r.default.value} (${r.default.note})`
      return `${r.env}  (${r.key})\n    default: ${d}\n    ${r.meaning}\n`
    })
    .join('\n')
}

/** `readme` with the text between the option markers replaced by `optionsTable()`. Throws when a marker is missing. */
export function withOptionsTable(readme: string): string {
  const begin = readme.indexOf(OPTIONS_BEGIN)
  const end = readme.indexOf(OPTIONS_END)
  if (begin < 0 || end < begin) throw new Error(`the README has no options table between "${OPTIONS_BEGIN}" and "${OPTIONS_END}"`)
  return `${readme.slice(0, begin + OPTIONS_BEGIN.length)}\n${optionsTable()}${readme.slice(end)}`
}
