/** What every bench prints and parses alike. */

/** A figure as printed: rounded, with thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

/**
 * The positive integer after `--name`, or `dflt` when the option is absent. On a bad value it
 * says so on stderr and returns undefined (the bench then exits with 2).
 */
export function positiveIntArg(args: string[], name: string, dflt: number): number | undefined {
  const i = args.indexOf(`--${name}`)
  const n = i >= 0 ? Number(args[i + 1]) : dflt
  if (Number.isInteger(n) && n > 0) return n
  process.stderr.write(`--${name} must be a positive integer\n`)
  return undefined
}
