/**
 * A write run every `ms` and once more on close, one run at a time: a run never starts before the
 * previous one ended, so a slow store delays the next write instead of stacking them. `run`
 * handles its own failures (count them, keep what was not written for the next run).
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined
  private last: Promise<void> = Promise.resolve()

  constructor(
    private readonly run: () => Promise<void>,
    private readonly ms: number,
  ) {}

  /** Starts the timer; the first run waits for `first` (e.g. loading what is stored) to settle. */
  start(first?: Promise<unknown>): void {
    if (first !== undefined) this.last = first.then(
      () => undefined,
      () => undefined,
    )
    this.timer = setInterval(() => void this.now(), this.ms)
    this.timer.unref()
  }

  /** A run after the one in progress; resolves when it ended. */
  now(): Promise<void> {
    this.last = this.last.then(this.run)
    return this.last
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.now()
  }
}
