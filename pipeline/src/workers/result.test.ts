/** Worker results are checked where they enter the main thread: a real one passes, a malformed one is refused with its path. */
import { describe, expect, it } from 'vitest'
import { ContractError } from '@watchfloor/contracts'
import { createTransform } from './transform.js'
import { checkResult } from './result.js'

const transform = createTransform({ maxRecordBytes: 1 << 20, maxDepth: 64, ruleDirs: [], profile: true })
const task = (text: string) => ({ framing: 'ndjson' as const, text, source: 't', ingested: '2026-01-01T00:00:00.000Z', firstLine: 1 })

describe('worker result contract', () => {
  it('accepts what the transform returns, rows, errors and profile deltas included', () => {
    const res = transform(task('{"event_type":"ssh_failed_login","source_ip":"203.0.113.7","timestamp":"2026-11-20T08:15:30Z"}\nnot json'))
    expect(checkResult(res)).toBe(res)
    if (!res.ok) throw new Error('task failed')
    expect(res.errors[0]!.code).toBe('INGEST_MALFORMED_JSON')
    expect(res.profiles.length).toBeGreaterThan(0)
    expect(checkResult({ ok: false, code: 'INGEST_MALFORMED_JSON', reason: 'malformed JSON' }).ok).toBe(false)
  })

  it('refuses a result with a missing field, a wrong type or a code outside the catalogue, naming the path', () => {
    const res = transform(task('{"a":1}'))
    if (!res.ok) throw new Error('task failed')
    const { ids: _ids, ...noIds } = res
    expect(() => checkResult(noIds)).toThrow(ContractError)
    expect(() => checkResult({ ...res, rows: 'text' })).toThrow(/\/rows/)
    expect(() => checkResult({ ...res, errors: [{ index: 0, code: 'MADE_UP', reason: 'x', raw: '' }] })).toThrow(/\/errors\/0\/code/)
    expect(() => checkResult(undefined)).toThrow(/worker result/)
  })
})
