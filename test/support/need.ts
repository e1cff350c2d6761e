/**
 * What a test needs from outside the repository (the full datasets, an Elasticsearch node, the
 * local model): present, or the reason it is not. Outside CI a suite that lacks it is skipped with
 * the reason in its name (and printed once); under CI=true a missing need fails, because CI always
 * provides it and a skipped suite must not pass there.
 */
export interface Need {
  /** what the tests need is there */
  readonly have: boolean
  /** why the tests that need it are skipped ('' when `have`) */
  readonly reason: string
  /** The test or suite name to use: unchanged when `have`, else with the reason appended (and printed once). */
  title(name: string): string
}

/** `missing`: why the need is not met ('' when it is); `inCi`: the failure message under CI=true. */
export function need(missing: string, inCi: () => string): Need {
  if (missing === '') return { have: true, reason: '', title: (name) => name }
  if (process.env.CI === 'true') throw new Error(inCi())
  return {
    have: false,
    reason: missing,
    title(name) {
      console.log(`skipped: ${name}: ${missing}`)
      return `${name} (skipped: ${missing})`
    },
  }
}
