#!/usr/bin/env node
/**
 * Generate pipeline/src/transforms/detect/attack-data.json from the shared MITRE ATT&CK extract.
 *
 *   node scripts/attack/generate.mjs [input.json] [output.json]
 *
 * input  default: ../shared/data/attack/enterprise-attack-v18.1.techniques.json (relative to the repo root)
 * output default: pipeline/src/transforms/detect/attack-data.json (relative to the repo root)
 * Relative arguments are resolved against the current directory.
 * LICENSE.txt next to the input supplies the copyright designation (MITRE's terms of use).
 * Output is deterministic (sorted ids, fixed layout): rerunning on the same input gives the same bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const input = process.argv[2]
  ? resolve(process.argv[2])
  : resolve(repoRoot, '..', 'shared', 'data', 'attack', 'enterprise-attack-v18.1.techniques.json')
const output = process.argv[3]
  ? resolve(process.argv[3])
  : join(repoRoot, 'pipeline', 'src', 'transforms', 'detect', 'attack-data.json')

const ID = /^T\d{4}(\.\d{3})?$/

function fail(msg) {
  console.error(`generate.mjs: ${msg}`)
  process.exit(1)
}

const src = JSON.parse(readFileSync(input, 'utf8'))
const licenseText = readFileSync(join(dirname(input), 'LICENSE.txt'), 'utf8')

// Copyright designation, verbatim from the ATT&CK licence (e.g. "© 2025 The MITRE Corporation. ...").
const copyright = /"(©[^"]*The MITRE Corporation[^"]*)"/.exec(licenseText)?.[1]
if (!copyright) fail('no MITRE copyright designation found in LICENSE.txt')
// The ATT&CK licence paragraph (the file also carries CAPEC's, which does not apply here).
const licenseGrant = /ATT&CK®[\s\S]*?License\s*-+\s*([\s\S]*?)\n\s*\n/.exec(licenseText)?.[1]
if (!licenseGrant) fail('no ATT&CK licence paragraph found in LICENSE.txt')

if (!src.domain || !src.attack_version) fail('input lacks domain / attack_version')
const version = `${src.domain}-v${src.attack_version}`

const tacticOrder = src.tactic_order
if (!Array.isArray(tacticOrder) || tacticOrder.length === 0) fail('input lacks tactic_order')
const tactics = {}
for (const shortname of tacticOrder) {
  const name = src.tactics?.[shortname]?.name
  if (typeof name !== 'string') fail(`tactic ${shortname} has no name`)
  tactics[shortname] = name
}
for (const shortname of Object.keys(src.tactics ?? {})) {
  if (!(shortname in tactics)) fail(`tactic ${shortname} missing from tactic_order`)
}

const byOrder = (a, b) => tacticOrder.indexOf(a) - tacticOrder.indexOf(b)
const byId = (a, b) => (a < b ? -1 : a > b ? 1 : 0)

const techniques = {}
for (const id of Object.keys(src.techniques ?? {}).sort(byId)) {
  const t = src.techniques[id]
  if (!ID.test(id)) fail(`bad technique id ${id}`)
  if (typeof t.name !== 'string' || !Array.isArray(t.tactics)) fail(`technique ${id} lacks name / tactics`)
  for (const ta of t.tactics) if (!(ta in tactics)) fail(`technique ${id} has unknown tactic ${ta}`)
  techniques[id] = [t.name, [...t.tactics].sort(byOrder)]
}

const retired = {}
for (const id of Object.keys(src.retired_techniques ?? {}).sort(byId)) {
  const to = src.retired_techniques[id].revoked_by ?? null
  if (!ID.test(id)) fail(`bad retired id ${id}`)
  if (id in techniques) fail(`${id} is both current and retired`)
  if (to !== null && !(to in techniques) && !(to in src.retired_techniques)) fail(`${id} revoked by unknown ${to}`)
  retired[id] = to
}

const attribution =
  `MITRE ATT&CK® ${src.domain} v${src.attack_version} (${src.source ?? 'github.com/mitre/cti'}), ` +
  `${copyright} Used under MITRE's terms of use (see license).`
const license = licenseGrant.replace(/\s*\n\s*/g, ' ').trim()

// One entry per line: compact, yet diff-friendly.
const entries = (obj) =>
  Object.entries(obj)
    .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(',\n')
const text =
  '{\n' +
  `  "version": ${JSON.stringify(version)},\n` +
  `  "attribution": ${JSON.stringify(attribution)},\n` +
  `  "license": ${JSON.stringify(license)},\n` +
  `  "tactic_order": ${JSON.stringify(tacticOrder)},\n` +
  `  "tactics": {\n${entries(tactics)}\n  },\n` +
  `  "techniques": {\n${entries(techniques)}\n  },\n` +
  `  "retired": {\n${entries(retired)}\n  }\n` +
  '}\n'
JSON.parse(text) // sanity
writeFileSync(output, text)
console.log(
  `wrote ${output}: ${Object.keys(techniques).length} techniques, ${Object.keys(retired).length} retired, ${tacticOrder.length} tactics`,
)
