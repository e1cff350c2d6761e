/**
 * IP ranges: a tester for one CIDR, and the ranges counted as internal by default. Used by the
 * config schema (validation), Sigma's `cidr` modifier, profiles and threat-intel lists.
 */

export const RFC1918_AND_LOCAL = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fe80::/10', '::1/128']

export function parseIPv4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return undefined
  let n = 0n
  for (let i = 1; i <= 4; i++) {
    const x = Number(m[i])
    if (x > 255) return undefined
    n = (n << 8n) | BigInt(x)
  }
  return n
}

export function parseIPv6(s0: string): bigint | undefined {
  let s = s0.toLowerCase()
  const pct = s.indexOf('%')
  if (pct >= 0) s = s.slice(0, pct)
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1)
  const lastColon = s.lastIndexOf(':')
  if (lastColon < 0) return undefined
  const last = s.slice(lastColon + 1)
  if (last.includes('.')) {
    // embedded IPv4 tail (::ffff:1.2.3.4) -> two hex groups
    const v4 = parseIPv4(last)
    if (v4 === undefined) return undefined
    s = s.slice(0, lastColon + 1) + (v4 >> 16n).toString(16) + ':' + (v4 & 0xffffn).toString(16)
  }
  const parts = s.split('::')
  if (parts.length > 2) return undefined
  const head = parts[0] === '' ? [] : (parts[0] as string).split(':')
  const rest = parts.length === 2 ? (parts[1] === '' ? [] : (parts[1] as string).split(':')) : []
  let groups: string[]
  if (parts.length === 2) {
    const fill = 8 - head.length - rest.length
    if (fill < 1) return undefined
    groups = [...head, ...Array<string>(fill).fill('0'), ...rest]
  } else groups = head
  if (groups.length !== 8) return undefined
  let n = 0n
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined
    n = (n << 16n) | BigInt(parseInt(g, 16))
  }
  return n
}

/** A tester for one CIDR (IPv4 or IPv6; a bare address is a /32 or /128). Throws on a bad spec. */
export function cidrTester(spec: string): (s: string) => boolean {
  const [addr, lenS] = spec.split('/')
  if (addr === undefined) throw new Error(`bad cidr ${spec}`)
  const v4 = parseIPv4(addr)
  const bits = v4 !== undefined ? 32 : 128
  const base = v4 ?? parseIPv6(addr)
  if (base === undefined) throw new Error(`bad cidr ${spec}`)
  const len = lenS === undefined ? bits : Number(lenS)
  if (!Number.isInteger(len) || len < 0 || len > bits) throw new Error(`bad cidr ${spec}`)
  const shift = BigInt(bits - len)
  const net = base >> shift
  if (v4 !== undefined)
    return (s) => {
      const x = parseIPv4(s)
      return x !== undefined && x >> shift === net
    }
  return (s) => {
    if (!s.includes(':')) return false
    const x = parseIPv6(s)
    return x !== undefined && x >> shift === net
  }
}
