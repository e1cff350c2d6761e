/**
 * Per-host clocks for Windows records whose only time is a zone-less local `TimeCreated` (or
 * NXLog's `EventTime`, which carries the collector's local clock).
 *
 * Some exports (OTRF's newer flattened archives among them) keep `TimeCreated` as the host's
 * local wall clock, sometimes on a 12-hour dial with the AM/PM lost, and only Sysmon events carry
 * the true UTC time (`UtcTime`). Read as UTC, a Security 4688 and the Sysmon 1 of the same process
 * land hours apart and split one attack into two incidents. Each Sysmon record that carries both
 * times teaches the offset of its host for that field (rounded to the quarter hour, as time zones
 * are); records of that host with only that field are then moved by it, with a decode note.
 *
 * The table lives in each worker. A task is scanned for such pairs before it is decoded
 * (`learnClocksFromText`), so the order of records within a task does not matter.
 */
import { toIsoTimestamp } from '../normalize/time.js'

const QUARTER_HOUR = 15 * 60 * 1000
/** Hosts remembered per worker (the oldest is forgotten first). */
const MAX_HOSTS = 10_000
const offsets = new Map<string, number>()

const ZONED = /(?:Z|[+-]\d\d:?\d\d)$/

function ms(v: string): number | undefined {
  if (ZONED.test(v.trim())) return undefined
  const iso = toIsoTimestamp(v)
  return iso === undefined ? undefined : Date.parse(iso)
}

/** The zone-less local time fields, in the order they are trusted. */
export const LOCAL_TIME_FIELDS = ['TimeCreated', 'EventTime'] as const
export type LocalTimeField = (typeof LOCAL_TIME_FIELDS)[number]

/** Learns `host`'s offset for `field` from one record's UTC time and its zone-less local time. */
export function learnClock(host: string, utc: string, local: string, field: LocalTimeField = 'TimeCreated'): void {
  const u = Date.parse(toIsoTimestamp(utc) ?? '')
  const l = ms(local)
  if (!Number.isFinite(u) || l === undefined) return
  const offset = Math.round((u - l) / QUARTER_HOUR) * QUARTER_HOUR
  // a time zone is within a day of UTC; anything else is not a clock offset
  if (Math.abs(offset) > 26 * 3600 * 1000) return
  const key = `${field}|${host.toLowerCase()}`
  offsets.delete(key)
  offsets.set(key, offset)
  if (offsets.size > MAX_HOSTS) offsets.delete(offsets.keys().next().value as string)
}

/** `local` (the zone-less `field`) of `host` as ISO UTC when the host's offset for it is known. */
export function hostUtc(host: string | undefined, local: unknown, field: LocalTimeField = 'TimeCreated'): { iso: string; offsetMs: number } | undefined {
  if (host === undefined || typeof local !== 'string' || offsets.size === 0) return undefined
  const offset = offsets.get(`${field}|${host.toLowerCase()}`)
  if (offset === undefined) return undefined
  const l = ms(local)
  if (l === undefined) return undefined
  return { iso: new Date(l + offset).toISOString(), offsetMs: offset }
}

const FIELD = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([^"]{1,64})"`)
const UTC_TIME = FIELD('UtcTime')
const LOCAL = LOCAL_TIME_FIELDS.map((f) => [f, FIELD(f)] as const)
const HOST = /"(?:Hostname|Computer)"\s*:\s*"([^"]{1,255})"/

/** Learns from every line of `text` (NDJSON, or one record) that carries UtcTime, a local time and a host. */
export function learnClocksFromText(text: string): void {
  if (!text.includes('"TimeCreated"') && !text.includes('"EventTime"')) return
  let i = text.indexOf('"UtcTime"')
  while (i !== -1) {
    const start = text.lastIndexOf('\n', i) + 1
    let end = text.indexOf('\n', i)
    if (end === -1) end = text.length
    learnFromLine(text.slice(start, end))
    i = text.indexOf('"UtcTime"', end)
  }
}

function learnFromLine(line: string): void {
  if (line.includes('"@timestamp"')) return
  const u = UTC_TIME.exec(line)
  const h = HOST.exec(line)
  if (!u || !h) return
  for (const [field, re] of LOCAL) {
    const t = re.exec(line)
    if (t) learnClock(h[1]!, u[1]!, t[1]!, field)
  }
}

/** Forgets every learned offset (tests). */
export function resetClocks(): void {
  offsets.clear()
}
