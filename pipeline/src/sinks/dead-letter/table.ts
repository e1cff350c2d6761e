/**
 * The dead-letter table: every record refused (by a source's framing or by a worker) is kept in
 * ClickHouse `dead_letters` with its code, reason, request id, index and raw text, so a user can
 * inspect it and replay it. Nothing refused disappears.
 */
import type { RejectedRecord } from '../../errors.js'
import { deadLetterRows, type DeadLetterOrigin, type EncodedRows } from '../clickhouse/rows.js'

export class DeadLetterTable {
  /** `store` makes rows durable (the disk buffer, or the ClickHouse sink). */
  constructor(private readonly store: (rows: EncodedRows) => Promise<void>) {}

  async write(origin: DeadLetterOrigin, rejected: readonly RejectedRecord[], receivedIso = new Date().toISOString()): Promise<void> {
    if (rejected.length === 0) return
    await this.store(deadLetterRows(origin, receivedIso, rejected))
  }
}
