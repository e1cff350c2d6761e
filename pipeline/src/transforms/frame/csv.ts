/**
 * RFC 4180 CSV with a header row: quoted fields, doubled quotes, separators and newlines
 * inside quotes, CRLF or LF. Each data row becomes header -> cell; a row whose cell count
 * differs from the header's is reported, not guessed.
 */
export interface CsvRow {
  cells: Record<string, string>
  raw: string
  /** 1-based line where the row starts. */
  line: number
  error?: string
}

export type CsvParse = { ok: true; header: string[]; rows: CsvRow[] } | { ok: false; reason: string }

export function parseCsv(text: string): CsvParse {
  const records = splitRecords(text)
  const head = records.shift()
  if (!head || head.fields.every((f) => f.trim() === '')) return { ok: false, reason: 'CSV body has no header row' }
  const header = head.fields.map((h, i) => h.trim().replace(/^\uFEFF/, '') || `column_${i + 1}`)
  const rows: CsvRow[] = []
  for (const rec of records) {
    if (rec.fields.length === 1 && rec.fields[0] === '') continue
    const row: CsvRow = { cells: {}, raw: rec.raw, line: rec.line }
    if (rec.fields.length !== header.length) {
      row.error = `row has ${rec.fields.length} cells, header has ${header.length}`
    } else {
      for (let i = 0; i < header.length; i++) row.cells[header[i]!] = rec.fields[i]!
    }
    rows.push(row)
  }
  return { ok: true, header, rows }
}

interface RawRecordText {
  fields: string[]
  raw: string
  line: number
}

function splitRecords(text: string): RawRecordText[] {
  const out: RawRecordText[] = []
  let fields: string[] = []
  let field = ''
  let inQuotes = false
  let recStart = 0
  let line = 1
  let recLine = 1
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text[i]!
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else inQuotes = false
      } else {
        if (c === '\n') line++
        field += c
      }
      continue
    }
    if (c === '"' && field === '') inQuotes = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      fields.push(field)
      const end = i
      if (c === '\r' && text[i + 1] === '\n') i++
      out.push({ fields, raw: text.slice(recStart, end), line: recLine })
      fields = []
      field = ''
      recStart = i + 1
      line++
      recLine = line
    } else field += c
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field)
    out.push({ fields, raw: text.slice(recStart), line: recLine })
  }
  return out
}
