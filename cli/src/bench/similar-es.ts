/**
 * The Elasticsearch half of `watchfloor bench similar`: the same synthetic history as the
 * embedded half (`syntheticIncidents`), written through the Elasticsearch index exactly as the
 * pipeline writes it (queue, bulk, external versions), then top-5 similar-incident latency over
 * `queries` incidents picked across the history, measured from the caller (query building, the
 * HTTP round trip, reasons). The index is a fresh one, deleted first.
 */
import { ElasticsearchIndex, Telemetry, loadConfig, type SimilarIncident } from '@watchfloor/pipeline'
import { measureSimilar, ms, syntheticIncidents, type LatencyFigures } from './similar.js'
import { fmt } from './util.js'

export const BENCH_INDEX = 'watchfloor-bench-similar'
const WARM_UP = 20

export interface ElasticsearchBenchFigures extends LatencyFigures {
  incidents: number
  queries: number
  /** Wall time to index the history until searchable, ms. */
  indexMs: number
  /** Queries that found at least one similar incident. */
  answered: number
  storeBytes: number | undefined
}

/** Waits (up to a minute) until the merges the bulk load started are done: the steady state an analyst queries. */
async function mergesSettled(url: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    try {
      const body: unknown = await (await fetch(`${url}/${BENCH_INDEX}/_stats/merge`)).json()
      const all = typeof body === 'object' && body !== null && '_all' in body ? body._all : undefined
      const total = typeof all === 'object' && all !== null && 'total' in all ? all.total : undefined
      const merges = typeof total === 'object' && total !== null && 'merges' in total ? total.merges : undefined
      if (typeof merges === 'object' && merges !== null && 'current' in merges && merges.current === 0) return
    } catch {
      return
    }
  }
}

async function storeBytes(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}/_cat/indices/${BENCH_INDEX}?format=json&bytes=b&h=store.size`)
    const body: unknown = await res.json()
    const row: unknown = Array.isArray(body) ? body[0] : undefined
    const v = typeof row === 'object' && row !== null && 'store.size' in row ? Number(row['store.size']) : Number.NaN
    return Number.isFinite(v) ? v : undefined
  } catch {
    return undefined
  }
}

export async function benchElasticsearchSimilar(url: string, n: number, queries = 200): Promise<ElasticsearchBenchFigures> {
  const base = url.replace(/\/+$/, '')
  await fetch(`${base}/${BENCH_INDEX}`, { method: 'DELETE' })
  await fetch(`${base}/_index_template/${BENCH_INDEX}`, { method: 'DELETE' })
  const config = loadConfig({ env: {}, overrides: { search: { elasticsearchUrl: base, index: BENCH_INDEX, maxQueued: Math.max(100, n) } } })
  const counters = new Telemetry().component('search', 'sink')
  const index = new ElasticsearchIndex(config.search, {
    counters,
    backfill: async function* () {
      // the bench's history is written once and never lost: nothing to read back
    },
  })
  try {
    await index.start()
    if (index.status().status !== 'ok') throw new Error(`elasticsearch at ${base} is not usable: ${index.status().detail ?? 'no answer'}`)
    const docs = syntheticIncidents(n)
    const t = performance.now()
    for (let i = 0; i < docs.length; i += 1000) index.write(docs.slice(i, i + 1000))
    if (!(await index.flush(30 * 60_000))) throw new Error(`indexing did not finish: ${JSON.stringify(index.status())}`)
    const indexMs = performance.now() - t
    if (counters.droppedTotal > 0) throw new Error(`versions dropped while indexing: ${JSON.stringify(Object.fromEntries(counters.dropped))}`)
    await mergesSettled(base)
    const size = await storeBytes(base)
    process.stdout.write(
      `elasticsearch (${base}), ${fmt(n)} incidents indexed through the sink in ${ms(indexMs)} (${fmt(n / (indexMs / 1000))}/s, ${size === undefined ? '?' : fmt(size / 1024 / 1024)} MiB on disk)\n`,
    )

    let answered = 0
    const top5 = async (d: (typeof docs)[number]): Promise<SimilarIncident[]> => {
      const r = await index.similar(d, 5)
      if (r.length > 0) answered++
      return r
    }
    // the first queries load the index's structures into memory: measured apart, the steady state below
    const cold = await measureSimilar(top5, docs.slice(0, WARM_UP * 97).filter((_, i) => i % 97 === 0), WARM_UP)
    answered = 0
    const e = await measureSimilar(top5, docs, queries)
    process.stdout.write(
      `elasticsearch, ${fmt(n)} incidents: top-5 similar median ${ms(e.median)}, p95 ${ms(e.p95)}, max ${ms(e.max)} over ${fmt(queries)} queries (${answered} with an answer; after ${WARM_UP} warm-up queries: median ${ms(cold.median)}, max ${ms(cold.max)}) (target <= 20 ms)\n`,
    )
    return { ...e, incidents: n, queries, indexMs, answered, storeBytes: size }
  } finally {
    await index.close()
  }
}
