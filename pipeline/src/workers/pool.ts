/**
 * The piscina pool every caller of the transforms uses (live pipeline, replay, benches). The
 * settings every task shares reach each worker once, as `workerData`.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { Config } from '../config/schema.js'
import { checkResult } from './result.js'
import type { StageTimers } from '../telemetry/counters.js'
import { workerSettings, type TransformFailure, type TransformResult, type TransformTask, type WorkerSettings } from './task.js'

/** The compiled transform worker's entry (transform-entry.cjs), whether this module runs from src (tests) or dist. */
export function transformWorkerFile(): string {
  const here = fileURLToPath(new URL('./transform-entry.cjs', import.meta.url))
  if (existsSync(here)) return here
  const dist = here.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`)
  if (existsSync(dist)) return dist
  throw new Error(`worker entry not found at ${here} or ${dist}: run \`npm run build\``)
}

/** The pool as the pipeline uses it: typed tasks in, results checked against their schema out (a ContractError rejects the run). */
export interface TransformPool {
  /** `signal`: aborting stops the task (a running one by replacing its worker thread). */
  run(task: TransformTask, opts?: { signal?: AbortSignal }): Promise<TransformResult | TransformFailure>
  readonly threads: number
  readonly queueSize: number
  /** Share of time the workers were busy since start (0-1). */
  readonly utilization: number
  readonly settings: WorkerSettings
  destroy(): Promise<void>
}

/**
 * A transform allocates short-lived objects per record; a young generation larger than V8's
 * default lets them die in cheap scavenges instead of being promoted (measured: 57k -> 83k
 * records/s per core on the compact corpus). Past 48 MiB it buys no CPU and costs RSS: 48 vs 192
 * MiB gave the same 53-54 us of pipeline CPU per event and 220 MiB less peak RSS with two workers.
 */
export function createTransformPool(config: Pick<Config, 'pipeline' | 'ingest' | 'detect' | 'profile'>, opts: { workers?: number; timers?: StageTimers } = {}): TransformPool {
  const settings = workerSettings(config)
  const workers = opts.workers ?? config.pipeline.workers
  const pool = new Piscina({
    filename: transformWorkerFile(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    workerData: settings,
    resourceLimits: { maxYoungGenerationSizeMb: config.pipeline.workerYoungGenerationMb },
  })
  return {
    run: async (task, runOpts) => {
      const raw: unknown = await pool.run(task, runOpts?.signal ? { signal: runOpts.signal } : undefined)
      const t0 = performance.now()
      const res = checkResult(raw)
      opts.timers?.add('main', 'result check', performance.now() - t0, res.ok ? res.records : 0)
      return res
    },
    get threads() {
      return pool.threads.length
    },
    get queueSize() {
      return pool.queueSize
    },
    get utilization() {
      return pool.utilization
    },
    settings,
    // a worker that never exits must not hold the process's stop forever
    destroy: async () => {
      let timer: NodeJS.Timeout | undefined
      const gaveUp = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 15_000)))
      const done = await Promise.race([pool.destroy().then(() => 'done' as const), gaveUp])
      clearTimeout(timer)
      if (done === 'timeout') process.emitWarning('transform workers did not exit within 15 s of the pool closing', 'WatchfloorWarning')
    },
  }
}
