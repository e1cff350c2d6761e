/**
 * Watchfloor's own rule pack (`rules/` at the top of the repository): Sigma rules written for this
 * project, loaded by default so the embedded platform detects the common scenarios with no
 * download. `DETECT_BUILTIN_RULES=false` turns it off.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Config } from '../../config/schema.js'

export const BUILTIN_RULES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../rules')

/** The rule directories detection loads: the built-in pack (unless disabled), then `SIGMA_RULES_DIRS`. */
export function ruleDirs(config: Pick<Config, 'detect'>): string[] {
  return [...(config.detect.builtinRules ? [BUILTIN_RULES_DIR] : []), ...config.detect.sigmaRulesDirs]
}
