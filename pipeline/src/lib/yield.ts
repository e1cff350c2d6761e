/**
 * Long main-thread work (saving thousands of profiles or correlation windows) done in slices,
 * with the event loop let through between them: ingest requests, Kafka batches and API reads wait
 * for a slice, not for the whole run (measured: a 5 s profile flush held the loop 300-430 ms).
 */

/** Resolves after the event loop has run what was waiting (I/O callbacks, timers). */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** `f` over `items`, `slice` at a time, yielding to the event loop between slices. */
export async function mapInSlices<T, R>(items: readonly T[], slice: number, f: (item: T) => R): Promise<R[]> {
  const out: R[] = []
  for (let i = 0; i < items.length; i += slice) {
    if (i > 0) await yieldToLoop()
    const end = Math.min(items.length, i + slice)
    for (let j = i; j < end; j++) out.push(f(items[j]!))
  }
  return out
}
