import { isIP } from 'node:net'

const PORT_SUFFIX_RE = /^:\d{1,5}$/

/**
 * IPv6 text to its RFC 5952 canonical form (lower case, no leading zeros, longest run of two or
 * more zero groups compressed to `::`). IPv4-mapped addresses (`::ffff:a.b.c.d`) become the plain
 * IPv4 address, so the same host is counted once whichever stack logged it.
 * `s` must already be a valid IPv6 address (checked with `isIP`).
 */
function canonicalIpv6(s: string): string {
  const dbl = s.indexOf('::')
  const headText = dbl < 0 ? s : s.slice(0, dbl)
  const tailText = dbl < 0 ? '' : s.slice(dbl + 2)
  const head = headText.length === 0 ? [] : headText.split(':')
  const tail = tailText.length === 0 ? [] : tailText.split(':')
  const last = dbl < 0 ? head : tail
  const lastPart = last[last.length - 1]
  let v4: string | undefined
  if (lastPart !== undefined && lastPart.includes('.')) {
    v4 = lastPart
    const o = lastPart.split('.').map(Number)
    last.splice(last.length - 1, 1, (((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16), (((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16))
  }
  const groups: number[] = []
  for (const h of head) groups.push(parseInt(h, 16))
  for (let i = head.length + tail.length; i < 8; i++) groups.push(0)
  for (const t of tail) groups.push(parseInt(t, 16))

  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const hi = groups[6] ?? 0
    const lo = groups[7] ?? 0
    return v4 ?? `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  }

  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':')
}

/**
 * Canonical text of an IP address, or undefined when `v` is not one. Accepts IPv4 and IPv6
 * (surrounding blanks, `[...]` brackets with an optional `:port` after them, and a `%zone`
 * suffix are stripped). Numbers, hostnames, CIDRs and `ip:port` pairs are not addresses.
 */
export function normalizeIp(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  let s = v
  if (s.length < 2 || s.length > 80) return undefined
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) s = s.trim()
  if (s.charCodeAt(0) === 91 /* [ */) {
    const end = s.indexOf(']')
    if (end < 0) return undefined
    const after = s.slice(end + 1)
    if (after.length > 0 && !PORT_SUFFIX_RE.test(after)) return undefined
    s = s.slice(1, end)
  }
  const pct = s.indexOf('%')
  if (pct >= 0) s = s.slice(0, pct)
  const kind = isIP(s)
  if (kind === 4) return s
  if (kind === 6) return canonicalIpv6(s)
  return undefined
}

/** True when `v` is an IP address string in any form `normalizeIp` accepts. */
export function isIpAddress(v: unknown): boolean {
  return normalizeIp(v) !== undefined
}
