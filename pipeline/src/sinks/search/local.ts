/**
 * The embedded similar-incident index (no Elasticsearch configured): an inverted index in
 * process over each incident's entities, rules, ATT&CK techniques and the words of its title,
 * analysis and evidence. A query scores the incidents that share terms with the asked one, each
 * shared term weighted by its field and its rarity (idf), plus the cosine of the embeddings when
 * both have one; terms shared by a large share of all incidents (a generic word, an address seen
 * everywhere) are left out, which bounds the work per query.
 */
import type { IncidentDocument, IncidentIndex, SearchStatus, SimilarIncident, SimilarityReasons } from './types.js'

/** Field weights: sharing an entity says more than sharing a rule, a rule more than a technique or a word. */
const WEIGHT = { e: 3, r: 2, t: 1.5, w: 1 } as const
type Field = keyof typeof WEIGHT
/** Embeddings: the weight of a cosine of 1, and the cosine under which two incidents are not alike. */
const VECTOR_WEIGHT = 5
const MIN_COSINE = 0.5

const STOP = new Set(
  'the and for with from that this was were are has have had not but its into onto over under more than then them they their there which when where what who whom while also after before between about above below same other each any all one two per via out off via inc'.split(' '),
)

/** Lower-case words of 3+ letters or digits, without stop words, once each. */
export function words(text: string): string[] {
  const out = new Set<string>()
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}][\p{L}\p{N}_.-]{2,}/gu)) {
    const w = m[0].replace(/[._-]+$/, '')
    if (w.length >= 3 && !STOP.has(w)) out.add(w)
  }
  return [...out]
}

function termsOf(doc: IncidentDocument): Map<string, Field> {
  const t = new Map<string, Field>()
  for (const w of words(`${doc.title}\n${doc.summary}\n${doc.evidence}`)) t.set(`w:${w}`, 'w')
  for (const x of doc.techniques) t.set(`t:${x}`, 't')
  for (const x of doc.rules) t.set(`r:${x}`, 'r')
  for (const x of doc.entities) t.set(`e:${x}`, 'e')
  return t
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}

interface Entry {
  doc: IncidentDocument
  terms: Map<string, Field>
}

export interface LocalIndexOptions {
  /** Most incidents kept (the least recently updated are dropped first). */
  maxDocuments?: number
  /** Terms held by more than this share of the incidents (and more than 1,000 of them) are not scored. */
  maxTermShare?: number
}

export class LocalIncidentIndex implements IncidentIndex {
  readonly backend = 'embedded' as const
  private readonly docs = new Map<string, Entry>()
  private readonly postings = new Map<string, Set<string>>()
  private readonly maxDocuments: number
  private readonly maxTermShare: number
  private indexed = 0
  /** Ids of the incidents that carry an embedding. */
  private readonly vectors = new Set<string>()

  constructor(opts: LocalIndexOptions = {}) {
    this.maxDocuments = opts.maxDocuments ?? 1_000_000
    this.maxTermShare = opts.maxTermShare ?? 0.05
  }

  async start(): Promise<void> {}

  get size(): number {
    return this.docs.size
  }

  write(docs: readonly IncidentDocument[]): void {
    for (const doc of docs) {
      const old = this.docs.get(doc.id)
      if (old !== undefined) {
        if (old.doc.version >= doc.version) continue // a newer version is already here
        this.unpost(doc.id, old)
        this.docs.delete(doc.id) // re-inserted last: the map's order is the least recently updated first
      }
      const entry = { doc, terms: termsOf(doc) }
      this.docs.set(doc.id, entry)
      if (doc.embedding) this.vectors.add(doc.id)
      for (const t of entry.terms.keys()) {
        let p = this.postings.get(t)
        if (p === undefined) this.postings.set(t, (p = new Set()))
        p.add(doc.id)
      }
      this.indexed++
    }
    while (this.docs.size > this.maxDocuments) {
      const [id, entry] = this.docs.entries().next().value as [string, Entry]
      this.unpost(id, entry)
      this.docs.delete(id)
    }
  }

  private unpost(id: string, entry: Entry): void {
    this.vectors.delete(id)
    for (const t of entry.terms.keys()) {
      const p = this.postings.get(t)
      p?.delete(id)
      if (p?.size === 0) this.postings.delete(t)
    }
  }

  async similar(doc: IncidentDocument, limit: number): Promise<SimilarIncident[]> {
    if (limit <= 0) return []
    const n = this.docs.size
    const terms = termsOf(doc)
    const cap = Math.max(1000, Math.floor(n * this.maxTermShare))
    const scores = new Map<string, number>()
    for (const [term, field] of terms) {
      const p = this.postings.get(term)
      if (p === undefined || p.size > cap) continue
      const w = WEIGHT[field] * Math.log(1 + n / p.size)
      for (const id of p) if (id !== doc.id) scores.set(id, (scores.get(id) ?? 0) + w)
    }
    if (doc.embedding) {
      // kNN: every incident with a vector (exact; fine for the embedded default's sizes), close ones only
      for (const id of this.vectors) {
        if (id === doc.id) continue
        const c = cosine(doc.embedding, this.docs.get(id)!.doc.embedding!)
        if (c >= MIN_COSINE) scores.set(id, (scores.get(id) ?? 0) + VECTOR_WEIGHT * c)
      }
    }
    const top = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit)
    return top.map(([id, score]) => {
      const hit = this.docs.get(id)!
      return {
        id,
        score: Math.round(score * 1000) / 1000,
        title: hit.doc.title,
        severity: hit.doc.severity,
        status: hit.doc.status,
        reasons: reasons(doc, terms, hit),
        disposition: hit.doc.disposition,
        closed_by: hit.doc.closed_by,
        closed_at: hit.doc.closed_at,
        last_seen: hit.doc.last_seen,
      }
    })
  }

  status(): SearchStatus {
    return { backend: 'embedded', status: 'ok', documents: this.docs.size, queued: 0, indexed: this.indexed, failed: 0, backfill_pending: false }
  }

  async flush(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {}
}

function reasons(doc: IncidentDocument, terms: Map<string, Field>, hit: Entry): SimilarityReasons {
  const shared = (field: Field) => [...terms].filter(([t, f]) => f === field && hit.terms.has(t)).map(([t]) => t.slice(2))
  const r: SimilarityReasons = { entities: shared('e'), rules: shared('r'), techniques: shared('t'), text: shared('w').slice(0, 10) }
  if (doc.embedding && hit.doc.embedding) r.vector = Math.round(cosine(doc.embedding, hit.doc.embedding) * 1000) / 1000
  return r
}
