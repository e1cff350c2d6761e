/** Splits line-framed text (NDJSON, plain text) into chunks of at most `perChunk` lines, on line boundaries. */
export interface LineChunk {
  text: string
  /** 1-based line number of the chunk's first line. */
  firstLine: number
  lines: number
}

export function chunkLines(text: string, perChunk: number): LineChunk[] {
  const chunks: LineChunk[] = []
  let start = 0
  let line = 1
  while (start < text.length) {
    let end = start
    let count = 0
    while (count < perChunk) {
      const nl = text.indexOf('\n', end)
      count++
      if (nl === -1) {
        end = text.length
        break
      }
      end = nl + 1
      if (end >= text.length) break
    }
    chunks.push({ text: text.slice(start, end), firstLine: line, lines: count })
    line += count
    start = end
  }
  return chunks
}
