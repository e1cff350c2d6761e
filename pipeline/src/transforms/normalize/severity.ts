/**
 * Severity normalization: every source's own scale is mapped to the 0-100 `event.severity` of
 * the canonical event. Named levels follow the risk scores of common detection tooling:
 * critical 99, high 73, medium 47, low 21, informational 10, debug 0.
 */

export const SEVERITY = { critical: 99, high: 73, medium: 47, low: 21, info: 10, debug: 0 } as const

const NAMED: ReadonlyMap<string, number> = new Map([
  ['critical', 99], ['crit', 99], ['fatal', 99], ['emergency', 99], ['emerg', 99], ['alert', 99], ['panic', 99],
  ['high', 73], ['error', 73], ['err', 73], ['severe', 73], ['major', 73],
  ['medium', 47], ['moderate', 47], ['warning', 47], ['warn', 47],
  ['low', 21], ['notice', 21], ['minor', 21],
  ['info', 10], ['informational', 10], ['information', 10],
  ['debug', 0], ['verbose', 0], ['trace', 0], ['none', 0],
])

/** 0-100 from a level name (`high`, `ERROR`, `Informational`...), else undefined. */
export function severityFromName(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 16) return undefined
  return NAMED.get(v) ?? NAMED.get(v.toLowerCase())
}

/** Suricata `alert.severity`: 1 = high, 2 = medium, 3 = low (4 and beyond: informational). */
export function severityFromSuricata(v: unknown): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return undefined
  return v === 1 ? SEVERITY.high : v === 2 ? SEVERITY.medium : v === 3 ? SEVERITY.low : SEVERITY.info
}

/** Wazuh `rule.level` 0-15 scaled linearly to 0-100. */
export function severityFromWazuhLevel(v: unknown): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 15) return undefined
  return Math.round((v * 100) / 15)
}

/** Syslog severity (PRI & 7): 0 emergency 100, 1 alert / 2 critical 99, 3 error 73 ... 7 debug 0. */
export function severityFromSyslog(sev: number): number | undefined {
  switch (sev) {
    case 0: return 100
    case 1: return SEVERITY.critical
    case 2: return SEVERITY.critical
    case 3: return SEVERITY.high
    case 4: return SEVERITY.medium
    case 5: return SEVERITY.low
    case 6: return SEVERITY.info
    case 7: return SEVERITY.debug
    default: return undefined
  }
}

/** Windows `System/Level`: 1 critical, 2 error, 3 warning, 4 information, 0/5 verbose. */
export function severityFromWindowsLevel(v: unknown): number | undefined {
  switch (v) {
    case 1: case '1': return SEVERITY.critical
    case 2: case '2': return SEVERITY.high
    case 3: case '3': return SEVERITY.medium
    case 4: case '4': return SEVERITY.info
    case 0: case '0': case 5: case '5': return SEVERITY.debug
    default: return undefined
  }
}

/**
 * A severity that is already on the 0-100 scale (number or numeric string), or a level name.
 * Used for producers that send their own value (legacy `severity`, ECS `event.severity`, CSV).
 */
export function severityFromAny(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 && v <= 100 ? Math.round(v) : undefined
  if (typeof v === 'string') {
    const named = severityFromName(v)
    if (named !== undefined) return named
    if (v.length > 0 && v.length <= 6) {
      const n = Number(v)
      if (v.trim().length > 0 && Number.isFinite(n) && n >= 0 && n <= 100) return Math.round(n)
    }
  }
  return undefined
}
