/**
 * Log-derived strings are data. React escapes what it renders as text, so markup in a command
 * line stays text; what escaping does not cover is the bidirectional controls that make
 * `gpj.exe` read as `exe.jpg` or hide part of a command line: they are shown as visible
 * `[U+202E]` marks instead. Nothing from the logs becomes an `href`, a `src`, a style or HTML.
 */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g

/** The value as display text, bidirectional controls made visible. */
export function safeText(v: unknown): string {
  const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)
  return s.replace(BIDI, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
}

/** At most `max` characters of display text, with an ellipsis when cut. */
export function clip(v: unknown, max: number): string {
  const s = safeText(v)
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}
