/**
 * Configuration = defaults < optional file (WATCHFLOOR_CONFIG, JSON or YAML) < environment < overrides.
 * Every problem is collected and reported together; the result is deeply frozen.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { OPTIONS, configSchema, type Config } from './schema.js'
import { WatchfloorError } from '../errors.js'

type Tree = Record<string, unknown>

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const parts = dotted.split('.')
  let node = tree
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (typeof next !== 'object' || next === null) node[part] = {}
    node = node[part] as Tree
  }
  node[parts[parts.length - 1]!] = value
}

function merge(into: Tree, from: Tree): Tree {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k]
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) merge(cur as Tree, v as Tree)
    else into[k] = v
  }
  return into
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv
  overrides?: Tree
}

export function loadConfig({ env = process.env, overrides = {} }: LoadOptions = {}): Readonly<Config> {
  const problems: string[] = []
  let tree: Tree = {}
  const file = env.WATCHFLOOR_CONFIG
  if (file) {
    try {
      const text = readFileSync(file, 'utf8')
      const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text)
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) tree = parsed as Tree
      else problems.push(`WATCHFLOOR_CONFIG (${file}): the file must hold an object of options`)
    } catch (err) {
      problems.push(`WATCHFLOOR_CONFIG (${file}): ${(err as Error).message}`)
    }
  }
  for (const [key, envName] of OPTIONS) {
    const v = env[envName]
    if (v !== undefined && v !== '') setPath(tree, key, v)
  }
  merge(tree, overrides)
  const result = configSchema.safeParse(tree)
  if (!result.success) {
    const envOf = new Map<string, string>(OPTIONS.map(([k, e]) => [k, e]))
    for (const issue of result.error.issues) {
      const key = issue.path.join('.')
      const where = envOf.has(key) ? `${key} (${envOf.get(key)})` : key || '(root)'
      problems.push(`${where}: ${issue.message}`)
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new WatchfloorError('CONFIG_INVALID', `${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`)
  }
  const config = result.data
  config.dataDir = path.resolve(config.dataDir)
  return deepFreeze(config)
}

/** The config as it may be shown: secrets replaced. */
export function redactConfig(config: Readonly<Config>): unknown {
  return {
    ...config,
    clickhouse: { ...config.clickhouse, password: config.clickhouse.password ? '***' : '' },
    kafka: { ...config.kafka, saslPassword: config.kafka.saslPassword ? '***' : '' },
  }
}
