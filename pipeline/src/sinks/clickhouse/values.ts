/** Values as the Watchfloor tables take them. */

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
