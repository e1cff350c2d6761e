import { describe, expect, it } from 'vitest'
import { chunkLines } from './lines.js'
import { parseCsv } from './csv.js'
import { exceedsDepth } from './json.js'

describe('chunkLines', () => {
  it('splits on line boundaries and numbers chunks by their first line', () => {
    const text = 'a\nb\nc\nd\ne'
    const chunks = chunkLines(text, 2)
    expect(chunks.map((c) => [c.text, c.firstLine])).toEqual([
      ['a\nb\n', 1],
      ['c\nd\n', 3],
      ['e', 5],
    ])
    expect(chunks.map((c) => c.text).join('')).toBe(text)
  })
  it('handles a trailing newline without an empty chunk', () => {
    expect(chunkLines('a\nb\n', 5)).toEqual([{ text: 'a\nb\n', firstLine: 1, lines: 2 }])
  })
})

describe('parseCsv', () => {
  it('handles quotes, escaped quotes, commas and newlines in fields, CRLF', () => {
    const r = parseCsv('time,name,ip\r\n1,"a, ""b""",1.2.3.4\r\n2,"multi\nline",5.6.7.8\r\n')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.header).toEqual(['time', 'name', 'ip'])
    expect(r.rows.map((x) => x.cells.name)).toEqual(['a, "b"', 'multi\nline'])
    expect(r.rows.map((x) => x.line)).toEqual([2, 3])
  })
  it('reports a row whose cell count differs from the header', () => {
    const r = parseCsv('a,b\n1,2\n1,2,3\n')
    if (!r.ok) throw new Error('expected ok')
    expect(r.rows[1]!.error).toMatch(/3 cells, header has 2/)
    expect(r.rows[0]!.error).toBeUndefined()
  })
})

describe('exceedsDepth', () => {
  it('counts nesting of objects and arrays but not brackets inside strings', () => {
    expect(exceedsDepth('{"a":{"b":[1]}}', 3)).toBe(false)
    expect(exceedsDepth('{"a":{"b":[[1]]}}', 3)).toBe(true)
    expect(exceedsDepth(`{"s":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 3)).toBe(false)
  })
})

describe('record size limit (worker)', () => {
  it('counts UTF-8 bytes, not UTF-16 units', async () => {
    const { createTransform } = await import('../../workers/transform.js')
    const transform = createTransform({ maxRecordBytes: 40, maxDepth: 8, maxClockSkewMs: 300_000, ruleDirs: [], profile: false })
    const task = (text: string) => ({ framing: 'ndjson' as const, text, source: 't', ingested: '2026-01-01T00:00:00.000Z', firstLine: 1 })
    // 15 characters of 3 UTF-8 bytes each: 19 UTF-16 units with the JSON around them, but 49 bytes.
    const wide = JSON.stringify({ m: '€'.repeat(15) })
    const narrow = JSON.stringify({ m: 'e'.repeat(15) })
    const res = transform(task(`${wide}\n${narrow}`))
    if (!res.ok) throw new Error('task failed')
    expect(res.errors.map((e) => [e.index, e.code])).toEqual([[0, 'RECORD_TOO_LARGE']])
    expect(res.ids).toHaveLength(1)
  })
})
