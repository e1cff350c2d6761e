#!/usr/bin/env node
// Entry for `npx watchfloor <command>`; the commands live in cli/dist (built by `tsc -b`).
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const entry = path.join(root, 'cli', 'dist', 'main.js')
if (!existsSync(entry)) {
  // First run in a fresh checkout without `npm run build`: compile once.
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, stdio: 'inherit' })
}
const { main } = await import(entry)
// Exit explicitly: the embedded engine and the worker pool may hold handles after a clean stop.
process.exit(await main(process.argv.slice(2)))
