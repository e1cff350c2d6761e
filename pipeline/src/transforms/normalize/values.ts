/** Small value helpers shared by the decoders. */

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * A non-empty string from a string or a finite number (ids and codes are often numeric);
 * undefined for blanks, Windows' `-` placeholder, objects, booleans and null.
 */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length === 0 || v === '-' ? undefined : v
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined
  if (typeof v === 'bigint') return String(v)
  return undefined
}

/** Like `str` but only accepts strings. */
export function strOnly(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v !== '-' ? v : undefined
}

/** Last path segment of a Windows or POSIX path (`C:\\Windows\\cmd.exe` -> `cmd.exe`). */
export function basename(path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  let i = path.length - 1
  for (; i >= 0; i--) {
    const c = path.charCodeAt(i)
    if (c === 92 /* \ */ || c === 47 /* / */) break
  }
  const base = i < 0 ? path : path.slice(i + 1)
  return base.length > 0 ? base : undefined
}

/** `DOMAIN\\user` -> ['DOMAIN', 'user']; `user@domain` and plain names keep the whole name. */
export function splitDomainUser(v: string): [domain: string | undefined, name: string] {
  const i = v.indexOf('\\')
  if (i <= 0 || i === v.length - 1) return [undefined, v]
  return [v.slice(0, i), v.slice(i + 1)]
}

/** A string array from a string or an array (non-strings are skipped); undefined when empty. */
export function toStringArray(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.length > 0 ? [v] : undefined
  if (!Array.isArray(v)) return undefined
  const out: string[] = []
  for (const x of v) if (typeof x === 'string' && x.length > 0) out.push(x)
  return out.length > 0 ? out : undefined
}

/** A short description of a value for decode notes, never the whole value. */
export function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  switch (typeof v) {
    case 'string':
      return v.length > 40 ? JSON.stringify(v.slice(0, 40) + '…') : JSON.stringify(v)
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v)
    case 'object':
      return 'an object'
    default:
      return typeof v
  }
}
