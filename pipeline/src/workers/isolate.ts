/**
 * Poison records. A worker task that throws, kills its thread or runs past
 * `PIPELINE_TASK_TIMEOUT_MS` (a Sigma regex backtracking without end on one record) must not fail
 * the batch again and again, nor hang the pipeline: the worker tells the main thread which record
 * it is on through a shared word, so the main thread knows the culprit at once. That record is
 * dead-lettered (RECORD_UNPROCESSABLE), the records before and after it run again (a stopped
 * thread is replaced by the pool), and the process keeps going.
 */
import type { TransformPool } from './pool.js'
import { PROGRESS_NOT_STARTED, PROGRESS_WHOLE, type FramedRecord, type TransformFailure, type TransformResult, type TransformTask } from './task.js'

/** Why a task was cut around a record (for the log and the counters). */
export interface Poisoned {
  reason: string
  line?: number
}

export interface IsolateOptions {
  timeoutMs: number
  onPoison?: (p: Poisoned) => void
}

/** Thrown when the worker failed before or after its records (nothing to cut around): the whole task failed, retryable. */
export class TaskFailed extends Error {}

/** Runs one task; a record that stops its worker comes back as a RECORD_UNPROCESSABLE error among the others' results, in record order. */
export async function runIsolated(pool: TransformPool, task: TransformTask, opts: IsolateOptions): Promise<Array<TransformResult | TransformFailure>> {
  const progress = new Int32Array(new SharedArrayBuffer(8))
  progress[0] = PROGRESS_NOT_STARTED
  const ac = new AbortController()
  let timer: NodeJS.Timeout | undefined
  // the limit counts from when a worker took the task (progress[1] set), not from the queue
  const arm = (): void => {
    timer = setTimeout(() => {
      if (Atomics.load(progress, 1) === 0) arm()
      else ac.abort(new Error(`the task ran longer than PIPELINE_TASK_TIMEOUT_MS (${opts.timeoutMs} ms)`))
    }, opts.timeoutMs)
    timer.unref()
  }
  arm()
  let failure: string
  try {
    return [await pool.run({ ...task, progress }, { signal: ac.signal })]
  } catch (err) {
    failure = ac.signal.aborted ? (ac.signal.reason as Error).message : `the worker failed: ${(err as Error).message}`
  } finally {
    clearTimeout(timer)
  }
  const at = Atomics.load(progress, 0)
  if (at === PROGRESS_WHOLE) return [{ ok: false, code: 'RECORD_UNPROCESSABLE', reason: `${failure}; the body is one document, kept as a dead letter` }]
  const parts = at >= 0 ? splitAround(task, at) : undefined
  if (!parts) throw new TaskFailed(failure)
  const reason = `${failure} on this record; its worker was replaced and the other records of the task ran again`
  opts.onPoison?.({ reason, ...(parts.line !== undefined ? { line: parts.line } : {}) })
  const before = parts.before ? await runIsolated(pool, parts.before, opts) : []
  const after = parts.after ? await runIsolated(pool, parts.after, opts) : []
  return [...before, poisonResult(reason, parts.raw, parts.line), ...after]
}

/** A task's records before `at`, the one at `at`, and those after it (line framings: `at` is a line number; framed records: an index). */
export function splitAround(task: TransformTask, at: number): { before?: TransformTask; raw: string; line?: number; after?: TransformTask } | undefined {
  if (task.framing === 'records') {
    const records = task.records ?? []
    const record = records[at]
    if (!record) return undefined
    const part = (rs: FramedRecord[]): TransformTask | undefined => (rs.length > 0 ? { ...task, records: rs, lines: rs.length } : undefined)
    const before = part(records.slice(0, at))
    const after = part(records.slice(at + 1))
    return { raw: record.raw, ...(before ? { before } : {}), ...(after ? { after } : {}) }
  }
  if (task.framing !== 'ndjson' && task.framing !== 'text') return undefined
  const text = task.text
  let start = 0
  for (let line = task.firstLine; line < at; line++) {
    const nl = text.indexOf('\n', start)
    if (nl === -1) return undefined
    start = nl + 1
  }
  let end = text.indexOf('\n', start)
  if (end === -1) end = text.length
  let raw = text.slice(start, end)
  if (raw.endsWith('\r')) raw = raw.slice(0, -1)
  const total = task.lines ?? Number.MAX_SAFE_INTEGER
  const beforeText = text.slice(0, start)
  const afterText = text.slice(end + 1)
  const before: TransformTask | undefined = beforeText.trim() !== '' ? { ...task, text: beforeText, lines: at - task.firstLine } : undefined
  const after: TransformTask | undefined = afterText.trim() !== '' ? { ...task, text: afterText, firstLine: at + 1, lines: Math.max(1, total - (at - task.firstLine) - 1) } : undefined
  return { raw, line: at, ...(before ? { before } : {}), ...(after ? { after } : {}) }
}

/** The result of a task of one record that could not be processed: that record as an error, nothing else. */
function poisonResult(reason: string, raw: string, line: number | undefined): TransformResult {
  return {
    ok: true,
    records: 1,
    rows: new Uint8Array(0),
    ids: [],
    errors: [{ index: 0, code: 'RECORD_UNPROCESSABLE', reason, raw, ...(line !== undefined ? { line } : {}) }],
    decoders: {},
    statuses: {},
    alerts: [],
    signals: [],
    profiles: [],
  }
}

/**
 * The results of one task cut around its poison records, as the one result the task would have
 * given (indices of errors, alerts and signals shifted by the records before them). For callers
 * that keep one result per task (replay).
 */
export function mergeResults(results: ReadonlyArray<TransformResult | TransformFailure>): TransformResult | TransformFailure {
  if (results.length === 1) return results[0]!
  const failed = results.find((r): r is TransformFailure => !r.ok)
  if (failed) return failed
  const ok = results as TransformResult[]
  const out: TransformResult = { ok: true, records: 0, rows: new Uint8Array(ok.reduce((n, r) => n + r.rows.length, 0)), ids: [], errors: [], decoders: {}, statuses: {}, alerts: [], signals: [], profiles: [] }
  let bytes = 0
  for (const r of ok) {
    const at = out.records
    out.rows.set(r.rows, bytes)
    bytes += r.rows.length
    out.ids.push(...r.ids)
    for (const e of r.errors) out.errors.push({ ...e, index: e.index + at })
    for (const a of r.alerts) out.alerts.push({ ...a, index: a.index + at })
    for (const s of r.signals) out.signals.push({ ...s, index: s.index + at })
    out.profiles.push(...r.profiles)
    for (const [k, v] of Object.entries(r.decoders)) out.decoders[k] = (out.decoders[k] ?? 0) + v
    for (const [k, v] of Object.entries(r.statuses)) out.statuses[k] = (out.statuses[k] ?? 0) + v
    out.records += r.records
  }
  return out
}
