/** Lines that are not valid UTF-8 travel as envelopes of their exact bytes. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { firstInvalidUtf8, linesWithBytes, unwrapBytes } from './bytes.js'

describe('bytes envelopes', () => {
  it('leaves a valid body alone and wraps each invalid line, which unwraps to its exact bytes', () => {
    const body = Buffer.concat([Buffer.from('{"a":"ü"}\n'), Buffer.from([0x7b, 0x22, 0x62, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), Buffer.from('\nplain\n')])
    const { text, invalid } = linesWithBytes(body, 'auto')
    expect(invalid).toBe(1)
    const lines = text.split('\n')
    expect(lines[0]).toBe('{"a":"ü"}')
    expect(lines[2]).toBe('plain')
    const env = unwrapBytes(lines[1]!)!
    expect(env.as).toBe('ndjson')
    expect(env.text).toBe('{"b":"\uFFFD"}')
    expect(Buffer.from(env.base64, 'base64').equals(body.subarray(11, 20))).toBe(true)
    expect(linesWithBytes(Buffer.from('ok\n'), 'text')).toEqual({ text: 'ok\n', invalid: 0 })
    expect(unwrapBytes(linesWithBytes(Buffer.from([0x61, 0xc3]), 'auto').text)!.as).toBe('text')
  })

  it('takes only a well-formed envelope', () => {
    expect(unwrapBytes('{"__watchfloor_bytes":"not base64!"}')).toBeUndefined()
    expect(unwrapBytes('{"__watchfloor_bytes":"YQ==","as":"text"')).toBeUndefined()
    expect(unwrapBytes('{"event":"x"}')).toBeUndefined()
  })

  it('keeps any bytes exactly, line by line (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a.filter((b) => b !== 0x0a))), { maxLength: 8 }), (lines) => {
        const body = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]))
        const back = linesWithBytes(body, 'auto').text.split('\n').map((l) => {
          const env = unwrapBytes(l)
          return env ? Buffer.from(env.base64, 'base64') : Buffer.from(l, 'utf8')
        })
        expect(Buffer.concat(back.flatMap((b, i) => (i < back.length - 1 ? [b, Buffer.from('\n')] : [b]))).equals(body)).toBe(true)
      }),
    )
  })

  it('names the offset of the first invalid byte', () => {
    expect(firstInvalidUtf8(Buffer.from('valid ü'))).toBe(-1)
    expect(firstInvalidUtf8(Buffer.concat([Buffer.from('abü'), Buffer.from([0xc3])]))).toBe(4)
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1) // a UTF-16 surrogate, encoded
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1) // overlong
  })
})
