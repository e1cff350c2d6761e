/**
 * The hourly budget of LLM calls and tokens (LLM_HOURLY_CALLS, LLM_HOURLY_TOKENS) over a sliding
 * hour: a request is refused before it is sent once either total of the last hour reached its
 * limit, so an incident storm cannot turn into an unbounded bill. Tokens are known only after the
 * answer, so the last call of an hour may overshoot the token limit by its own size.
 */

const HOUR_MS = 3_600_000

export interface BudgetLimits {
  /** Most calls in any hour (0: none). */
  calls: number
  /** Most prompt + completion tokens in any hour (0: none). */
  tokens: number
}

export interface BudgetUse {
  calls: number
  tokens: number
}

export class HourlyBudget {
  /** One entry per call, oldest first: when it was sent and the tokens it used once answered. */
  private readonly entries: Array<{ at: number; tokens: number }> = []

  constructor(
    private readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The calls and tokens of the last hour. */
  used(): BudgetUse {
    this.expire()
    let tokens = 0
    for (const e of this.entries) tokens += e.tokens
    return { calls: this.entries.length, tokens }
  }

  /**
   * Takes one call from the budget, or says why not (the limit that is reached). The returned
   * `settle` records the call's tokens once its answer is in; `cancel` gives the call back (a
   * request the server refused to serve, such as a 429).
   */
  take(): { ok: true; settle: (tokens: number) => void; cancel: () => void } | { ok: false; reason: string } {
    const use = this.used()
    if (use.calls >= this.limits.calls) return { ok: false, reason: `${use.calls} calls in the last hour (limit ${this.limits.calls})` }
    if (use.tokens >= this.limits.tokens) return { ok: false, reason: `${use.tokens} tokens in the last hour (limit ${this.limits.tokens})` }
    const entry = { at: this.now(), tokens: 0 }
    this.entries.push(entry)
    return {
      ok: true,
      settle: (tokens) => {
        entry.tokens += Math.max(0, tokens)
      },
      cancel: () => {
        const i = this.entries.indexOf(entry)
        if (i >= 0) this.entries.splice(i, 1)
      },
    }
  }

  private expire(): void {
    const since = this.now() - HOUR_MS
    let n = 0
    while (n < this.entries.length && this.entries[n]!.at <= since) n++
    if (n > 0) this.entries.splice(0, n)
  }
}
