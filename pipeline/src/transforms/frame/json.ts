/** JSON helpers shared by every source: nesting limits and readable parse errors. */

/**
 * True when the JSON text nests objects/arrays deeper than `max`. Scans the text once
 * (strings skipped), so a hostile record is refused before anything recurses into it.
 */
export function exceedsDepth(text: string, max: number): boolean {
  // A document cannot nest deeper than its count of '{' and '[' characters.
  if (text.length <= max) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--
  }
  return false
}

/** " at position N" (or line/column) from a JSON.parse error, or '' when unknown. */
export function jsonErrorPosition(err: unknown): string {
  const msg = err instanceof Error ? err.message : ''
  const pos = /position (\d+)/.exec(msg)
  if (pos) return ` at position ${pos[1]}: ${msg.replace(/ in JSON at position \d+.*$/, '').slice(0, 120)}`
  return msg ? `: ${msg.slice(0, 160)}` : ''
}

/**
 * True when a parsed JSON value nests objects/arrays deeper than `max`. Walks containers only
 * (no recursion, so a hostile value cannot overflow the stack); for the flat records logs mostly
 * are this costs a few property reads, far less than scanning the text.
 */
export function valueExceedsDepth(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  const stack: [object, number][] = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > max) return true
    const children = Array.isArray(node) ? node : Object.values(node)
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
  }
  return false
}

/**
 * The size check every source applies to one record: the reason when its UTF-8 form exceeds
 * `max` bytes, else undefined. Bytes are counted only when the UTF-16 length says they could
 * exceed the limit (a string of n units is n to 3n bytes).
 */
export function oversize(text: string, max: number): string | undefined {
  if (text.length <= max && text.length * 3 <= max) return undefined
  const bytes = Buffer.byteLength(text)
  return bytes > max ? `record is ${bytes} bytes, limit ${max}` : undefined
}

/**
 * A body sent as one JSON document that does not parse, but is really NDJSON (several
 * documents, one per line): more than one line, and its first line is a JSON document.
 */
export function isNdjsonBody(text: string): boolean {
  const trimmed = text.trim()
  if (!trimmed.includes('\n')) return false
  const first = trimmed.split('\n', 1)[0] ?? ''
  try {
    JSON.parse(first)
    return true
  } catch {
    return false
  }
}
