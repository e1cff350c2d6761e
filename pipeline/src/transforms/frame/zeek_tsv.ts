/**
 * Zeek's default log format (the ASCII writer): `#separator`, `#set_separator`, `#empty_field`,
 * `#unset_field`, `#path`, `#fields` and `#types` header lines, then one tab-separated row per
 * entry, `#close` at the end. Several logs concatenated (rotation, `cat *.log`) each bring their own
 * header, which replaces the previous one.
 *
 * Each row becomes the object Zeek's JSON writer would have written for it: the same field names
 * (`id.orig_h` as a literal dotted key), values typed by `#types` (count/int/port/double/time/
 * interval as numbers, bool as true/false, set[...] and vector[...] as arrays), unset fields left
 * out, and `_path` from `#path` (else from the file name), so the Zeek decoder and the Sigma
 * routing by Zeek log type treat both formats alike.
 */

export interface ZeekRow {
  /** The entry as Zeek JSON. */
  value: Record<string, unknown>
  /** The row as it was in the file. */
  raw: string
  /** 1-based line in the text. */
  line: number
}

export interface ZeekRowError {
  raw: string
  line: number
  reason: string
}

/** True when `text` starts like a Zeek ASCII log (its first line is `#separator ...`). */
export function isZeekTsv(text: string): boolean {
  return /^\uFEFF?#separator[ \t]/.test(text)
}

/** `\x09` -> tab; Zeek escapes the separator and non-printable bytes this way. */
function unescape(s: string): string {
  return s.includes('\\x') ? s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) : s
}

interface Header {
  separator: string
  setSeparator: string
  empty: string
  unset: string
  path: string | undefined
  fields: string[]
  types: string[]
}

function scalar(type: string, v: string): unknown {
  switch (type) {
    case 'count':
    case 'int':
    case 'port': {
      const n = Number(v)
      return Number.isInteger(n) ? n : v
    }
    case 'double':
    case 'time':
    case 'interval': {
      const n = Number(v)
      return Number.isFinite(n) ? n : v
    }
    case 'bool':
      return v === 'T' ? true : v === 'F' ? false : v
    default:
      return unescape(v)
  }
}

/** `conn.log`, `dns.09:00:00-10:00:00.log`, `smb_files.log.gz` -> conn, dns, smb_files. */
export function zeekPathFromFileName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  const base = name.split(/[\\/]/).pop() ?? ''
  const m = /^([a-z][a-z0-9_]*)\b/i.exec(base)
  return m && base.includes('.log') ? m[1]!.toLowerCase() : undefined
}

/**
 * Parses a whole Zeek ASCII log into its entries in line order. Rows before any `#fields` line,
 * or whose cell count differs from the header's, are entries with the reason instead of a value.
 */
export function parseZeekTsv(text: string, fileName?: string): Array<ZeekRow | ZeekRowError> {
  const out: Array<ZeekRow | ZeekRowError> = []
  const h: Header = { separator: '\t', setSeparator: ',', empty: '(empty)', unset: '-', path: zeekPathFromFileName(fileName), fields: [], types: [] }
  let start = 0
  let line = 1
  const n = text.length
  if (text.charCodeAt(0) === 0xfeff) start = 1
  while (start < n) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = n
    let raw = text.slice(start, end)
    if (raw.endsWith('\r')) raw = raw.slice(0, -1)
    if (raw.startsWith('#')) header(h, raw)
    else if (raw.trim().length > 0) {
      if (h.fields.length === 0) out.push({ raw, line, reason: 'Zeek log row before its #fields header' })
      else {
        const cells = raw.split(h.separator)
        if (cells.length !== h.fields.length) out.push({ raw, line, reason: `Zeek log row has ${cells.length} fields, #fields names ${h.fields.length}` })
        else out.push({ value: entry(h, cells), raw, line })
      }
    }
    start = end + 1
    line++
  }
  return out
}

function header(h: Header, raw: string): void {
  if (raw.startsWith('#separator')) {
    const v = raw.slice('#separator'.length).trim()
    h.separator = unescape(v) || '\t'
    return
  }
  const cut = raw.indexOf(h.separator)
  if (cut === -1) return
  const key = raw.slice(1, cut)
  const rest = raw.slice(cut + h.separator.length)
  switch (key) {
    case 'set_separator':
      h.setSeparator = unescape(rest)
      break
    case 'empty_field':
      h.empty = rest
      break
    case 'unset_field':
      h.unset = rest
      break
    case 'path':
      h.path = rest
      break
    case 'fields':
      h.fields = rest.split(h.separator)
      h.types = []
      break
    case 'types':
      h.types = rest.split(h.separator)
      break
    default:
      break
  }
}

function entry(h: Header, cells: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (h.path !== undefined) out._path = h.path
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i]!
    if (v === h.unset) continue
    const name = h.fields[i]!
    const type = h.types[i] ?? 'string'
    const container = /^(?:set|vector|table)\[(.+)\]$/.exec(type)
    if (container) out[name] = v === h.empty ? [] : v.split(h.setSeparator).map((x) => scalar(container[1]!, x))
    else out[name] = v === h.empty ? '' : scalar(type, v)
  }
  return out
}
