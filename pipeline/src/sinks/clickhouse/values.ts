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

/** A lone surrogate as JSON.stringify writes it (`\ud800`), not after an escaped backslash. */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi

/**
 * JSON for a JSONEachRow line. Log text may hold a lone UTF-16 surrogate (a broken emoji, a
 * hostile record); JSON.stringify writes it as `\ud800`, which ClickHouse refuses, and one such
 * value would fail the whole insert. It becomes U+FFFD, the character any UTF-8 reader shows for it.
 */
export function rowJson(value: unknown): string {
  const s = JSON.stringify(value)
  return s.includes('\\ud') || s.includes('\\uD') ? s.replace(LONE_SURROGATE, '$1\\ufffd') : s
}
