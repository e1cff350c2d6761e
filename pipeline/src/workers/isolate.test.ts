/**
 * Poison records cut out of their task: a pool whose worker dies on a record (a stand-in for the
 * thread, the transform itself is the real one) and one whose worker never returns. The real
 * worker thread stopped by the time limit is in api/test/integration/poison.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { mergeResults, runIsolated, splitAround, TaskFailed } from './isolate.js'
import type { TransformPool } from './pool.js'
import { createTransform } from './transform.js'
import type { TransformFailure, TransformResult, TransformTask } from './task.js'

const transform = createTransform({ maxRecordBytes: 1 << 20, maxDepth: 64, maxClockSkewMs: 0, ruleDirs: [], profile: false })
const line = (n: number, poison = false) => JSON.stringify({ event_type: poison ? 'POISON' : 'login', source_ip: '10.0.0.1', n, timestamp: '2026-11-20T08:15:30Z' })

/** Runs the real transform, except that the "thread" dies (or hangs) on a record holding POISON, after marking it as the worker does. */
function poisonPool(mode: 'crash' | 'hang'): TransformPool & { calls: number } {
  const pool = {
    calls: 0,
    threads: 1,
    queueSize: 0,
    utilization: 0,
    settings: { maxRecordBytes: 1 << 20, maxDepth: 64, maxClockSkewMs: 0, ruleDirs: [], profile: false },
    destroy: async () => undefined,
    run: (task: TransformTask, opts?: { signal?: AbortSignal }): Promise<TransformResult | TransformFailure> => {
      pool.calls++
      const progress = task.progress!
      Atomics.store(progress, 1, 1)
      const items = task.framing === 'records' ? (task.records ?? []).map((r, i) => [i, r.raw] as const) : task.text.split('\n').map((t, i) => [task.firstLine + i, t] as const)
      for (const [at, text] of items) {
        if (!text.includes('POISON')) continue
        progress[0] = at
        if (mode === 'crash') return Promise.reject(new Error('worker exited with code 1'))
        return new Promise((_resolve, reject) => opts?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))
      }
      return Promise.resolve(transform(task))
    },
  }
  return pool
}

const ndjson = (lines: string[], firstLine = 1): TransformTask => ({ framing: 'ndjson', text: lines.join('\n') + '\n', source: 'http', ingested: '2026-11-20T08:16:00.000Z', firstLine, lines: lines.length })

function summary(results: Array<TransformResult | TransformFailure>) {
  const ok = results.filter((r): r is TransformResult => r.ok)
  return { records: ok.reduce((n, r) => n + r.records, 0), ids: ok.reduce((n, r) => n + r.ids.length, 0), errors: ok.flatMap((r) => r.errors.map((e) => ({ code: e.code, line: e.line, raw: e.raw }))) }
}

describe('poison records', () => {
  it('dead-letters the record a worker crashed on and runs the records before and after it again', async () => {
    const lines = [line(1), line(2), line(3, true), line(4), line(5)]
    const pool = poisonPool('crash')
    const seen: number[] = []
    const results = await runIsolated(pool, ndjson(lines, 11), { timeoutMs: 60_000, onPoison: (p) => seen.push(p.line!) })
    const s = summary(results)
    expect(s.records).toBe(5)
    expect(s.ids).toBe(4)
    expect(s.errors).toEqual([{ code: 'RECORD_UNPROCESSABLE', line: 13, raw: lines[2] }])
    expect(seen).toEqual([13])
    // the failed run, then the two records before and the two after
    expect(pool.calls).toBe(3)
    // as one result (replay): indices shifted by the records before, rows joined
    const merged = mergeResults(results)
    if (!merged.ok) throw new Error(merged.reason)
    expect(merged).toMatchObject({ records: 5, errors: [{ index: 2, line: 13 }] })
    expect(new TextDecoder().decode(merged.rows).trim().split('\n').map((r) => (JSON.parse(r) as { original: { n: number } }).original.n)).toEqual([1, 2, 4, 5])
  })

  it('cuts out every poison record of a task, first, last and neighbours', async () => {
    const lines = [line(1, true), line(2), line(3, true), line(4, true), line(5), line(6, true)]
    const s = summary(await runIsolated(poisonPool('crash'), ndjson(lines), { timeoutMs: 60_000 }))
    expect(s.records).toBe(6)
    expect(s.ids).toBe(2)
    expect(s.errors.map((e) => e.line)).toEqual([1, 3, 4, 6])
  })

  it('stops a task that runs past the time limit and blames the record it was on', async () => {
    const lines = [line(1), line(2, true), line(3)]
    const s = summary(await runIsolated(poisonPool('hang'), ndjson(lines), { timeoutMs: 200 }))
    expect(s.ids).toBe(2)
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]!.line).toBe(2)
  })

  it('works on records framed by their source (Kafka), by index', async () => {
    const records = [line(1), line(2, true), line(3)].map((raw, i) => ({ kind: 'json' as const, raw, id: `kafka-${i}` }))
    const results = await runIsolated(poisonPool('crash'), { framing: 'records', text: '', records, source: 'kafka', ingested: '2026-11-20T08:16:00.000Z', firstLine: 1, lines: 3 }, { timeoutMs: 60_000 })
    const ok = results.filter((r): r is TransformResult => r.ok)
    expect(ok.flatMap((r) => r.ids)).toEqual(['kafka-0', 'kafka-2'])
    expect(summary(results).errors).toEqual([{ code: 'RECORD_UNPROCESSABLE', line: undefined, raw: records[1]!.raw }])
  })

  it('fails a whole-document body (JSON, CSV) as unprocessable, and a task that failed before any record as retryable', async () => {
    const pool = poisonPool('crash')
    pool.run = (task) => {
      task.progress![0] = task.framing === 'json' ? -3 : -1
      return Promise.reject(new Error('worker exited'))
    }
    const json = await runIsolated(pool, { framing: 'json', text: '[{"a":1}]', source: 'http', ingested: '2026-11-20T08:16:00.000Z', firstLine: 1 }, { timeoutMs: 60_000 })
    expect(json).toEqual([{ ok: false, code: 'RECORD_UNPROCESSABLE', reason: expect.stringMatching(/worker failed.*one document/) }])
    await expect(runIsolated(pool, ndjson([line(1)]), { timeoutMs: 60_000 })).rejects.toBeInstanceOf(TaskFailed)
  })

  it('splits line-framed text keeping CRLF endings, blank lines and the line numbers', () => {
    const task = ndjson(['a', '', 'b\r', 'c', 'd'], 5)
    const parts = splitAround(task, 8)!
    expect(parts.raw).toBe('c')
    expect(parts.before!.text).toBe('a\n\nb\r\n')
    expect(parts.after).toMatchObject({ text: 'd\n', firstLine: 9 })
    expect(splitAround(task, 20)).toBeUndefined()
  })
})

describe('bounded regex evaluation', () => {
  it('a case-sensitive Sigma regex that backtracks without end finishes at once in a worker (V8 linear-time fallback)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'watchfloor-regex-'))
    try {
      writeFileSync(
        path.join(dir, 'nested.yml'),
        'title: nested quantifier\nid: 0b6a2f55-2f39-4d4e-9d0c-8d1f5d7a9e01\nlogsource: {product: windows, category: process_creation}\ndetection:\n  selection:\n    CommandLine|re: \'^(a+)+$\'\n  condition: selection\nlevel: low\n',
      )
      const detect = createTransform({ maxRecordBytes: 1 << 20, maxDepth: 64, maxClockSkewMs: 0, ruleDirs: [dir], profile: false })
      const rec = (cmd: string) => JSON.stringify({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Hostname: 'h', UtcTime: '2026-11-24 10:00:00.000', Image: 'C:\\x.exe', CommandLine: cmd })
      // 2^28 backtracking steps without the fallback: ~10 s here (2^50 would never end); with it, a few
      // ms. Bounded against unbounded, not a speed target: the margin is three orders of magnitude.
      const t0 = performance.now()
      const res = detect(ndjson([rec('a'.repeat(28) + '!'), rec('aaaa')]))
      expect(performance.now() - t0).toBeLessThan(3000)
      if (!res.ok) throw new Error(res.reason)
      expect(res.ids).toHaveLength(2)
      expect(res.alerts.map((a) => a.index)).toEqual([1])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
