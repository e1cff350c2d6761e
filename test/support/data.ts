/**
 * Where tests find their data, for every workspace (imported by relative path; tests run from the
 * TypeScript sources under vitest, tsc -b does not build this folder).
 *
 * - Small fixtures live in the repository: `pipeline/test/fixtures/` (see the ATTRIBUTION.md files).
 * - The full datasets are found through one setting, WATCHFLOOR_DATA_DIR (default `../shared/data`
 *   beside the repository; a relative value is taken from the repository root, not the cwd).
 *
 * Tests that need the full datasets ask `needData(...)` and use `describe.skipIf(!need.have)(need.title('...'), ...)`:
 * without the data they are reported as skipped with the reason in their name; with CI=true a
 * missing dataset is an error, so CI can never pass by skipping.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { need, type Need } from './need.js'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const DATA_DIR_VARIABLE = 'WATCHFLOOR_DATA_DIR'
const setting = process.env[DATA_DIR_VARIABLE]?.trim() || undefined
/** The full datasets (OTRF, AIT, SigmaHQ rules and regression events, ATT&CK extract). */
export const DATA_DIR = path.resolve(REPO_ROOT, setting ?? '../shared/data')
/** The small excerpts kept in the repository. */
export const FIXTURES_DIR = path.join(REPO_ROOT, 'pipeline/test/fixtures')

/** A path under the data directory, e.g. `dataPath('sigma', 'rules')`. */
export const dataPath = (...parts: string[]): string => path.join(DATA_DIR, ...parts)
/** A path under `pipeline/test/fixtures`, e.g. `fixturePath('otrf', 'SDWIN-190518210125.sample.json')`. */
export const fixturePath = (...parts: string[]): string => path.join(FIXTURES_DIR, ...parts)

/** The full datasets a test needs. */
export type DataNeed = Need

/** How a data path is shown in a reason: as the user would find it. */
function shown(relative: string): string {
  return setting === undefined ? path.join('../shared/data', relative) : path.join(DATA_DIR, relative)
}

/**
 * Whether the full datasets the caller names (paths relative to the data directory) are present.
 * Under CI=true a missing one throws: CI always has them, and a skipped suite must not pass there.
 */
export function needData(...relativePaths: string[]): DataNeed {
  const missing = relativePaths.filter((p) => !existsSync(dataPath(p)))
  const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''
  const reason = missing.length === 0 ? '' : `${shown(missing[0]!)} not found${more}; set ${DATA_DIR_VARIABLE}`
  return need(reason, () => `CI=true and the full test data is missing: ${reason} (${DATA_DIR_VARIABLE}=${setting ?? '(unset)'}, data directory ${DATA_DIR})`)
}
