/** Numeric field normalization shared by the decoders. None of these throw. */

const DEC_RE = /^-?\d{1,16}$/
const HEX_RE = /^0[xX][0-9a-fA-F]{1,13}$/
const DIGITS_RE = /^\d+$/

/**
 * A safe integer from a number or a decimal / `0x` hexadecimal string (Windows logs carry
 * process ids as `0x12d8`); undefined for anything else (fractions, blanks, `-`, objects).
 */
export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined
  if (typeof v === 'string') {
    let s = v
    if (s.length === 0 || s.length > 20) return undefined
    if (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) s = s.trim()
    if (DEC_RE.test(s)) {
      const n = Number(s)
      return Number.isSafeInteger(n) ? n : undefined
    }
    if (HEX_RE.test(s)) return parseInt(s.slice(2), 16)
    return undefined
  }
  if (typeof v === 'bigint') {
    const n = Number(v)
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}

/** A TCP/UDP port (integer 0-65535) from a number or numeric string, else undefined. */
export function toPort(v: unknown): number | undefined {
  const n = toInt(v)
  return n !== undefined && n >= 0 && n <= 65535 ? n : undefined
}

/** A process id (integer 0 - 2^32-1), else undefined. */
export function toPid(v: unknown): number | undefined {
  const n = toInt(v)
  return n !== undefined && n >= 0 && n <= 0xffffffff ? n : undefined
}

/** A finite number from a number or a numeric string, else undefined. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v === 'string' && v.length > 0 && v.length <= 32) {
    const n = Number(v)
    return Number.isFinite(n) && v.trim().length > 0 ? n : undefined
  }
  return undefined
}

const TRANSPORTS: ReadonlyMap<string, string> = new Map([
  ['1', 'icmp'], ['2', 'igmp'], ['6', 'tcp'], ['17', 'udp'], ['47', 'gre'], ['50', 'esp'], ['51', 'ah'], ['58', 'ipv6-icmp'], ['132', 'sctp'],
  ['tcp', 'tcp'], ['udp', 'udp'], ['icmp', 'icmp'], ['ipv6_icmp', 'ipv6-icmp'], ['ipv6-icmp', 'ipv6-icmp'], ['icmpv6', 'ipv6-icmp'],
  ['sctp', 'sctp'], ['gre', 'gre'], ['igmp', 'igmp'],
])

/**
 * ECS `network.transport` (lower-case IANA name) from a protocol name or IANA number
 * (Windows WFP events carry `6`/`17`). Unknown names are lower-cased as they are.
 */
export function toTransport(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? TRANSPORTS.get(String(v)) : undefined
  if (typeof v !== 'string' || v.length === 0 || v.length > 32) return undefined
  const known = TRANSPORTS.get(v)
  if (known !== undefined) return known
  const lower = v.toLowerCase()
  return TRANSPORTS.get(lower) ?? (lower === '-' || DIGITS_RE.test(lower) ? undefined : lower)
}
