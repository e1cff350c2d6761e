#!/usr/bin/env node
// Rewrites the options table in README.md (between the options markers) from the config schema.
// Usage: npm run build && node scripts/readme-options.mjs [--check]
// --check changes nothing and exits 1 when the README's table differs from the generated one.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const built = path.join(root, 'pipeline/dist/config/options.js')
let withOptionsTable
try {
  ;({ withOptionsTable } = await import(pathToFileURL(built).href))
} catch (err) {
  process.stderr.write(`readme-options: cannot load ${path.relative(root, built)} (${err.message}); run \`npm run build\` first\n`)
  process.exit(1)
}

const file = path.join(root, 'README.md')
const before = readFileSync(file, 'utf8')
const after = withOptionsTable(before)
if (after === before) {
  process.stdout.write('README.md: the options table is up to date\n')
} else if (process.argv.includes('--check')) {
  process.stderr.write('README.md: the options table differs from the config schema; run `npm run build && node scripts/readme-options.mjs`\n')
  process.exit(1)
} else {
  writeFileSync(file, after)
  process.stdout.write('README.md: options table rewritten from the config schema\n')
}
