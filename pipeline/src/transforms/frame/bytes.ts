/**
 * Records that are not valid UTF-8 keep their exact bytes. Text in the pipeline is a JS string,
 * and decoding invalid UTF-8 into one replaces each bad sequence with U+FFFD for good. So where
 * bytes arrive (the HTTP body, a Kafka message) each line that is not valid UTF-8 travels as an
 * envelope, `{"__watchfloor_bytes": "<base64>", "as": "ndjson"|"text"}`; the worker decodes the
 * record from its text (U+FFFD in place of the bad sequences, so its fields still work), stores
 * the base64 as `original` with `original_encoding = base64` and a decode note, and a refused
 * one is dead-lettered as the envelope. Valid lines are untouched.
 */
import { isUtf8 } from 'node:buffer'

export const BYTES_KEY = '__watchfloor_bytes'
const PREFIX = `{"${BYTES_KEY}":"`

export interface BytesRecord {
  /** The bytes as UTF-8 text with U+FFFD for each invalid sequence (what decoders read). */
  text: string
  /** The exact bytes, base64. */
  base64: string
  /** How the line is read: a JSON record or a text line. */
  as: 'ndjson' | 'text'
  /** The envelope as it travelled (what a dead letter keeps). */
  envelope: string
}

/** The envelope of one line of bytes. */
export function bytesEnvelope(line: Uint8Array, as: 'ndjson' | 'text'): string {
  return JSON.stringify({ [BYTES_KEY]: Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('base64'), as })
}

/** The record inside an envelope, or undefined for any other line (cheap: a prefix check first). */
export function unwrapBytes(raw: string): BytesRecord | undefined {
  if (!raw.startsWith(PREFIX)) return undefined
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return undefined
  }
  const o = v as Record<string, unknown>
  const b64 = o[BYTES_KEY]
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined
  const bytes = Buffer.from(b64, 'base64')
  let text = bytes.toString('utf8')
  if (text.endsWith('\r')) text = text.slice(0, -1)
  return { text, base64: b64, as: o.as === 'text' ? 'text' : 'ndjson', envelope: raw }
}

/**
 * A line-framed body as text: valid UTF-8 as is (the common case: one check, one decode); else
 * each line that is not valid UTF-8 as its envelope. `invalid` counts those lines. `auto` (a
 * Kafka message): a line starting with { or [ is read as JSON, any other as text.
 */
export function linesWithBytes(body: Buffer, as: 'ndjson' | 'text' | 'auto'): { text: string; invalid: number } {
  if (isUtf8(body)) return { text: body.toString('utf8'), invalid: 0 }
  const parts: string[] = []
  let invalid = 0
  let start = 0
  while (start <= body.length) {
    let end = body.indexOf(0x0a, start)
    if (end === -1) end = body.length
    const line = body.subarray(start, end)
    if (isUtf8(line)) parts.push(line.toString('utf8'))
    else {
      const c = as === 'auto' ? line.toString('utf8').trimStart()[0] : undefined
      parts.push(bytesEnvelope(line, as !== 'auto' ? as : c === '{' || c === '[' ? 'ndjson' : 'text'))
      invalid++
    }
    start = end + 1
  }
  return { text: parts.join('\n'), invalid }
}

/** Byte offset of the first invalid UTF-8 sequence (for a refusal that says where), or -1. */
export function firstInvalidUtf8(body: Buffer): number {
  if (isUtf8(body)) return -1
  let i = 0
  while (i < body.length) {
    const c = body[i]!
    const more = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1
    // a lead byte that cannot start a sequence, or a sequence cut short, overlong or a surrogate
    if (more < 0 || !isUtf8(body.subarray(i, i + more + 1)) || i + more >= body.length) return i
    i += more + 1
  }
  return body.length
}
