/**
 * The file source: turns replay inputs into records, numbered from 1 in the order read.
 * INPUT is `.json` (an object, an array, or NDJSON under a .json name as OTRF ships it),
 * `.ndjson`/`.jsonl`, `.csv` with a header row (the header is not a record), any other name as
 * text lines (a Zeek ASCII log with its `#fields` header: one Zeek JSON entry per row), `.gz` of any of these, `.zip` holding any of these (numbering runs across the
 * archive's files, in name order), or `-` for standard input (format sniffed from the content).
 * Records keep their raw text; parsing and decoding happen in the workers, as for every source.
 */
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { unzipSync } from 'fflate'
import { parseCsv } from '../../transforms/frame/csv.js'
import { expandRecords } from '../../transforms/decode/cloudtrail.js'
import { isZeekTsv, parseZeekTsv } from '../../transforms/frame/zeek_tsv.js'

export type RecordKind = 'json' | 'csv' | 'text'

export interface FileRecord {
  /** The input as given on the command line (`-` for stdin). */
  input: string
  /** 1-based record number within the input (across an archive's files). */
  line: number
  kind: RecordKind
  /** JSON text, CSV row, or text line. */
  raw: string
  /** CSV rows: the cells by header name. */
  cells?: Record<string, string>
}

export interface ReadOptions {
  /** Where `-` reads from (default: process.stdin). */
  stdin?: AsyncIterable<Uint8Array | string>
}

/** A problem with a whole input (unreadable file, CSV without header): reported, never thrown. */
export interface InputProblem {
  input: string
  reason: string
}

async function readAll(src: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of src) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c))
  return Buffer.concat(chunks)
}

function* lines(text: string): Generator<string> {
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    let l = text.slice(start, end)
    if (l.endsWith('\r')) l = l.slice(0, -1)
    if (l.trim().length > 0) yield l
    start = end + 1
  }
}

type Emit = (kind: RecordKind, raw: string, cells?: Record<string, string>) => void

function jsonRecords(text: string, emit: Emit): void {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown
    let parsed = false
    try {
      value = JSON.parse(text)
      parsed = true
    } catch {
      // several documents, one per line (NDJSON under a .json name)
    }
    if (parsed) {
      const items = Array.isArray(value) ? value : (expandRecords(value) ?? null)
      if (items === null) emit('json', text.trim())
      else for (const item of items) emit('json', JSON.stringify(item) ?? 'null')
      return
    }
  }
  for (const l of lines(text)) {
    // A CloudTrail file wrapper on one line still yields one record per event.
    if (l.includes('"Records"')) {
      try {
        const items = expandRecords(JSON.parse(l))
        if (items) {
          for (const item of items) emit('json', JSON.stringify(item) ?? 'null')
          continue
        }
      } catch {
        // not JSON: the worker reports it
      }
    }
    emit('json', l)
  }
}

function byName(name: string, bytes: Uint8Array, emit: Emit, problems: InputProblem[], input: string): void {
  const lower = name.toLowerCase()
  if (lower.endsWith('.gz')) {
    let inner: Buffer
    try {
      inner = gunzipSync(bytes)
    } catch (err) {
      problems.push({ input, reason: `${name}: not a valid gzip file (${(err as Error).message})` })
      return
    }
    return byName(name.slice(0, -3), inner, emit, problems, input)
  }
  if (lower.endsWith('.zip')) {
    let files: Record<string, Uint8Array>
    try {
      files = unzipSync(bytes)
    } catch (err) {
      problems.push({ input, reason: `${name}: not a valid zip file (${(err as Error).message})` })
      return
    }
    for (const entry of Object.keys(files).sort()) {
      if (entry.endsWith('/')) continue
      byName(entry, files[entry]!, emit, problems, input)
    }
    return
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').replace(/^\uFEFF/, '')
  if (lower.endsWith('.json') || lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return jsonRecords(text, emit)
  if (lower.endsWith('.csv')) {
    const parsed = parseCsv(text)
    if (!parsed.ok) {
      problems.push({ input, reason: `${name}: ${parsed.reason}` })
      return
    }
    for (const row of parsed.rows) emit('csv', row.raw, row.error ? undefined : row.cells)
    return
  }
  if (name === '-' && /^\s*[[{]/.test(text)) return jsonRecords(text, emit)
  if (isZeekTsv(text)) {
    // each row as the Zeek JSON entry it stands for; a row that does not fit its header stays text
    for (const e of parseZeekTsv(text, name)) {
      if ('reason' in e) emit('text', e.raw)
      else emit('json', JSON.stringify(e.value))
    }
    return
  }
  for (const l of lines(text)) emit('text', l)
}

/**
 * Reads every input in order and returns its records. Whole-input problems (missing file, bad
 * archive) are returned beside the records so a replay can report them and go on.
 */
export async function readRecords(inputs: string[], opts: ReadOptions = {}): Promise<{ records: FileRecord[]; problems: InputProblem[] }> {
  const records: FileRecord[] = []
  const problems: InputProblem[] = []
  for (const input of inputs) {
    let bytes: Buffer
    try {
      bytes = input === '-' ? await readAll(opts.stdin ?? process.stdin) : await readFile(input)
    } catch (err) {
      problems.push({ input, reason: (err as Error).message })
      continue
    }
    let n = 0
    const emit: Emit = (kind, raw, cells) => {
      const r: FileRecord = { input, line: ++n, kind, raw }
      if (cells) r.cells = cells
      records.push(r)
    }
    byName(input, bytes, emit, problems, input)
  }
  return { records, problems }
}
