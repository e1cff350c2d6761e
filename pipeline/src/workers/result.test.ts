/** Worker results are checked where they enter the main thread: a real one passes, a malformed one is refused with its path. */
import { describe, expect, it } from 'vitest'
import { ContractError } from '@watchfloor/contracts'
import { createTransform } from './transform.js'
import { checkResult } from './result.js'

const transform = createTransform({ maxRecordBytes: 1 << 20, maxDepth: 64, maxClockSkewMs: 300_000, ruleDirs: [], profile: true })
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

describe('event times from the future', () => {
  it('sets a time beyond the allowed skew past the ingest time to the ingest time, and says so; replayed files keep theirs', () => {
    const rec = '{"event_type":"ssh_failed_login","source_ip":"203.0.113.7","timestamp":"2099-12-31T00:00:00Z"}\n{"event_type":"ssh_failed_login","source_ip":"203.0.113.7","timestamp":"2026-01-01T00:04:00Z"}'
    const live = transform({ ...task(rec), source: 'http' })
    if (!live.ok) throw new Error('task failed')
    const text = Buffer.from(live.rows).toString()
    const [future, near] = text.trim().split('\n').map((l) => JSON.parse(l) as { timestamp: string; decode_status?: string; decode_notes?: string[] })
    expect(future!.timestamp).toBe('2026-01-01 00:00:00.000')
    expect(future!.decode_status).toBe('partial')
    expect(future!.decode_notes![0]).toMatch(/more than 300 s after the ingest time/)
    expect(near!.timestamp).toBe('2026-01-01 00:04:00.000') // within the 5 minutes allowed
    const replayed = transform({ ...task(rec), source: 'file' })
    if (!replayed.ok) throw new Error('task failed')
    expect(Buffer.from(replayed.rows).toString()).toContain('2099-12-31 00:00:00.000')
  })
})
