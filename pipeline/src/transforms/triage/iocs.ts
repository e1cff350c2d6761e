/**
 * Indicators from the evidence: the values of the fields the rules matched (command lines,
 * paths, URLs, hashes, addresses) read for what an analyst blocks or hunts for: IP addresses,
 * domains, URLs, file hashes and file paths. Values are data: nothing here trusts or runs them.
 */
import { isIP } from 'node:net'

export interface EvidenceIocs {
  ips: string[]
  domains: string[]
  urls: string[]
  hashes: string[]
  files: string[]
}

const URL = /\b(?:https?|ftp):\/\/[^\s"'<>`]{3,512}/gi
const HASH = /\b(?:[a-f0-9]{64}|[a-f0-9]{40}|[a-f0-9]{32})\b/gi
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g
const WIN_PATH = /\b[a-z]:\\[^\s"'<>|*?]{2,260}/gi
const UNIX_PATH = /(?:^|[\s"'=])(\/(?:[\w.-]+\/)*[\w.-]+\.\w{1,8}|\/(?:tmp|etc|var|usr|home|root|opt|dev\/shm)\/[^\s"'<>]{1,255})/g
const DOMAIN = /\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|ru|cn|info|biz|xyz|top|co|de|uk|fr|nl|online|site|club|me|tk|cc|pw|su|local|corp|internal|lan))\b/gi
/** Field names whose whole value is a domain (DNS queries, TLS SNI, HTTP hosts). */
const DOMAIN_FIELDS = /(^|[._])(query|queryname|dns\.question\.name|server_name|sni|host|hostname|domain|destinationhostname)$/i

const CAP = 50

function add(set: Set<string>, v: string): void {
  if (set.size < CAP) set.add(v)
}

/** The indicators in the values of an incident's evidence (rule -> field -> values). */
export function iocsFromEvidence(evidence: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> | undefined): EvidenceIocs {
  const ips = new Set<string>()
  const domains = new Set<string>()
  const urls = new Set<string>()
  const hashes = new Set<string>()
  const files = new Set<string>()
  for (const fields of Object.values(evidence ?? {}))
    for (const [field, values] of Object.entries(fields))
      for (const value of values) {
        for (const m of value.matchAll(URL)) {
          const u = m[0].replace(/[),.;]+$/, '')
          add(urls, u)
          try {
            const host = new globalThis.URL(u).hostname
            if (isIP(host) !== 0) add(ips, host)
            else if (host.includes('.')) add(domains, host.toLowerCase())
          } catch {
            // not a URL after all
          }
        }
        for (const m of value.matchAll(HASH)) add(hashes, m[0].toLowerCase())
        for (const m of value.matchAll(IPV4)) if (isIP(m[0]) === 4) add(ips, m[0])
        if (isIP(value.trim()) === 6) add(ips, value.trim())
        for (const m of value.matchAll(WIN_PATH)) add(files, m[0].replace(/[),.;]+$/, ''))
        for (const m of value.matchAll(UNIX_PATH)) add(files, m[1]!)
        if (DOMAIN_FIELDS.test(field) && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(value.trim())) add(domains, value.trim().toLowerCase())
        else for (const m of value.replace(URL, ' ').matchAll(DOMAIN)) if (!/\.(exe|dll|ps1|bat|sys|log|txt)$/i.test(m[1]!)) add(domains, m[1]!.toLowerCase())
      }
  return { ips: [...ips], domains: [...domains], urls: [...urls], hashes: [...hashes], files: [...files] }
}
