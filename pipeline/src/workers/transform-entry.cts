/**
 * The file piscina loads in each worker thread: CommonJS on purpose. Piscina loads its worker
 * file with `require()` first, and on Node 20.19+ `require()` of an ES module instantiates its
 * whole graph synchronously; a thread terminated in the middle of that (the pool replacing a
 * stopped worker, or closing) brought the process down with a V8 fatal error ("IsGraphAsync must
 * be used on an instantiated module", seen in CI). This file loads the ES module transform with
 * `import()`, which a termination interrupts cleanly.
 */
import type { TransformFailure, TransformResult, TransformTask } from './task.js'

type Transform = (task: TransformTask) => TransformResult | TransformFailure
let handler: Promise<Transform> | undefined

export = async function transformEntry(task: TransformTask): Promise<TransformResult | TransformFailure> {
  handler ??= import('./transform.js').then((m) => m.default)
  return (await handler)(task)
}
