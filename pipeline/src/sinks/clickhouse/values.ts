/** Values as the Watchfloor tables take them, and documents as they come back. */
import { ContractError } from '@watchfloor/contracts'
import type { ComponentCounters } from '../../telemetry/counters.js'

/** ISO 8601 (`2026-11-23T10:00:00.000Z`) -> ClickHouse DateTime64(3, 'UTC') text (`2026-11-23 10:00:00.000`). */
export function chTime(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '').slice(0, 23)
}

let seq = 0

/**
 * A version for ReplacingMergeTree(version) rows that grows across restarts and processes:
 * wall-clock microseconds plus a counter for rows written within the same millisecond.
 */
export function nextVersion(): number {
  seq = (seq + 1) % 1000
  return Date.now() * 1000 + seq
}

/**
 * A stored JSON document read back through its contract: the typed document, or undefined when
 * it does not match (a document of an older version, or damaged), counted on `invalid` with the
 * catalogue's reason. The caller skips it instead of failing every read that meets it.
 */
export function storedDocument<T>(doc: string, parse: (json: string) => T, invalid: ComponentCounters | undefined): T | undefined {
  try {
    return parse(doc)
  } catch (err) {
    if (!(err instanceof ContractError)) throw err
    invalid?.drop('contract_invalid')
    return undefined
  }
}
