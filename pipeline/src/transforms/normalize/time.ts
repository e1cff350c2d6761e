/**
 * Timestamp normalization: every time value a decoder finds goes through `toIsoTimestamp`,
 * which returns ISO 8601 UTC with milliseconds (`2020-09-14T00:44:23.000Z`) or undefined.
 * It never throws and compiles no regex per call.
 */

const MIN_MS = Date.UTC(1970, 0, 1)
/** Exclusive upper bound: anything in year 2101 or later is rejected. */
const MAX_MS = Date.UTC(2101, 0, 1)

/**
 * `YYYY-MM-DD`, optionally followed by `T` or a space and `hh:mm[:ss[.fraction]]`, optionally
 * followed by a zone (`Z`, `±hh:mm`, `±hhmm`, `±hh`, or ` UTC`/` GMT`).
 */
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s?(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/
/** Syslog (RFC 3164) `Mmm dd hh:mm:ss[.fff]`, optionally with a year after the day. */
const SYSLOG_RE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/
/** Apache/NCSA common log format `10/Oct/2000:13:55:36 -0700`. */
const CLF_RE = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})$/
/** Digits with an optional fraction: an epoch in s, ms, µs or ns. */
const NUMERIC_RE = /^\d+(?:\.\d+)?$/
/** RFC 2822 style `Tue, 11 Oct 2022 10:00:00 GMT`: left to Date.parse, which handles it exactly. */
const RFC2822_RE = /^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? (?:GMT|UT|[+-]\d{4}|[A-Z]{3})$/

const MONTHS: ReadonlyMap<string, number> = new Map(Object.entries({
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
}))

function inRange(ms: number): boolean {
  return ms >= MIN_MS && ms < MAX_MS
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const

function daysInMonth(year: number, month0: number): number {
  if (month0 === 1) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return DAYS[month0] ?? 0
}

/** Two ASCII digits at `i` as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48
  const b = s.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/**
 * Regex-free fast path for the common `YYYY-MM-DD[T ]hh:mm:ss[.f+][Z|±hh:mm|±hhmm]` shape
 * (Logstash/Beats `@timestamp`, Windows `TimeCreated`, Suricata, Wazuh). Returns null when the
 * string has another shape, so the caller can try the general parser.
 */
function parseIsoFast(s: string): number | undefined | null {
  const n = s.length
  if (n < 19) return null
  const c10 = s.charCodeAt(10)
  if (s.charCodeAt(7) !== 45 || (c10 !== 84 && c10 !== 32) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null
  const y1 = d2(s, 0)
  const y2 = d2(s, 2)
  const mo = d2(s, 5)
  const da = d2(s, 8)
  const h = d2(s, 11)
  const mi = d2(s, 14)
  const se = d2(s, 17)
  if (y1 < 0 || y2 < 0 || mo < 0 || da < 0 || h < 0 || mi < 0 || se < 0) return null
  let i = 19
  let ms = 0
  if (i < n && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
    i++
    const start = i
    let scale = 100
    while (i < n) {
      const c = s.charCodeAt(i) - 48
      if (c < 0 || c > 9) break
      if (scale >= 1) ms += c * scale
      scale /= 10
      i++
    }
    if (i === start) return null
  }
  let offset = 0
  if (i < n) {
    const c = s.charCodeAt(i)
    if ((c === 90 || c === 122) && i === n - 1) offset = 0
    else if ((c === 43 || c === 45) && (n - i === 6 || n - i === 5 || n - i === 3)) {
      const oh = d2(s, i + 1)
      const om = n - i === 3 ? 0 : d2(s, n - 2)
      if (oh < 0 || om < 0 || (n - i === 6 && s.charCodeAt(i + 3) !== 58)) return null
      if (oh > 23 || om > 59) return undefined
      offset = (c === 45 ? -1 : 1) * (oh * 60 + om)
    } else return null
  }
  return fromParts(y1 * 100 + y2, mo - 1, da, h, mi, se, ms, offset)
}

/** Milliseconds from a fraction string: `6491` -> 649 (truncated, never rounded into the next second). */
function fractionMs(frac: string | undefined): number {
  if (frac === undefined || frac.length === 0) return 0
  if (frac.length >= 3) return Number(frac.slice(0, 3))
  return Number(frac) * (frac.length === 1 ? 100 : 10)
}

/**
 * Epoch number to ms. The unit is inferred from the magnitude: < 1e11 seconds (until year 5138),
 * < 1e14 milliseconds, < 1e17 microseconds, else nanoseconds.
 */
export function epochToMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined
  if (n < 1e11) return Math.round(n * 1000)
  if (n < 1e14) return Math.floor(n)
  if (n < 1e17) return Math.floor(n / 1e3)
  return Math.floor(n / 1e6)
}

function fromParts(
  year: number, month0: number, day: number, hour: number, minute: number, second: number, ms: number,
  offsetMinutes: number,
): number | undefined {
  if (year < 1970 || year > 2100) return undefined
  if (month0 < 0 || month0 > 11 || day < 1 || day > daysInMonth(year, month0)) return undefined
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const t = Date.UTC(year, month0, day, hour, minute, second, ms) - offsetMinutes * 60_000
  return inRange(t) ? t : undefined
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z' || zone === 'UTC' || zone === 'GMT') return 0
  const sign = zone.charCodeAt(0) === 45 /* - */ ? -1 : 1
  const digits = zone.length === 6 ? zone.slice(1, 3) + zone.slice(4) : zone.slice(1)
  const h = Number(digits.slice(0, 2))
  const m = digits.length >= 4 ? Number(digits.slice(2, 4)) : 0
  if (h > 23 || m > 59) return undefined
  return sign * (h * 60 + m)
}

function parseIsoLike(s: string): number | undefined {
  const m = ISO_RE.exec(s)
  if (m === null) return undefined
  const offset = zoneOffsetMinutes(m[8])
  if (offset === undefined) return undefined
  return fromParts(
    Number(m[1]), Number(m[2]) - 1, Number(m[3]),
    m[4] === undefined ? 0 : Number(m[4]), m[5] === undefined ? 0 : Number(m[5]), m[6] === undefined ? 0 : Number(m[6]),
    fractionMs(m[7]), offset,
  )
}

/**
 * Syslog time has no year: the current UTC year is used, or the previous one when that would put
 * the record more than 31 days in the future (a December line read in January).
 */
function parseSyslog(s: string, now: number): number | undefined {
  const m = SYSLOG_RE.exec(s)
  if (m === null) return undefined
  const month0 = MONTHS.get(m[1] ?? '')
  if (month0 === undefined) return undefined
  const explicitYear = m[3] === undefined ? undefined : Number(m[3])
  let year = explicitYear ?? new Date(now).getUTCFullYear()
  const args = [Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), fractionMs(m[7])] as const
  let t = fromParts(year, month0, ...args, 0)
  if (explicitYear === undefined && t !== undefined && t > now + 31 * 86_400_000) {
    year -= 1
    t = fromParts(year, month0, ...args, 0)
  }
  // Feb 29 in a non-leap current year: try the previous year(s) as well
  if (explicitYear === undefined && t === undefined && month0 === 1 && args[0] === 29) {
    for (let y = year - 1; y >= year - 4 && t === undefined; y--) t = fromParts(y, month0, ...args, 0)
  }
  return t
}

function parseClf(s: string): number | undefined {
  const m = CLF_RE.exec(s)
  if (m === null) return undefined
  const month0 = MONTHS.get(m[2] ?? '')
  const offset = zoneOffsetMinutes(m[7])
  if (month0 === undefined || offset === undefined) return undefined
  return fromParts(Number(m[3]), month0, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), 0, offset)
}

/** Epoch milliseconds of a time value, or undefined. See `toIsoTimestamp`. */
export function toEpochMs(v: unknown, now: number = Date.now()): number | undefined {
  if (typeof v === 'number') {
    const ms = epochToMs(v)
    return ms !== undefined && inRange(ms) ? ms : undefined
  }
  if (typeof v === 'string') {
    let s = v
    // cheap trim: most values have no surrounding blanks
    if (s.length > 0 && (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32)) s = s.trim()
    if (s.length < 4 || s.length > 64) return undefined
    const c0 = s.charCodeAt(0)
    if (c0 >= 48 && c0 <= 57) {
      if (s.charCodeAt(4) === 45 /* - */) {
        const fast = parseIsoFast(s)
        return fast === null ? parseIsoLike(s) : fast
      }
      if (s.charCodeAt(2) === 47 /* / */) return parseClf(s)
      if (NUMERIC_RE.test(s)) return toEpochMs(Number(s), now)
      return undefined
    }
    if (c0 >= 65 && c0 <= 90) {
      if (s.charCodeAt(3) === 44 /* , */) {
        if (!RFC2822_RE.test(s)) return undefined
        const t = Date.parse(s)
        return Number.isFinite(t) && inRange(t) ? t : undefined
      }
      return parseSyslog(s, now)
    }
    return undefined
  }
  if (typeof v === 'bigint') return toEpochMs(Number(v), now)
  if (v instanceof Date) {
    const t = v.getTime()
    return Number.isFinite(t) && inRange(t) ? t : undefined
  }
  return undefined
}

/**
 * Normalizes a time value to ISO 8601 UTC with milliseconds, or undefined when unusable.
 * Accepts epoch numbers and numeric strings (s, ms, µs, ns inferred from magnitude), ISO 8601
 * with or without zone (no zone = UTC), `YYYY-MM-DD hh:mm:ss[.fff]`, syslog `Mmm dd hh:mm:ss`
 * (current year), Apache `dd/Mmm/yyyy:hh:mm:ss ±hhmm`, RFC 2822 and Date objects.
 * Years before 1970 or after 2100 are rejected. Never throws.
 */
export function toIsoTimestamp(v: unknown, now?: number): string | undefined {
  const ms = toEpochMs(v, now)
  return ms === undefined ? undefined : new Date(ms).toISOString()
}

/** True for the exact output shape of `toIsoTimestamp` (cheap check, no regex). */
export function isCanonicalIso(s: string): boolean {
  return (
    s.length === 24 && s.charCodeAt(10) === 84 /* T */ && s.charCodeAt(23) === 90 /* Z */ &&
    s.charCodeAt(4) === 45 && s.charCodeAt(19) === 46
  )
}

/**
 * ClickHouse DateTime64(3) text `YYYY-MM-DD hh:mm:ss.fff` (UTC) of a time value; undefined when
 * the value is not a usable time.
 */
export function toClickHouseDateTime(v: unknown): string | undefined {
  if (typeof v === 'string' && isCanonicalIso(v)) return v.slice(0, 10) + ' ' + v.slice(11, 23)
  const iso = toIsoTimestamp(v)
  return iso === undefined ? undefined : iso.slice(0, 10) + ' ' + iso.slice(11, 23)
}
