/**
 * `watchfloor bench similar [--incidents N] [--queries N]`: top-5 similar-incident latency over N
 * incidents (default 100,000), for the embedded index and, when ELASTICSEARCH_URL is set, for
 * Elasticsearch. The history is synthetic but shaped like a SOC's: a few hundred rules, a long
 * tail of addresses and users with some repeat offenders, ATT&CK techniques per rule, titles
 * and analyses in words, a third closed with a disposition.
 */
import { LocalIncidentIndex, loadConfig, type IncidentDocument } from '@watchfloor/pipeline'
import { fmt, positiveIntArg } from './util.js'

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const VERBS = ['brute force', 'password spraying', 'port scan', 'credential dumping', 'lateral movement', 'encoded powershell', 'suspicious service', 'run key persistence', 'dns tunneling', 'web shell', 'data exfiltration', 'malware signature']
const TARGETS = ['ssh', 'rdp', 'vpn portal', 'domain controller', 'web server', 'file share', 'mail gateway', 'database', 'workstation', 'kubernetes node']
const DISPOSITIONS = ['true_positive', 'benign_positive', 'false_positive', 'duplicate'] as const

/** `n` incident documents, deterministic for a seed. */
export function syntheticIncidents(n: number, seed = 1): IncidentDocument[] {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!
  // a skewed choice: low indexes far more often (repeat offenders, noisy rules)
  const skewed = (max: number) => Math.floor(max * r() ** 3)
  const out: IncidentDocument[] = []
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < n; i++) {
    const rule = skewed(400)
    const verb = VERBS[rule % VERBS.length]!
    const target = pick(TARGETS)
    const ip = `203.0.${skewed(64)}.${skewed(250)}`
    const user = `user${skewed(5000)}`
    const host = `host-${skewed(3000)}`
    const closed = r() < 0.35
    const at = new Date(t0 + i * 60_000).toISOString()
    out.push({
      id: `inc-${i}`,
      version: i + 1,
      title: `${verb} against ${target}`,
      summary: `Detections of ${verb} from ${ip} targeting ${user} on ${host}.`,
      evidence: `rule ${rule} ${verb}\n${target}`,
      status: closed ? 'closed' : 'new',
      severity: pick(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
      risk_score: Math.floor(r() * 100),
      disposition: closed ? pick(DISPOSITIONS) : null,
      closed_by: closed ? `analyst${skewed(20)}` : null,
      closed_at: closed ? at : null,
      analyst: closed ? `analyst${skewed(20)}` : null,
      entities: [`source_ip=${ip}`, `user=${user}`, `host=${host}`],
      ips: [ip],
      users: [user],
      hosts: [host],
      rules: [`rule-${rule}`, ...(r() < 0.3 ? [`rule-${skewed(400)}`] : [])],
      techniques: [`T${1000 + (rule % 120)}`],
      tactics: ['credential-access'],
      threat_type: verb.replace(/ /g, '_'),
      first_seen: at,
      last_seen: at,
      updated_at: at,
    })
  }
  return out
}

export interface LatencyFigures {
  median: number
  p95: number
  max: number
}

/** Latencies (ms) of `queries` top-5 searches for incidents picked across the history. */
export async function measureSimilar(similar: (doc: IncidentDocument) => Promise<unknown>, docs: readonly IncidentDocument[], queries: number): Promise<LatencyFigures> {
  const times: number[] = []
  for (let q = 0; q < queries; q++) {
    const doc = docs[Math.floor((q * docs.length) / queries)]!
    const t = performance.now()
    await similar(doc)
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!
  return { median: at(0.5), p95: at(0.95), max: times[times.length - 1]! }
}

export const ms = (x: number): string => `${x.toFixed(1)} ms`

export async function benchSimilar(args: string[]): Promise<number> {
  const n = positiveIntArg(args, 'incidents', 100_000)
  const queries = positiveIntArg(args, 'queries', 200)
  if (n === undefined || queries === undefined) return 2
  const docs = syntheticIncidents(n)
  const index = new LocalIncidentIndex()
  const rss0 = process.memoryUsage().rss
  const t = performance.now()
  for (let i = 0; i < docs.length; i += 1000) index.write(docs.slice(i, i + 1000))
  const load = performance.now() - t
  const rss = process.memoryUsage().rss - rss0
  const e = await measureSimilar((d) => index.similar(d, 5), docs, queries)
  process.stdout.write(`embedded index, ${fmt(n)} incidents (indexed in ${ms(load)}, +${fmt(rss / 1024 / 1024)} MiB RSS): top-5 similar median ${ms(e.median)}, p95 ${ms(e.p95)}, max ${ms(e.max)} over ${fmt(queries)} queries (target <= 50 ms)\n`)
  const url = loadConfig().search.elasticsearchUrl
  if (url === undefined) {
    process.stdout.write('elasticsearch: skipped (set ELASTICSEARCH_URL, e.g. to a node started with `node scripts/elasticsearch/server.mjs start`)\n')
    return 0
  }
  const { benchElasticsearchSimilar } = await import('./similar-es.js')
  await benchElasticsearchSimilar(url, n, queries)
  return 0
}
