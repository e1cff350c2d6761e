/**
 * Redaction before anything leaves for an LLM (LLM_REDACT): user names, host names and IP
 * addresses become stable placeholders (`user-1`, `host-1`, `ip-1`), the same value the same
 * placeholder everywhere in one prompt (case-insensitively, as Windows names are), and the
 * placeholders in the model's answer are mapped back to the real values for the analyst.
 *
 * Known values (from the incident's entities and profiles) are registered first; then every
 * string is rewritten: a string that is a known value or an entity key (`user=alice`) is
 * replaced whole, known values of 3+ characters are replaced where they stand as a word inside
 * free text (a 2-letter user name replaced inside English prose would wreck it), and any other
 * IPv4/IPv6 literal is replaced too.
 */
import { isIPv4, isIPv6 } from 'node:net'

export type RedactedKind = 'user' | 'host' | 'ip'

const ENTITY_KIND: Readonly<Record<string, RedactedKind>> = { source_ip: 'ip', destination_ip: 'ip', user: 'user', host: 'host' }
const ENTITY_KEY = /^(source_ip|destination_ip|user|host)=(.*)$/s
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)/g
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?![\w:])/g
const PLACEHOLDER = /\b(user|host|ip)-(\d+)\b/g
/** Shorter known values are replaced only where a whole field holds them. */
const MIN_FREE_TEXT = 3

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export class Redactor {
  /** lower-cased value -> placeholder */
  private readonly forward = new Map<string, string>()
  /** placeholder -> the value as first seen */
  private readonly back = new Map<string, string>()
  private readonly next: Record<RedactedKind, number> = { user: 0, host: 0, ip: 0 }
  private known: RegExp | undefined

  /** The placeholder of a value (registered on first sight). Empty strings stay empty. */
  value(kind: RedactedKind, value: string): string {
    if (value === '') return value
    const key = value.toLowerCase()
    const have = this.forward.get(key)
    if (have !== undefined) return have
    const placeholder = `${kind}-${++this.next[kind]}`
    this.forward.set(key, placeholder)
    this.back.set(placeholder, value)
    this.known = undefined
    return placeholder
  }

  /** Registers an entity key's value (`user=alice`, `source_ip=10.0.0.5`); returns the redacted key. */
  entity(key: string): string {
    const m = ENTITY_KEY.exec(key)
    if (m === null) return this.text(key)
    return `${m[1]}=${this.value(ENTITY_KIND[m[1]!]!, m[2]!)}`
  }

  /** Any string with the known values and IP literals replaced. */
  text(s: string): string {
    if (s === '') return s
    const whole = this.forward.get(s.toLowerCase())
    if (whole !== undefined) return whole
    const m = ENTITY_KEY.exec(s)
    if (m !== null) return this.entity(s)
    let out = s
    const known = this.knownPattern()
    if (known !== undefined) out = out.replace(known, (v) => this.forward.get(v.toLowerCase()) ?? v)
    out = out.replace(IPV4, (v) => (isIPv4(v) ? this.value('ip', v) : v))
    out = out.replace(IPV6, (v) => (isIPv6(v) ? this.value('ip', v) : v))
    return out
  }

  /** The model's text with the placeholders mapped back to the real values. */
  restore(s: string): string {
    return s.replace(PLACEHOLDER, (p) => this.back.get(p) ?? p)
  }

  /** How many values are replaced. */
  get size(): number {
    return this.back.size
  }

  /** Whether `s` still holds a registered value (tests: nothing real went out). */
  leaks(s: string): string[] {
    const lower = s.toLowerCase()
    return [...this.back.values()].filter((v) => v.length >= MIN_FREE_TEXT && lower.includes(v.toLowerCase()))
  }

  private knownPattern(): RegExp | undefined {
    if (this.known !== undefined) return this.known
    const values = [...this.back.values()].filter((v) => v.length >= MIN_FREE_TEXT).sort((a, b) => b.length - a.length)
    if (values.length === 0) return undefined
    // longest first, so `admin2` is not read as `admin` + `2`; not inside a longer word or dotted name
    this.known = new RegExp(`(?<![\\w.-])(?:${values.map(escape).join('|')})(?![\\w-])`, 'gi')
    return this.known
  }
}
